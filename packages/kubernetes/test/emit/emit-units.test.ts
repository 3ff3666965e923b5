import { compileYaml } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { authorityHost, toDnsLabel } from '../../src/emit/common.js';
import { emitGatewayApi, gatewayDuration } from '../../src/emit/gateway-api.js';
import { emitIngress } from '../../src/emit/ingress.js';
import {
  gatewayRank,
  ingressRank,
  orderChanges,
  overlap,
  segmentPrefixMatches,
} from '../../src/emit/precedence.js';
import { emitServices, toAmbassadorFields } from '../../src/emit/services.js';
import type { HTTPRoute, Ingress } from '../../src/types.js';
import { parseGatewayDuration } from '../../src/validation/http-route.js';
import { modelError } from '../support/models.js';

const mapping = (name: string, spec: string) =>
  `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: ${name}, namespace: default }\nspec: ${spec}\n`;

describe('emitter helpers', () => {
  it('formats Gateway API durations within the pattern', () => {
    expect(gatewayDuration(0)).toBe('0s');
    expect(gatewayDuration(3000)).toBe('3s');
    expect(gatewayDuration(300_000)).toBe('5m');
    expect(gatewayDuration(3_723_004)).toBe('1h2m3s4ms');
    for (const ms of [1, 999, 61_001, 86_400_000, 123_456_789])
      expect(parseGatewayDuration(gatewayDuration(ms))).toBe(ms);
  });

  it('makes DNS labels', () => {
    expect(toDnsLabel('Listener_8080/*.Example.com')).toBe('listener-8080-example-com');
    expect(toDnsLabel('a'.repeat(80))).toMatch(/^a{54}-[0-9a-f]{8}$/);
  });

  it('reads hosts from :authority matches', () => {
    expect(
      authorityHost({ name: ':authority', match: { exact: 'A.example.com', ignoreCase: true } }),
    ).toEqual({ host: 'a.example.com' });
    expect(authorityHost({ name: ':authority', match: { suffix: '.example.com' } })).toEqual({
      host: '*.example.com',
      wildcard: 'multi-label',
    });
    expect(authorityHost({ name: ':authority', match: { regex: '[^.]+\\.shop\\.example\\.com' } })).toEqual({
      host: '*.shop.example.com',
      wildcard: 'single-label',
    });
    expect(authorityHost({ name: ':authority', match: { regex: '.*' } })).toBeUndefined();
  });

  it('converts spec fields to Ambassador snake_case, keeping user map keys', () => {
    expect(
      toAmbassadorFields({
        hostRewrite: 'a',
        addRequestHeaders: { 'X-Keep_Case': 'v' },
        retryPolicy: { retryOn: '5xx', numRetries: 2 },
        labels: { ambassador: [{ myGroup: [{ requestHeaders: { headerName: 'X-User', key: 'user' } }] }] },
      }),
    ).toEqual({
      host_rewrite: 'a',
      add_request_headers: { 'X-Keep_Case': 'v' },
      retry_policy: { retry_on: '5xx', num_retries: 2 },
      labels: { ambassador: [{ myGroup: [{ request_headers: { header_name: 'X-User', key: 'user' } }] }] },
    });
  });
});

describe('precedence analysis', () => {
  const sel = (kind: 'exact' | 'prefix' | 'string-prefix' | 'regex', value: string, extra: object = {}) => ({
    path: { kind, value },
    headers: [],
    query: [],
    ...extra,
  });

  it('matches prefixes element-wise', () => {
    expect(segmentPrefixMatches('/foo', '/foo/bar')).toBe(true);
    expect(segmentPrefixMatches('/foo/', '/foo')).toBe(true);
    expect(segmentPrefixMatches('/foo', '/foobar')).toBe(false);
    expect(segmentPrefixMatches('/', '/anything')).toBe(true);
  });

  it('finds requests both matches can take, or none', () => {
    expect(overlap(sel('prefix', '/a/'), sel('prefix', '/a/b/'))).toBe('/a/b/');
    expect(overlap(sel('prefix', '/a'), sel('prefix', '/ab'))).toBeUndefined();
    expect(overlap(sel('string-prefix', '/a'), sel('prefix', '/ab'))).toBe('/ab');
    expect(overlap(sel('exact', '/a/b'), sel('prefix', '/a'))).toBe('/a/b');
    expect(
      overlap(sel('prefix', '/a', { method: 'GET' }), sel('prefix', '/a', { method: 'POST' })),
    ).toBeUndefined();
    expect(
      overlap(
        sel('prefix', '/a', { headers: [{ name: 'x', exact: '1' }] }),
        sel('prefix', '/a', { headers: [{ name: 'X', exact: '2' }] }),
      ),
    ).toBeUndefined();
    expect(overlap(sel('regex', '/a.*'), sel('prefix', '/b'))).toBe('*');
  });

  it('reports only pairs whose winner changes', () => {
    const items = [sel('prefix', '/a/'), sel('exact', '/a/x'), sel('prefix', '/b/')];
    expect(
      orderChanges(items, (x) => x, ingressRank).map((c) => [
        c.loser.path.value,
        c.winner.path.value,
        c.example,
      ]),
    ).toEqual([['/a/', '/a/x', '/a/x']]);
    const gw = [
      sel('prefix', '/a/', { headers: [{ name: 'x' }, { name: 'y' }] }),
      sel('prefix', '/a/', { method: 'GET' }),
    ];
    expect(orderChanges(gw, (x) => x, gatewayRank)).toHaveLength(1);
    expect(orderChanges(gw, (x) => x, ingressRank)).toHaveLength(0);
  });
});

describe('emitters on compiled IR', () => {
  it('splits more than 16 rules into routes whose names keep IR order', () => {
    const text = Array.from({ length: 20 }, (_, i) =>
      mapping(
        `m${i}`,
        `{ hostname: "*", prefix: "/p${String(i).padStart(2, '0')}/", service: "s${i}", rewrite: "" }`,
      ),
    ).join('');
    const { objects } = emitGatewayApi(compileYaml(text).ir);
    const routes = objects.filter((o) => o.kind === 'HTTPRoute') as HTTPRoute[];
    expect(routes.map((r) => [r.metadata.name, r.spec!.rules!.length])).toEqual([
      ['gateway-all-hosts-000', 16],
      ['gateway-all-hosts-001', 4],
    ]);
    for (const r of routes) expect(modelError(r)).toBeUndefined();
  });

  it('emits 303/307/308 redirects (Gateway API ≥ v1.2) and reports regex redirects', () => {
    const text =
      mapping(
        'tmp',
        '{ hostname: "*", prefix: /tmp/, service: tmp.example.com, host_redirect: true, redirect_response_code: 307 }',
      ) +
      mapping(
        'rx',
        '{ hostname: "*", prefix: /rx/, service: rx.example.com, host_redirect: true, regex_redirect: { pattern: "^/rx/(.*)$", substitution: "/\\\\1" } }',
      );
    const { objects, diagnostics } = emitGatewayApi(compileYaml(text).ir);
    const route = objects.find((o) => o.kind === 'HTTPRoute') as HTTPRoute;
    expect(route.spec!.rules).toHaveLength(1);
    expect(route.spec!.rules![0]!.filters).toEqual([
      { type: 'RequestRedirect', requestRedirect: { hostname: 'tmp.example.com', statusCode: 307 } },
    ]);
    expect(
      diagnostics.some(
        (d) => d.code === 'gateway-api-route-skipped' && d.message.includes('a regex redirect path'),
      ),
    ).toBe(true);
  });

  it('maps core-generated single-label Ingress wildcards back to Ingress hosts', () => {
    const text = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop, namespace: default }
spec:
  ingressClassName: gateway
  rules:
    - host: "*.shop.example.com"
      http: { paths: [{ path: /cart, pathType: Prefix, backend: { service: { name: cart, port: { number: 80 } } } }] }
`;
    const { objects, diagnostics } = emitIngress(compileYaml(text).ir);
    const ing = objects.find((o) => o.kind === 'Ingress') as Ingress;
    expect(ing.spec!.rules).toEqual([
      {
        host: '*.shop.example.com',
        http: {
          paths: [
            {
              path: '/cart',
              pathType: 'Prefix',
              backend: { service: { name: 'cart', port: { number: 80 } } },
            },
          ],
        },
      },
    ]);
    expect(diagnostics.filter((d) => d.severity !== 'notice')).toEqual([]);
    // Gateway API wildcards span any number of labels: the single-label host cannot be expressed.
    expect(
      emitGatewayApi(compileYaml(text).ir).diagnostics.some((d) =>
        d.message.includes('single-label wildcard host *.shop.example.com'),
      ),
    ).toBe(true);
  });

  it('uses named Service ports when given', () => {
    const { objects } = emitIngress(
      compileYaml(mapping('a', '{ hostname: "*", prefix: /a/, service: "api:8080" }')).ir,
      { portNames: { 'default/api:8080': 'http' } },
    );
    expect(JSON.stringify(objects)).toContain('"port":{"name":"http"}');
  });

  it('emits NodePort Services with node ports and reports MetalLB options on other types', () => {
    const ir = compileYaml(mapping('a', '{ hostname: "*", prefix: /a/, service: "api:8080" }')).ir;
    const { objects, diagnostics } = emitServices(ir, {
      type: 'NodePort',
      ports: { 8080: { nodePort: 30080, targetPort: 'http' } },
      metallb: { addressPool: 'x' },
    });
    expect(objects[0]!.spec.ports).toEqual([
      { name: 'http-8080', protocol: 'TCP', port: 8080, targetPort: 'http', nodePort: 30080 },
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(['services-metallb-ignored']);
  });
});
