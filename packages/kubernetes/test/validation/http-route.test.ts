import { describe, expect, it } from 'vitest';
import type { HTTPRoute, HTTPRouteFilter, HTTPRouteRule } from '../../src/types.js';
import { parseGatewayDuration, validateHTTPRoute } from '../../src/validation/http-route.js';
import { lines } from '../support/validation.js';

const route = (rules: HTTPRouteRule[], extra: Partial<NonNullable<HTTPRoute['spec']>> = {}): HTTPRoute => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'default' },
  spec: { parentRefs: [{ name: 'gw' }], rules, ...extra },
});
const backend = { name: 'web', port: 80 };
const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
const check = (rules: HTTPRouteRule[], extra?: Partial<NonNullable<HTTPRoute['spec']>>) =>
  lines(validateHTTPRoute(route(rules, extra)));
const pathErr = (msg: string) =>
  `spec.rules[0].matches[0].path: Invalid value: "object": ${msg} when type one of ['Exact', 'PathPrefix']`;

describe('HTTPRoute validation (schema bounds + CEL)', () => {
  it('accepts a route using every supported feature', () => {
    const rules: HTTPRouteRule[] = [
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: '/api' },
            headers: [{ name: 'x-env', value: 'canary' }],
            method: 'GET',
          },
        ],
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] },
          },
          {
            type: 'URLRewrite',
            urlRewrite: {
              hostname: 'api.internal',
              path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' },
            },
          },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, percent: 10 } },
        ],
        backendRefs: [
          { ...backend, weight: 90 },
          { name: 'canary', port: 80, weight: 10 },
        ],
        timeouts: { request: '10s', backendRequest: '2s' },
      },
      {
        matches: [{ path: { type: 'Exact', value: '/old' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
      },
    ];
    expect(check(rules, { hostnames: ['example.com', '*.example.com'] })).toEqual([]);
  });

  it('checks Exact/PathPrefix path values', () => {
    expect(check([{ matches: [prefix('a')] }])).toEqual([
      pathErr("value must be an absolute path and start with '/'"),
    ]);
    expect(check([{ matches: [prefix('/a//b')] }])).toEqual([pathErr("must not contain '//'")]);
    expect(check([{ matches: [prefix('/a/./b')] }])).toEqual([pathErr("must not contain '/./'")]);
    expect(check([{ matches: [prefix('/a/../b')] }])).toEqual([pathErr("must not contain '/../'")]);
    expect(check([{ matches: [prefix('/a%2fb')] }])).toEqual([pathErr("must not contain '%2f'")]);
    expect(check([{ matches: [prefix('/a%2Fb')] }])).toEqual([pathErr("must not contain '%2F'")]);
    expect(check([{ matches: [prefix('/a#b')] }])).toEqual([
      pathErr("must not contain '#'"),
      `spec.rules[0].matches[0].path: Invalid value: "object": must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']`,
    ]);
    expect(check([{ matches: [prefix('/a/..')] }])).toEqual([pathErr("must not end with '/..'")]);
    expect(check([{ matches: [prefix('/a/.')] }])).toEqual([pathErr("must not end with '/.'")]);
    expect(check([{ matches: [{ path: { type: 'RegularExpression', value: '^/a.*' } }] }])).toEqual([]);
    expect(check([{ matches: [{ path: { type: 'Glob', value: '/a' } }] }])).toEqual([
      `spec.rules[0].matches[0].path: Invalid value: "object": type must be one of ['Exact', 'PathPrefix', 'RegularExpression']`,
    ]);
  });

  it('limits the total number of matches to 128', () => {
    const rules = Array.from({ length: 3 }, () => ({
      matches: Array.from({ length: 50 }, (_, i) => prefix(`/p${i}`)),
    }));
    expect(check(rules)).toEqual([
      'spec.rules: Invalid value: "array": While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
    ]);
  });

  it('rejects redirects with backendRefs, redirect with rewrite, and repeated filters', () => {
    const redirect: HTTPRouteFilter = { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } };
    const rewrite: HTTPRouteFilter = { type: 'URLRewrite', urlRewrite: { hostname: 'a.com' } };
    const headers: HTTPRouteFilter = {
      type: 'RequestHeaderModifier',
      requestHeaderModifier: { remove: ['x'] },
    };
    expect(check([{ filters: [redirect], backendRefs: [backend] }])).toEqual([
      'spec.rules[0]: Invalid value: "object": RequestRedirect filter must not be used together with backendRefs',
    ]);
    expect(check([{ filters: [redirect, rewrite] }])).toEqual([
      'spec.rules[0].filters: Invalid value: "array": May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
    ]);
    expect(check([{ filters: [headers, headers], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].filters: Invalid value: "array": RequestHeaderModifier filter cannot be repeated',
    ]);
    expect(check([{ filters: [rewrite, rewrite], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].filters: Invalid value: "array": URLRewrite filter cannot be repeated',
    ]);
    expect(check([{ backendRefs: [{ ...backend, filters: [headers, headers] }] }])).toEqual([
      'spec.rules[0].backendRefs[0].filters: Invalid value: "array": RequestHeaderModifier filter cannot be repeated',
    ]);
  });

  it('requires exactly one PathPrefix match for ReplacePrefixMatch', () => {
    const rewrite: HTTPRouteFilter = {
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
    };
    const redirect: HTTPRouteFilter = {
      type: 'RequestRedirect',
      requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
    };
    expect(check([{ matches: [prefix('/a')], filters: [rewrite], backendRefs: [backend] }])).toEqual([]);
    expect(check([{ filters: [rewrite], backendRefs: [backend] }])).toEqual([]);
    expect(
      check([
        { matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [rewrite], backendRefs: [backend] },
      ]),
    ).toEqual([
      'spec.rules[0]: Invalid value: "object": When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    ]);
    expect(check([{ matches: [prefix('/a'), prefix('/b')], filters: [redirect] }])).toEqual([
      'spec.rules[0]: Invalid value: "object": When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    ]);
    expect(
      check([{ matches: [prefix('/a'), prefix('/b')], backendRefs: [{ ...backend, filters: [rewrite] }] }]),
    ).toEqual([
      'spec.rules[0]: Invalid value: "object": Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    ]);
  });

  it('checks the filter union and path modifiers', () => {
    expect(
      check([{ filters: [{ type: 'URLRewrite', requestHeaderModifier: {} }], backendRefs: [backend] }]),
    ).toEqual([
      'spec.rules[0].filters[0]: Invalid value: "object": filter.requestHeaderModifier must be nil if the filter.type is not RequestHeaderModifier',
      'spec.rules[0].filters[0]: Invalid value: "object": filter.urlRewrite must be specified for URLRewrite filter.type',
    ]);
    expect(
      check([
        {
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: { path: { type: 'ReplaceFullPath', replacePrefixMatch: '/' } },
            },
          ],
          backendRefs: [backend],
        },
      ]),
    ).toEqual([
      'spec.rules[0].filters[0].urlRewrite.path: Invalid value: "object": replaceFullPath must be specified when type is set to \'ReplaceFullPath\'',
      'spec.rules[0].filters[0].urlRewrite.path: Invalid value: "object": type must be \'ReplacePrefixMatch\' when replacePrefixMatch is set',
    ]);
  });

  it('checks mirrors', () => {
    const mirror = (m: object): HTTPRouteFilter => ({
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: 'm', port: 80 }, ...m },
    });
    expect(
      check([{ filters: [mirror({ percent: 5, fraction: { numerator: 1 } })], backendRefs: [backend] }]),
    ).toEqual([
      'spec.rules[0].filters[0].requestMirror: Invalid value: "object": Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
    ]);
    expect(
      check([{ filters: [mirror({ fraction: { numerator: 5, denominator: 4 } })], backendRefs: [backend] }]),
    ).toEqual([
      'spec.rules[0].filters[0].requestMirror.fraction: Invalid value: "object": numerator must be less than or equal to denominator',
    ]);
    expect(
      check([
        {
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm' } } }],
          backendRefs: [backend],
        },
      ]),
    ).toEqual([
      'spec.rules[0].filters[0].requestMirror.backendRef: Invalid value: "object": Must have port for Service reference',
    ]);
  });

  it('checks redirects', () => {
    const redirect = (r: object): HTTPRouteFilter => ({ type: 'RequestRedirect', requestRedirect: r });
    expect(check([{ filters: [redirect({ statusCode: 307 })] }])).toEqual([]);
    expect(check([{ filters: [redirect({ statusCode: 304 })] }])).toEqual([
      'spec.rules[0].filters[0].requestRedirect.statusCode: Unsupported value: 304: supported values: "301", "302", "303", "307", "308"',
    ]);
    expect(check([{ filters: [redirect({ hostname: '*.a.com' })] }])).toEqual([
      'spec.rules[0].filters[0].requestRedirect.hostname: Invalid value: "*.a.com": spec.rules[0].filters[0].requestRedirect.hostname in body should match \'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
    ]);
  });

  it('checks timeouts', () => {
    expect(check([{ backendRefs: [backend], timeouts: { request: '1m30s', backendRequest: '0s' } }])).toEqual(
      [],
    );
    expect(check([{ backendRefs: [backend], timeouts: { request: '0s', backendRequest: '5s' } }])).toEqual(
      [],
    );
    expect(check([{ backendRefs: [backend], timeouts: { request: '1s', backendRequest: '2s' } }])).toEqual([
      'spec.rules[0].timeouts: Invalid value: "object": backendRequest timeout cannot be longer than request timeout',
    ]);
    expect(check([{ backendRefs: [backend], timeouts: { request: '1.5s' } }])).toEqual([
      'spec.rules[0].timeouts.request: Invalid value: "1.5s": spec.rules[0].timeouts.request in body should match \'^([0-9]{1,5}(h|m|s|ms)){1,4}$\'',
    ]);
    expect(parseGatewayDuration('1h2m3s4ms')).toBe(3_723_004);
  });

  it('checks hostnames, header names, methods and weights', () => {
    expect(check([{ backendRefs: [backend] }], { hostnames: ['Example.com'] })).toEqual([
      'spec.hostnames[0]: Invalid value: "Example.com": spec.hostnames[0] in body should match \'^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
    ]);
    expect(
      check([{ matches: [{ headers: [{ name: 'bad header', value: 'x' }] }], backendRefs: [backend] }]),
    ).toEqual([
      "spec.rules[0].matches[0].headers[0].name: Invalid value: \"bad header\": spec.rules[0].matches[0].headers[0].name in body should match '^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$'",
    ]);
    expect(
      check([
        {
          matches: [
            {
              headers: [
                { name: 'x', value: 'a' },
                { name: 'X', value: 'b' },
              ],
            },
          ],
          backendRefs: [backend],
        },
      ]),
    ).toEqual(['spec.rules[0].matches[0].headers[1]: Duplicate value: {"name":"X"}']);
    expect(check([{ matches: [{ method: 'FETCH' }], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].matches[0].method: Unsupported value: "FETCH": supported values: "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"',
    ]);
    expect(check([{ backendRefs: [{ ...backend, weight: 2_000_000 }] }])).toEqual([
      'spec.rules[0].backendRefs[0].weight: Invalid value: 2000000: should be an integer between 0 and 1000000',
    ]);
    expect(check([{ backendRefs: [{ name: 'web' }] }])).toEqual([
      'spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference',
    ]);
  });

  it('checks parentRefs to the same parent', () => {
    expect(
      check([{ backendRefs: [backend] }], {
        parentRefs: [
          { name: 'gw', sectionName: 'http' },
          { name: 'gw', sectionName: 'https' },
        ],
      }),
    ).toEqual([]);
    expect(
      check([{ backendRefs: [backend] }], {
        parentRefs: [{ name: 'gw' }, { name: 'gw', sectionName: 'https' }],
      }),
    ).toEqual([
      'spec.parentRefs: Invalid value: "array": sectionName or port must be specified when parentRefs includes 2 or more references to the same parent',
    ]);
    expect(
      check([{ backendRefs: [backend] }], {
        parentRefs: [
          { name: 'gw', sectionName: 'a' },
          { name: 'gw', sectionName: 'a' },
        ],
      }),
    ).toEqual([
      'spec.parentRefs: Invalid value: "array": sectionName or port must be unique when parentRefs includes 2 or more references to the same parent',
    ]);
  });

  it('checks CORS wildcard lists', () => {
    const cors: HTTPRouteFilter = { type: 'CORS', cors: { allowOrigins: ['*', 'https://a.com'] } };
    expect(check([{ filters: [cors], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].filters[0].cors.allowOrigins: Invalid value: "array": AllowOrigins cannot contain \'*\' alongside other origins',
    ]);
  });
});
