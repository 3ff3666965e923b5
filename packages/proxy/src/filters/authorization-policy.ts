import type { BlockList } from 'node:net';
import type { IRAuthorizationPolicy, IRAuthorizationRule, IRRoute } from '@gateway/core';
import { headerValue, ipInList, parseCidrs } from './filter-util.js';

/**
 * Pure evaluator for {@link IRAuthorizationPolicy} (the proxy half of RBAC; the Envoy emitter
 * translates the same policies into `envoy.filters.http.rbac` and a shared decision table holds
 * both to identical answers).
 *
 * Semantics:
 * - The policies that apply to a route are the gateway-wide ones plus those the route names.
 * - DENY wins: if any rule of an applicable DENY policy matches, the request is denied.
 * - If at least one ALLOW policy applies, the request must match a rule of one of them.
 * - Otherwise the request is allowed.
 * - Rules are OR-ed; a policy without rules matches nothing; a rule without conditions matches
 *   every request. Inside a rule every present condition must hold; `notX` is the negation of
 *   the positive `X` condition (so `notPrincipals` holds for an anonymous request).
 * - Patterns (principals, namespaces, hosts, paths, header values): `*` matches any value,
 *   `abc*` is a prefix, `*abc` a suffix, anything else is exact. Hosts compare
 *   case-insensitively against the authority with any `:port` removed; everything else is
 *   case-sensitive. Methods are exact.
 * - `principals` / `namespaces` need a verified identity (jwt_authn); anonymous requests never
 *   match them.
 * - Source IPs are CIDRs (or bare addresses) matched against the client address after
 *   X-Forwarded-For trust rules; IPv4-mapped IPv6 addresses match IPv4 CIDRs.
 */

/** What the evaluator needs to know about a request. Header names are lower-case. */
export interface AuthzRequest {
  method: string;
  /** Normalised path without the query string. */
  path: string;
  authority: string;
  remoteAddress: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The verified caller, if any. */
export interface AuthzIdentity {
  principal?: string;
  /** Kubernetes namespace of a ServiceAccount principal. */
  namespace?: string;
}

export interface AuthzDecision {
  allowed: boolean;
  /** The policy whose rule decided (a matching DENY or ALLOW rule); absent for defaults. */
  policy?: string;
  /** Index of the deciding rule inside {@link AuthzDecision.policy}. */
  rule?: number;
  /** Why: a DENY rule matched, an ALLOW rule matched, no ALLOW rule matched, or no policy applies. */
  reason: 'deny-rule' | 'allow-rule' | 'no-allow-match' | 'no-policies' | 'invalid-policy';
}

/** A problem found while compiling policies (e.g. a malformed CIDR). */
export interface PolicyProblem {
  policy: string;
  /** Field path inside the policy, e.g. `rules[0].sourceIps[1]`. */
  path: string;
  message: string;
}

type Matcher = (value: string) => boolean;

/** `*` any, `x*` prefix, `*x` suffix, else exact. */
export function patternMatcher(pattern: string, ignoreCase = false): Matcher {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const norm = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
  if (p === '*') return () => true;
  if (p.length > 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => norm(v).startsWith(prefix);
  }
  if (p.length > 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => norm(v).endsWith(suffix);
  }
  return (v) => norm(v) === p;
}

function anyOf(patterns: readonly string[], ignoreCase = false): Matcher {
  const ms = patterns.map((p) => patternMatcher(p, ignoreCase));
  return (v) => ms.some((m) => m(v));
}

/**
 * Authority without a numeric `:port` (`[::1]:80` -> `[::1]`, `a.example:8080` -> `a.example`).
 * Anything else after a colon is kept, so the Envoy translation `host(:[0-9]+)?` agrees.
 */
export function hostWithoutPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || colon === authority.length - 1) return authority;
  for (let i = colon + 1; i < authority.length; i++) {
    const c = authority.charCodeAt(i);
    if (c < 48 || c > 57) return authority;
  }
  const host = authority.slice(0, colon);
  if (host.startsWith('[')) return host.endsWith(']') ? host : authority;
  return host.includes(':') ? authority : host;
}

type Condition = (req: AuthzRequest, id: AuthzIdentity) => boolean;

function compileRule(
  rule: IRAuthorizationRule,
  policy: string,
  index: number,
  problems: PolicyProblem[],
): Condition {
  const conds: Condition[] = [];
  const at = (field: string) => `rules[${index}].${field}`;
  const ipList = (field: 'sourceIps' | 'notSourceIps', cidrs: string[]): BlockList => {
    const { list, invalid } = parseCidrs(cidrs);
    for (const bad of invalid) {
      problems.push({
        policy,
        path: `${at(field)}[${cidrs.indexOf(bad)}]`,
        message: `expected an IP address or CIDR, got ${JSON.stringify(bad)}`,
      });
    }
    return list;
  };

  if (rule.principals) {
    const m = anyOf(rule.principals);
    conds.push((_r, id) => id.principal !== undefined && m(id.principal));
  }
  if (rule.notPrincipals) {
    const m = anyOf(rule.notPrincipals);
    conds.push((_r, id) => !(id.principal !== undefined && m(id.principal)));
  }
  if (rule.namespaces) {
    const m = anyOf(rule.namespaces);
    conds.push((_r, id) => id.namespace !== undefined && m(id.namespace));
  }
  if (rule.sourceIps) {
    const list = ipList('sourceIps', rule.sourceIps);
    conds.push((r) => ipInList(list, r.remoteAddress));
  }
  if (rule.notSourceIps) {
    const list = ipList('notSourceIps', rule.notSourceIps);
    conds.push((r) => !ipInList(list, r.remoteAddress));
  }
  if (rule.hosts) {
    const m = anyOf(rule.hosts, true);
    conds.push((r) => m(hostWithoutPort(r.authority)));
  }
  if (rule.methods) {
    const set = new Set(rule.methods);
    conds.push((r) => set.has(r.method));
  }
  if (rule.notMethods) {
    const set = new Set(rule.notMethods);
    conds.push((r) => !set.has(r.method));
  }
  if (rule.paths) {
    const m = anyOf(rule.paths);
    conds.push((r) => m(r.path));
  }
  if (rule.notPaths) {
    const m = anyOf(rule.notPaths);
    conds.push((r) => !m(r.path));
  }
  for (const h of rule.headers ?? []) {
    const name = h.name.toLowerCase();
    const m = anyOf(h.values);
    conds.push((r) => {
      const v = headerValue(r.headers, name);
      return v !== undefined && m(v);
    });
  }
  return (r, id) => conds.every((c) => c(r, id));
}

interface CompiledPolicy {
  name: string;
  action: 'ALLOW' | 'DENY';
  rules: Condition[];
}

/**
 * A set of policies compiled once (per config) and evaluated per request.
 *
 * @example
 * ```ts
 * const set = compilePolicies(ir.filters.authorization);
 * const d = set.evaluate(set.forRoute(route), request, { principal: ctx.principal });
 * if (!d.allowed) return { kind: 'respond', status: 403, body: 'RBAC: access denied', reason: 'rbac' };
 * ```
 */
export class CompiledPolicies {
  readonly problems: PolicyProblem[] = [];
  private readonly byName = new Map<string, CompiledPolicy>();
  private readonly gatewayWide: CompiledPolicy[] = [];
  /** Names of policies that failed to compile; routes using them fail closed. */
  readonly broken = new Set<string>();

  constructor(policies: readonly IRAuthorizationPolicy[]) {
    for (const p of policies) {
      const before = this.problems.length;
      const compiled: CompiledPolicy = {
        name: p.name,
        action: p.action,
        rules: p.rules.map((r, i) => compileRule(r, p.name, i, this.problems)),
      };
      if (this.problems.length > before) this.broken.add(p.name);
      this.byName.set(p.name, compiled);
      if (p.gatewayWide) this.gatewayWide.push(compiled);
    }
  }

  /**
   * The policies that apply to a route. `missing` lists names the route refers to that are not
   * defined, or failed to compile: callers should fail closed for such routes.
   */
  forRoute(route: Pick<IRRoute, 'authorizationPolicies'>): { policies: CompiledPolicy[]; missing: string[] } {
    const policies = [...this.gatewayWide];
    const missing: string[] = [];
    for (const g of this.gatewayWide) if (this.broken.has(g.name)) missing.push(g.name);
    for (const name of route.authorizationPolicies) {
      const p = this.byName.get(name);
      if (!p || this.broken.has(name)) missing.push(name);
      if (p && !policies.includes(p)) policies.push(p);
    }
    return { policies, missing };
  }

  /** Every compiled policy, in input order. */
  all(): CompiledPolicy[] {
    return [...this.byName.values()];
  }

  /** Evaluates the given (already selected) policies; see the module doc for the semantics. */
  evaluate(
    policies: readonly CompiledPolicy[],
    request: AuthzRequest,
    identity: AuthzIdentity,
  ): AuthzDecision {
    let anyAllow = false;
    for (const p of policies) {
      if (p.action !== 'DENY') {
        anyAllow = true;
        continue;
      }
      const i = p.rules.findIndex((rule) => rule(request, identity));
      if (i !== -1) return { allowed: false, policy: p.name, rule: i, reason: 'deny-rule' };
    }
    if (!anyAllow) return { allowed: true, reason: 'no-policies' };
    for (const p of policies) {
      if (p.action !== 'ALLOW') continue;
      const i = p.rules.findIndex((rule) => rule(request, identity));
      if (i !== -1) return { allowed: true, policy: p.name, rule: i, reason: 'allow-rule' };
    }
    return { allowed: false, reason: 'no-allow-match' };
  }
}

/**
 * Decides one request against a list of policies that all apply (callers select them per
 * route, or use {@link CompiledPolicies.forRoute}). Compiles on every call: use
 * {@link CompiledPolicies} on hot paths.
 *
 * @example
 * ```ts
 * evaluatePolicies(
 *   [{ name: 'ops', source, action: 'ALLOW', gatewayWide: true, rules: [{ paths: ['/admin/*'], methods: ['GET'] }] }],
 *   { method: 'GET', path: '/admin/x', authority: 'a', remoteAddress: '10.0.0.1', headers: {} },
 *   {},
 * ); // -> { allowed: true, policy: 'ops', rule: 0, reason: 'allow-rule' }
 * ```
 */
export function evaluatePolicies(
  policies: readonly IRAuthorizationPolicy[],
  request: AuthzRequest,
  identity: AuthzIdentity,
): AuthzDecision {
  const set = new CompiledPolicies(policies);
  // A policy that failed to compile could have been meant to deny: fail closed.
  if (set.broken.size > 0) return { allowed: false, reason: 'invalid-policy' };
  return set.evaluate(set.all(), request, identity);
}
