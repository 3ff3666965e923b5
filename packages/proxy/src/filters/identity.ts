import type { IRJwtProvider, IRRoute } from '@gateway/core';
import type { AuthzIdentity } from './authorization-policy.js';

/**
 * How a verified JWT becomes the caller's identity, shared by jwt_authn (which sets
 * `ctx.principal`) and rbac (which also needs the namespace).
 *
 * - `sub` providers: principal = the `sub` claim (a non-empty string), no namespace.
 * - `kubernetes-service-account` providers: when the token carries the `kubernetes.io` claim
 *   with `namespace` and `serviceaccount.name` (projected ServiceAccount tokens do), principal =
 *   `system:serviceaccount:<namespace>:<name>` and namespace = that namespace. Otherwise the
 *   principal is `sub`, and the namespace is taken from `sub` when it has the
 *   `system:serviceaccount:<ns>:<name>` form.
 *
 * Namespace and name parts must be non-empty and free of `:` to count.
 */

const SA_PREFIX = 'system:serviceaccount:';

function saPart(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && !v.includes(':');
}

/** Splits `system:serviceaccount:<ns>:<name>`; undefined for any other string. */
export function parseServiceAccount(principal: string): { namespace: string; name: string } | undefined {
  if (!principal.startsWith(SA_PREFIX)) return undefined;
  const parts = principal.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !saPart(parts[0]) || !saPart(parts[1])) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * The identity a provider derives from verified claims.
 *
 * @example
 * ```ts
 * deriveIdentity({ principal: 'kubernetes-service-account' } as IRJwtProvider,
 *   { sub: 'x', 'kubernetes.io': { namespace: 'ops', serviceaccount: { name: 'bot' } } });
 * // -> { principal: 'system:serviceaccount:ops:bot', namespace: 'ops' }
 * ```
 */
export function deriveIdentity(
  provider: Pick<IRJwtProvider, 'principal'>,
  claims: Readonly<Record<string, unknown>>,
): AuthzIdentity {
  const sub = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  if (provider.principal === 'kubernetes-service-account') {
    const k8s = claims['kubernetes.io'];
    if (k8s && typeof k8s === 'object') {
      const ns = (k8s as Record<string, unknown>).namespace;
      const sa = (k8s as Record<string, unknown>).serviceaccount;
      const name = sa && typeof sa === 'object' ? (sa as Record<string, unknown>).name : undefined;
      if (saPart(ns) && saPart(name)) return { principal: `${SA_PREFIX}${ns}:${name}`, namespace: ns };
    }
    if (sub === undefined) return {};
    const parsed = parseServiceAccount(sub);
    return parsed ? { principal: sub, namespace: parsed.namespace } : { principal: sub };
  }
  return sub === undefined ? {} : { principal: sub };
}

/**
 * The identity of a request after jwt_authn: the first of the route's providers (in the route's
 * order) whose claims were verified. `principal` set by other means (no claims) is kept as is.
 */
export function identityFromContext(
  route: Pick<IRRoute, 'auth'>,
  providers: ReadonlyMap<string, Pick<IRJwtProvider, 'principal'>>,
  principal: string | undefined,
  claims: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
): AuthzIdentity {
  if (claims) {
    for (const name of route.auth.jwtProviders) {
      const c = claims[name];
      const p = providers.get(name);
      if (c && p) return deriveIdentity(p, c);
    }
  }
  return principal === undefined ? {} : { principal };
}
