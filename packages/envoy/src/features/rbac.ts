/**
 * Authorization policies (`ir.filters.authorization`) → `envoy.filters.http.rbac`.
 *
 * Semantics (shared with the in-process proxy and held to identical answers by a shared decision
 * table): DENY wins; if any ALLOW policy applies to a route, a request must match one of its
 * rules; otherwise it is allowed. One RBAC filter with action DENY expresses that exactly:
 * - one Envoy policy per DENY rule (`<policy>[<i>]`), and
 * - when ALLOW policies apply, one policy `allow-policies-not-matched` whose principal is
 *   `not_id(or_ids(<every ALLOW rule>))`.
 * Every rule condition is written as a `Principal` (RBAC principals can match headers, the path,
 * the client address and dynamic metadata), so a whole rule — request attributes and identity —
 * is one principal tree: `and_ids` of its conditions, `not_id` for `notX`, `or_ids` for lists.
 *
 * Conditions:
 * - methods → `:method` header exact; paths → `url_path` exact/prefix/suffix (`*` = any path);
 *   hosts → `:authority` RE2 `(?i)<host>(:[0-9]+)?`; headers → header matchers (`*` = present);
 *   source IPs → `remote_ip` CIDRs (the client address after X-Forwarded-For trust).
 * - principals and namespaces → jwt_authn's verified payloads (`payload_in_metadata` = provider
 *   name): `sub` for `sub` providers; for Kubernetes ServiceAccount providers the
 *   `kubernetes.io` claim (`namespace`, `serviceaccount.name`) when present, else `sub`
 *   (`system:serviceaccount:<ns>:<name>`), exactly as the proxy derives identities.
 *
 * Gateway-wide policies go into the filter's own config; a route that names policies gets an
 * `RBACPerRoute` with the gateway-wide ones plus its own. A route naming a policy that does not
 * exist, or a policy with a malformed CIDR, denies everything (fail closed), like the proxy.
 * Client-side (gRPC xDS) listeners never get the filter.
 *
 * @module
 */
import type { IRAuthorizationPolicy, IRAuthorizationRule, IRJwtProvider, IRRoute } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { HttpFeature } from './registry.js';
import { re2Escape } from './string-match.js';

const T_RBAC = 'envoy.extensions.filters.http.rbac.v3.RBAC';
const T_RBAC_PER_ROUTE = 'envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const JWT_NS = 'envoy.filters.http.jwt_authn';
const SA_PREFIX = 'system:serviceaccount:';

/** The policy name used for "an ALLOW policy applies but none of its rules matched". */
export const ALLOW_MISS_POLICY = 'allow-policies-not-matched';

const ANY: JsonObject = { any: true };
const NEVER: JsonObject = { not_id: { any: true } };

function and(ids: JsonObject[]): JsonObject {
  if (ids.length === 0) return ANY;
  if (ids.length === 1) return ids[0] as JsonObject;
  return { and_ids: { ids } };
}

function or(ids: JsonObject[]): JsonObject {
  if (ids.length === 0) return NEVER;
  if (ids.length === 1) return ids[0] as JsonObject;
  return { or_ids: { ids } };
}

function not(id: JsonObject): JsonObject {
  return { not_id: id };
}

/** A policy pattern (`*`, `x*`, `*x`, exact) → StringMatcher; `*` needs a non-empty value. */
function patternMatcher(pattern: string): JsonObject {
  if (pattern === '*') return { safe_regex: { regex: '.+' } };
  if (pattern.length > 1 && pattern.endsWith('*')) return { prefix: pattern.slice(0, -1) };
  if (pattern.length > 1 && pattern.startsWith('*')) return { suffix: pattern.slice(1) };
  return { exact: pattern };
}

/** A policy pattern as an RE2 fragment matching one colon-free name (namespace or SA name). */
function patternRegexNoColon(pattern: string): string {
  if (pattern === '*') return '[^:]+';
  if (pattern.length > 1 && pattern.endsWith('*')) return `${re2Escape(pattern.slice(0, -1))}[^:]*`;
  if (pattern.length > 1 && pattern.startsWith('*')) return `[^:]*${re2Escape(pattern.slice(1))}`;
  return re2Escape(pattern);
}

function metadata(path: string[], value: JsonObject, invert = false): JsonObject {
  const m: JsonObject = { filter: JWT_NS, path: path.map((key) => ({ key })), value };
  if (invert) m.invert = true;
  return { metadata: m };
}

const str = (matcher: JsonObject): JsonObject => ({ string_match: matcher });

/** A colon-free, non-empty string claim. */
const SA_PART = str({ safe_regex: { regex: '[^:]+' } });

function kioValid(p: string): JsonObject {
  return and([
    metadata([p, 'kubernetes.io', 'namespace'], SA_PART),
    metadata([p, 'kubernetes.io', 'serviceaccount', 'name'], SA_PART),
  ]);
}

type Part = { kind: 'any' } | { kind: 'match'; matcher: JsonObject } | { kind: 'never' };
const anyPart: Part = { kind: 'any' };
const part = (matcher: JsonObject): Part => ({ kind: 'match', matcher });

/**
 * Splits a principal pattern into namespace and name matchers for the composite
 * `system:serviceaccount:<ns>:<name>` (both parts non-empty and colon-free), or `never` when the
 * pattern cannot match any such composite.
 */
export function serviceAccountPatternParts(pattern: string): { ns: Part; name: Part } | 'never' {
  if (pattern === '*') return { ns: anyPart, name: anyPart };
  if (pattern.length > 1 && pattern.endsWith('*')) {
    const x = pattern.slice(0, -1);
    if (SA_PREFIX.startsWith(x)) return { ns: anyPart, name: anyPart };
    if (!x.startsWith(SA_PREFIX)) return 'never';
    const rest = x.slice(SA_PREFIX.length);
    const colon = rest.indexOf(':');
    if (colon === -1) return { ns: part({ prefix: rest }), name: anyPart };
    const ns = rest.slice(0, colon);
    const name = rest.slice(colon + 1);
    if (ns === '' || name.includes(':')) return 'never';
    return { ns: part({ exact: ns }), name: name === '' ? anyPart : part({ prefix: name }) };
  }
  if (pattern.length > 1 && pattern.startsWith('*')) {
    const y = pattern.slice(1);
    const last = y.lastIndexOf(':');
    if (last === -1) return { ns: anyPart, name: part({ suffix: y }) };
    const name = y.slice(last + 1);
    if (name === '') return 'never';
    const c = y.slice(0, last);
    const cColon = c.lastIndexOf(':');
    if (cColon === -1) return { ns: c === '' ? anyPart : part({ suffix: c }), name: part({ exact: name }) };
    const ns = c.slice(cColon + 1);
    const head = c.slice(0, cColon);
    if (ns === '' || !'system:serviceaccount'.endsWith(head)) return 'never';
    return { ns: part({ exact: ns }), name: part({ exact: name }) };
  }
  if (!pattern.startsWith(SA_PREFIX)) return 'never';
  const parts = pattern.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return 'never';
  return { ns: part({ exact: parts[0] }), name: part({ exact: parts[1] }) };
}

/** "The identity of provider `p` matches principal pattern `pattern`". */
function principalFor(p: IRJwtProvider, pattern: string): JsonObject {
  const subMatch = metadata([p.name, 'sub'], str(patternMatcher(pattern)));
  if (p.principal !== 'kubernetes-service-account') return subMatch;
  const parts = serviceAccountPatternParts(pattern);
  const branches: JsonObject[] = [];
  if (parts !== 'never' && parts.ns.kind !== 'never' && parts.name.kind !== 'never') {
    const conds = [kioValid(p.name)];
    if (parts.ns.kind === 'match')
      conds.push(metadata([p.name, 'kubernetes.io', 'namespace'], str(parts.ns.matcher)));
    if (parts.name.kind === 'match') {
      conds.push(metadata([p.name, 'kubernetes.io', 'serviceaccount', 'name'], str(parts.name.matcher)));
    }
    branches.push(and(conds));
  }
  branches.push(and([not(kioValid(p.name)), subMatch]));
  return or(branches);
}

/** "The identity of provider `p` has a namespace matching `pattern`". */
function namespaceFor(p: IRJwtProvider, pattern: string): JsonObject | undefined {
  if (p.principal !== 'kubernetes-service-account') return undefined;
  const fromClaim = and([
    kioValid(p.name),
    ...(pattern === '*'
      ? []
      : [metadata([p.name, 'kubernetes.io', 'namespace'], str(patternMatcher(pattern)))]),
  ]);
  const fromSub = and([
    not(kioValid(p.name)),
    metadata(
      [p.name, 'sub'],
      str({ safe_regex: { regex: `${re2Escape(SA_PREFIX)}${patternRegexNoColon(pattern)}:[^:]+` } }),
    ),
  ]);
  return or([fromClaim, fromSub]);
}

function identityCondition(
  patterns: readonly string[],
  providers: readonly IRJwtProvider[],
  f: (p: IRJwtProvider, pattern: string) => JsonObject | undefined,
): JsonObject {
  const ids: JsonObject[] = [];
  for (const p of providers)
    for (const pattern of patterns) {
      const id = f(p, pattern);
      if (id) ids.push(id);
    }
  return or(ids);
}

function header(name: string, match: JsonObject): JsonObject {
  return { header: { name, ...match } };
}

/** Authority regex: the host pattern, case-insensitive, with an optional numeric port. */
function hostPrincipal(pattern: string): JsonObject {
  const h = pattern.toLowerCase();
  let body: string;
  if (h === '*') body = '.*';
  else if (h.length > 1 && h.endsWith('*')) body = `${re2Escape(h.slice(0, -1))}.*`;
  else if (h.length > 1 && h.startsWith('*')) body = `.*${re2Escape(h.slice(1))}`;
  else body = re2Escape(h);
  return header(':authority', { string_match: { safe_regex: { regex: `(?i)${body}(:[0-9]+)?` } } });
}

function pathPrincipal(pattern: string): JsonObject {
  const m = pattern === '*' ? { safe_regex: { regex: '.*' } } : patternMatcher(pattern);
  return { url_path: { path: m } };
}

function cidr(raw: string): JsonObject | undefined {
  const slash = raw.indexOf('/');
  let address = (slash === -1 ? raw : raw.slice(0, slash)).trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address) && address.split('.').every((o) => Number(o) <= 255);
  const v6 = !v4 && address.includes(':') && /^[0-9a-fA-F:.]+$/.test(address);
  if (!v4 && !v6) return undefined;
  const max = v4 ? 32 : 128;
  let len = max;
  if (slash !== -1) {
    const p = raw.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
    len = Number(p);
  }
  const out: JsonObject = { address_prefix: address };
  if (len !== 0) out.prefix_len = len;
  return out;
}

/** One IR rule → one principal tree, or undefined when it holds a malformed CIDR. */
export function rulePrincipal(
  rule: IRAuthorizationRule,
  providers: readonly IRJwtProvider[],
): JsonObject | undefined {
  const conds: JsonObject[] = [];
  const ips = (list: string[]): JsonObject | undefined => {
    const ranges = list.map(cidr);
    if (ranges.some((r) => r === undefined)) return undefined;
    return or((ranges as JsonObject[]).map((r) => ({ remote_ip: r })));
  };
  if (rule.principals) conds.push(identityCondition(rule.principals, providers, principalFor));
  if (rule.notPrincipals) conds.push(not(identityCondition(rule.notPrincipals, providers, principalFor)));
  if (rule.namespaces) conds.push(identityCondition(rule.namespaces, providers, namespaceFor));
  if (rule.sourceIps) {
    const c = ips(rule.sourceIps);
    if (!c) return undefined;
    conds.push(c);
  }
  if (rule.notSourceIps) {
    const c = ips(rule.notSourceIps);
    if (!c) return undefined;
    conds.push(not(c));
  }
  if (rule.hosts) conds.push(or(rule.hosts.map(hostPrincipal)));
  if (rule.methods)
    conds.push(or(rule.methods.map((m) => header(':method', { string_match: { exact: m } }))));
  if (rule.notMethods) {
    conds.push(not(or(rule.notMethods.map((m) => header(':method', { string_match: { exact: m } })))));
  }
  if (rule.paths) conds.push(or(rule.paths.map(pathPrincipal)));
  if (rule.notPaths) conds.push(not(or(rule.notPaths.map(pathPrincipal))));
  for (const h of rule.headers ?? []) {
    const name = h.name.toLowerCase();
    conds.push(
      or(
        h.values.map((v) =>
          v === '*'
            ? header(name, { present_match: true })
            : header(name, { string_match: patternMatcher(v) }),
        ),
      ),
    );
  }
  return and(conds);
}

/**
 * The RBAC `rules` (action DENY) for a set of applicable policies, or a deny-all when any of
 * them is missing or malformed. Undefined when nothing applies (no enforcement).
 */
export function rbacRules(
  applicable: ReadonlyArray<IRAuthorizationPolicy | undefined>,
  providers: readonly IRJwtProvider[],
): JsonObject | undefined {
  if (applicable.length === 0) return undefined;
  const denyAll = {
    action: 'DENY',
    policies: { 'invalid-or-missing-policy': { permissions: [ANY], principals: [ANY] } },
  };
  const policies: JsonObject = {};
  const allowRules: JsonObject[] = [];
  let anyAllow = false;
  for (const p of applicable) {
    if (!p) return denyAll;
    const rules: JsonObject[] = [];
    for (const r of p.rules) {
      const id = rulePrincipal(r, providers);
      if (!id) return denyAll;
      rules.push(id);
    }
    if (p.action === 'DENY') {
      rules.forEach((id, i) => {
        policies[`${p.name}[${i}]`] = { permissions: [ANY], principals: [id] };
      });
    } else {
      anyAllow = true;
      allowRules.push(...rules);
    }
  }
  if (anyAllow) policies[ALLOW_MISS_POLICY] = { permissions: [ANY], principals: [not(or(allowRules))] };
  return { action: 'DENY', policies };
}

/** The policies that apply to a route (undefined entries = names that do not exist). */
export function applicablePolicies(
  policies: readonly IRAuthorizationPolicy[],
  route: Pick<IRRoute, 'authorizationPolicies'> | undefined,
): Array<IRAuthorizationPolicy | undefined> {
  const out: Array<IRAuthorizationPolicy | undefined> = policies.filter((p) => p.gatewayWide);
  for (const name of route?.authorizationPolicies ?? []) {
    const p = policies.find((x) => x.name === name);
    if (!p) out.push(undefined);
    else if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** An `RBAC` filter config from rules (no rules = pass everything). */
function rbacConfig(rules: JsonObject | undefined, typeName: string): JsonObject {
  return rules ? any(typeName, { rules }) : any(typeName);
}

/** rbac feature: present when the IR has policies or a route names one; Envoy audience only. */
export const rbacFeature: HttpFeature = {
  name: 'envoy.filters.http.rbac',
  httpFilter: ({ ir, audience, listener }) => {
    if (audience !== 'envoy') return undefined;
    const named = listener.virtualHosts.some((vh) =>
      vh.routes.some((r) => r.authorizationPolicies.length > 0),
    );
    if (ir.filters.authorization.length === 0 && !named) return undefined;
    return rbacConfig(
      rbacRules(applicablePolicies(ir.filters.authorization, undefined), ir.filters.jwt),
      T_RBAC,
    );
  },
  perRoute: (route, { ir }) => {
    if (route.authorizationPolicies.length === 0) return undefined;
    const rules = rbacRules(applicablePolicies(ir.filters.authorization, route), ir.filters.jwt);
    return { config: any(T_RBAC_PER_ROUTE, { rbac: rules ? { rules } : {} }) };
  },
};
