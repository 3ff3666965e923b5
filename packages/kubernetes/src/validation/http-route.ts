import type { Diagnostic } from '@gateway/core';
import type {
  HTTPPathModifier,
  HTTPRoute,
  HTTPRouteFilter,
  HTTPRouteMatch,
  HTTPRouteRule,
} from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import {
  countFilters,
  isGatewayHostname,
  lengthErrors,
  PRECISE_HOSTNAME_PATTERN,
  patternError,
  validateBackendRefs,
  validateFilterUnion,
  validateHeaderModifier,
  validateHeaderName,
  validateMirror,
  validateRouteBasics,
} from './gateway-common.js';

const HTTP_FILTER_MEMBERS: ReadonlyArray<[string, keyof HTTPRouteFilter]> = [
  ['RequestHeaderModifier', 'requestHeaderModifier'],
  ['ResponseHeaderModifier', 'responseHeaderModifier'],
  ['RequestMirror', 'requestMirror'],
  ['RequestRedirect', 'requestRedirect'],
  ['URLRewrite', 'urlRewrite'],
  ['ExtensionRef', 'extensionRef'],
  ['CORS', 'cors'],
];
const METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'];
const PATH_TYPES = ['Exact', 'PathPrefix', 'RegularExpression'];
const MATCH_TYPES = ['Exact', 'RegularExpression'];
const REDIRECT_CODES = [301, 302, 303, 307, 308];
const PATH_CHARS_PATTERN = "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$";
const PATH_CHARS_RE = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const DURATION_PATTERN = '^([0-9]{1,5}(h|m|s|ms)){1,4}$';
const DURATION_RE = /^(?:[0-9]{1,5}(?:h|ms|m|s)){1,4}$/;
const NOT_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F', '#'];

/** Gateway API duration (`1h2m3s4ms`) in milliseconds; undefined when it does not match the pattern. */
export function parseGatewayDuration(value: string): number | undefined {
  if (!DURATION_RE.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/([0-9]{1,5})(h|ms|m|s)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  return total;
}

/**
 * Port of the HTTPRoute CRD's schema bounds and CEL rules (Gateway API v1, standard channel):
 * hostnames, parentRefs, rules (≤ 16, total matches ≤ 128), path matches (absolute, no `//`,
 * `/./`, `/../`, `%2f`, `#`, valid characters), header/query matches, methods, the filter union
 * and per-type rules, redirect vs backendRefs, ReplacePrefixMatch with exactly one PathPrefix
 * match, mirrors, and timeouts (`backendRequest` ≤ `request`).
 *
 * @example
 * ```ts
 * validateHTTPRoute({ metadata: { name: 'r' }, spec: { rules: [{ matches: [{ path: { type: 'Exact', value: 'a' } }] }] } });
 * // spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']
 * ```
 */
export function validateHTTPRoute(route: HTTPRoute): Diagnostic[] {
  const errs = new FieldErrors(objectRef(route, 'HTTPRoute'));
  const rules = validateRouteBasics(route, errs);
  const ruleNames = new Set<string>();
  rules.forEach((rule, i) => {
    if (rule.name !== undefined) {
      if (ruleNames.has(rule.name))
        errs.cel('spec.rules', 'array', 'Rule name must be unique within the route', 'duplicate-rule-name');
      ruleNames.add(rule.name);
    }
    validateRule(rule, `spec.rules[${i}]`, errs);
  });
  return errs.list;
}

function validateRule(rule: HTTPRouteRule, path: string, errs: FieldErrors): void {
  const matches = rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }];
  if (matches.length > 64) errs.tooMany(`${path}.matches`, matches.length, 64);
  matches.forEach((m, j) => {
    validateMatch(m, `${path}.matches[${j}]`, errs);
  });
  validateFilterList(rule.filters, `${path}.filters`, errs);
  const backendRefs = rule.backendRefs ?? [];
  validateBackendRefs(backendRefs, `${path}.backendRefs`, errs, validateFilterList);

  const filters = rule.filters ?? [];
  if (backendRefs.length > 0 && filters.some((f) => f.requestRedirect !== undefined)) {
    errs.cel(
      path,
      'object',
      'RequestRedirect filter must not be used together with backendRefs',
      'redirect-with-backends',
    );
  }
  const onePrefixMatch =
    rule.matches !== undefined
      ? rule.matches.length === 1 &&
        rule.matches[0]!.path !== undefined &&
        (rule.matches[0]!.path.type ?? 'PathPrefix') === 'PathPrefix'
      : true; // the defaulted match is a single PathPrefix '/'
  const replacesPrefix = (list: HTTPRouteFilter[] | undefined, kind: 'requestRedirect' | 'urlRewrite') =>
    (list ?? []).filter((f) => isReplacePrefix(f[kind]?.path)).length === 1;
  if (!onePrefixMatch) {
    if (replacesPrefix(filters, 'requestRedirect')) {
      errs.cel(
        path,
        'object',
        'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
        'replace-prefix-match',
      );
    }
    if (replacesPrefix(filters, 'urlRewrite')) {
      errs.cel(
        path,
        'object',
        'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
        'replace-prefix-match',
      );
    }
    if (backendRefs.some((b) => replacesPrefix(b.filters, 'requestRedirect'))) {
      errs.cel(
        path,
        'object',
        'Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
        'replace-prefix-match',
      );
    }
    if (backendRefs.some((b) => replacesPrefix(b.filters, 'urlRewrite'))) {
      errs.cel(
        path,
        'object',
        'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
        'replace-prefix-match',
      );
    }
  }
  if (rule.timeouts) {
    const t = rule.timeouts;
    const request = t.request !== undefined ? parseGatewayDuration(t.request) : undefined;
    const backend = t.backendRequest !== undefined ? parseGatewayDuration(t.backendRequest) : undefined;
    if (t.request !== undefined && request === undefined)
      patternError(errs, `${path}.timeouts.request`, t.request, DURATION_PATTERN, 'invalid-duration');
    if (t.backendRequest !== undefined && backend === undefined) {
      patternError(
        errs,
        `${path}.timeouts.backendRequest`,
        t.backendRequest,
        DURATION_PATTERN,
        'invalid-duration',
      );
    }
    if (request !== undefined && backend !== undefined && request !== 0 && backend > request) {
      errs.cel(
        `${path}.timeouts`,
        'object',
        'backendRequest timeout cannot be longer than request timeout',
        'backend-timeout-too-long',
      );
    }
  }
}

function isReplacePrefix(mod: HTTPPathModifier | undefined): boolean {
  return mod?.type === 'ReplacePrefixMatch' && mod.replacePrefixMatch !== undefined;
}

function validateMatch(match: HTTPRouteMatch, path: string, errs: FieldErrors): void {
  if (match.path) {
    const p = `${path}.path`;
    const type = match.path.type ?? 'PathPrefix';
    const value = match.path.value ?? '/';
    if (!PATH_TYPES.includes(type)) {
      errs.cel(
        p,
        'object',
        "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
        'invalid-path-type',
      );
    } else if (type !== 'RegularExpression') {
      const when = "when type one of ['Exact', 'PathPrefix']";
      if (!value.startsWith('/'))
        errs.cel(
          p,
          'object',
          `value must be an absolute path and start with '/' ${when}`,
          'path-not-absolute',
        );
      for (const seq of NOT_SEQUENCES) {
        if (value.includes(seq))
          errs.cel(p, 'object', `must not contain '${seq}' ${when}`, 'path-invalid-sequence');
      }
      for (const suffix of ['/..', '/.']) {
        if (value.endsWith(suffix))
          errs.cel(p, 'object', `must not end with '${suffix}' ${when}`, 'path-invalid-suffix');
      }
      if (!PATH_CHARS_RE.test(value)) {
        errs.cel(
          p,
          'object',
          `must only contain valid characters (matching ${PATH_CHARS_PATTERN}) for types ['Exact', 'PathPrefix']`,
          'path-invalid-chars',
        );
      }
    }
    if (value.length > 1024) errs.tooLong(`${p}.value`, 1024);
  }
  for (const listName of ['headers', 'queryParams'] as const) {
    const list = match[listName] ?? [];
    if (list.length > 16) errs.tooMany(`${path}.${listName}`, list.length, 16);
    const seen = new Set<string>();
    list.forEach((h, k) => {
      const hp = `${path}.${listName}[${k}]`;
      validateHeaderName(h.name, `${hp}.name`, errs);
      const key = listName === 'headers' ? h.name.toLowerCase() : h.name;
      if (seen.has(key)) errs.duplicate(hp, { name: h.name }, 'duplicate-match');
      seen.add(key);
      const type = h.type ?? 'Exact';
      if (!MATCH_TYPES.includes(type)) errs.notSupported(`${hp}.type`, type, MATCH_TYPES);
      lengthErrors(errs, `${hp}.value`, h.value ?? '', 1, listName === 'headers' ? 4096 : 1024);
    });
  }
  if (match.method !== undefined && !METHODS.includes(match.method)) {
    errs.notSupported(`${path}.method`, match.method, METHODS, 'invalid-method');
  }
}

/** Filter list rules shared by rules and backendRefs. */
function validateFilterList(filters: HTTPRouteFilter[] | undefined, path: string, errs: FieldErrors): void {
  const list = filters ?? [];
  if (list.length > 16) errs.tooMany(path, list.length, 16);
  const counts = countFilters(list);
  if ((counts.get('RequestRedirect') ?? 0) > 0 && (counts.get('URLRewrite') ?? 0) > 0) {
    errs.cel(
      path,
      'array',
      'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
      'redirect-and-rewrite',
    );
  }
  for (const type of [
    'CORS',
    'RequestHeaderModifier',
    'ResponseHeaderModifier',
    'RequestRedirect',
    'URLRewrite',
  ]) {
    if ((counts.get(type) ?? 0) > 1)
      errs.cel(path, 'array', `${type} filter cannot be repeated`, 'filter-repeated');
  }
  list.forEach((f, i) => {
    validateFilter(f, `${path}[${i}]`, errs);
  });
}

function validateFilter(filter: HTTPRouteFilter, path: string, errs: FieldErrors): void {
  validateFilterUnion(filter, path, errs, HTTP_FILTER_MEMBERS);
  if (filter.requestHeaderModifier)
    validateHeaderModifier(filter.requestHeaderModifier, `${path}.requestHeaderModifier`, errs);
  if (filter.responseHeaderModifier)
    validateHeaderModifier(filter.responseHeaderModifier, `${path}.responseHeaderModifier`, errs);
  if (filter.requestMirror) validateMirror(filter.requestMirror, `${path}.requestMirror`, errs);
  if (filter.requestRedirect) {
    const r = filter.requestRedirect;
    const rp = `${path}.requestRedirect`;
    if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https')
      errs.notSupported(`${rp}.scheme`, r.scheme, ['http', 'https']);
    if (r.hostname !== undefined) validatePreciseHostname(r.hostname, `${rp}.hostname`, errs);
    if (r.port !== undefined && (r.port < 1 || r.port > 65535))
      errs.invalid(`${rp}.port`, r.port, 'should be between 1 and 65535', 'invalid-port');
    if (r.statusCode !== undefined && !REDIRECT_CODES.includes(r.statusCode)) {
      errs.notSupported(`${rp}.statusCode`, r.statusCode, REDIRECT_CODES.map(String), 'invalid-status-code');
    }
    if (r.path) validatePathModifier(r.path, `${rp}.path`, errs);
  }
  if (filter.urlRewrite) {
    const u = filter.urlRewrite;
    if (u.hostname !== undefined) validatePreciseHostname(u.hostname, `${path}.urlRewrite.hostname`, errs);
    if (u.path) validatePathModifier(u.path, `${path}.urlRewrite.path`, errs);
  }
  if (filter.cors) {
    const c = filter.cors;
    const cp = `${path}.cors`;
    const wildcardAlone = (list: string[] | undefined, field: string, what: string) => {
      if (list?.includes('*') && list.length > 1)
        errs.cel(
          `${cp}.${field}`,
          'array',
          `${field.charAt(0).toUpperCase()}${field.slice(1)} cannot contain '*' alongside other ${what}`,
          'cors-wildcard',
        );
    };
    wildcardAlone(c.allowOrigins, 'allowOrigins', 'origins');
    wildcardAlone(c.allowMethods, 'allowMethods', 'methods');
    wildcardAlone(c.allowHeaders, 'allowHeaders', 'headers');
    wildcardAlone(c.exposeHeaders, 'exposeHeaders', 'headers');
    if (c.maxAge !== undefined && c.maxAge < 1)
      errs.invalid(`${cp}.maxAge`, c.maxAge, 'should be greater than or equal to 1');
  }
}

function validatePathModifier(mod: HTTPPathModifier, path: string, errs: FieldErrors): void {
  if (mod.type === 'ReplaceFullPath' && mod.replaceFullPath === undefined) {
    errs.cel(
      path,
      'object',
      "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
      'path-modifier',
    );
  }
  if (mod.replaceFullPath !== undefined && mod.type !== 'ReplaceFullPath') {
    errs.cel(path, 'object', "type must be 'ReplaceFullPath' when replaceFullPath is set", 'path-modifier');
  }
  if (mod.type === 'ReplacePrefixMatch' && mod.replacePrefixMatch === undefined) {
    errs.cel(
      path,
      'object',
      "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
      'path-modifier',
    );
  }
  if (mod.replacePrefixMatch !== undefined && mod.type !== 'ReplacePrefixMatch') {
    errs.cel(
      path,
      'object',
      "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
      'path-modifier',
    );
  }
  if (mod.type !== 'ReplaceFullPath' && mod.type !== 'ReplacePrefixMatch') {
    errs.notSupported(`${path}.type`, mod.type, ['ReplaceFullPath', 'ReplacePrefixMatch']);
  }
  for (const field of ['replaceFullPath', 'replacePrefixMatch'] as const) {
    const v = mod[field];
    if (v !== undefined && v.length > 1024) errs.tooLong(`${path}.${field}`, 1024);
  }
}

function validatePreciseHostname(value: string, path: string, errs: FieldErrors): void {
  if (lengthErrors(errs, path, value, 1, 253) && (value.startsWith('*.') || !isGatewayHostname(value))) {
    patternError(errs, path, value, PRECISE_HOSTNAME_PATTERN, 'invalid-hostname');
  }
}
