import type { IRJwtProvider, IRRoute } from '@gateway/core';
import { CompiledPolicies } from './authorization-policy.js';
import { allRoutes, localReply } from './filter-util.js';
import { identityFromContext } from './identity.js';
import type { FilterContext, FilterOutcome, HttpFilter, HttpFilterFactory } from './types.js';

/** Envoy's filter name; the response body matches Envoy's RBAC denial. */
export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
const DENIED_BODY = 'RBAC: access denied';

/**
 * RBAC from `ir.filters.authorization`: gateway-wide policies plus those a route names
 * (`route.authorizationPolicies`), evaluated with {@link CompiledPolicies} against the identity
 * jwt_authn verified. Denials are `403 RBAC: access denied`. A route that refers to a policy that
 * is missing or failed to compile (e.g. a malformed CIDR) denies every request: a policy meant to
 * restrict access must never silently disappear.
 *
 * @example
 * ```ts
 * const filter = rbacFilterFactory(ir, deps); // undefined when the IR has no policies
 * const outcome = await filter?.onRequest(ctx);
 * ```
 */
export const rbacFilterFactory: HttpFilterFactory = (ir, deps) => {
  if (
    ir.filters.authorization.length === 0 &&
    ![...allRoutes(ir)].some((r) => r.authorizationPolicies.length > 0)
  ) {
    return undefined;
  }
  const compiled = new CompiledPolicies(ir.filters.authorization);
  for (const p of compiled.problems) {
    deps.log.error({ filter: RBAC_FILTER_NAME, policy: p.policy, path: p.path }, p.message);
  }
  const providers = new Map<string, IRJwtProvider>(ir.filters.jwt.map((p) => [p.name, p]));
  // Policy selection depends only on the route: do it once per route object.
  const perRoute = new WeakMap<IRRoute, ReturnType<CompiledPolicies['forRoute']>>();
  const warned = new Set<string>();

  const filter: HttpFilter = {
    name: RBAC_FILTER_NAME,
    onRequest(ctx: FilterContext): FilterOutcome {
      let selected = perRoute.get(ctx.route);
      if (!selected) {
        selected = compiled.forRoute(ctx.route);
        perRoute.set(ctx.route, selected);
      }
      if (selected.missing.length > 0) {
        if (!warned.has(ctx.route.name)) {
          warned.add(ctx.route.name);
          deps.log.error(
            { filter: RBAC_FILTER_NAME, route: ctx.route.name, policies: selected.missing },
            'route refers to missing or invalid authorization policies; denying every request',
          );
        }
        return localReply(
          ctx.request,
          403,
          DENIED_BODY,
          { 'content-type': 'text/plain' },
          'rbac-invalid-policy',
        );
      }
      if (selected.policies.length === 0) return { kind: 'continue' };
      const identity = identityFromContext(ctx.route, providers, ctx.principal, ctx.claims);
      const r = ctx.request;
      const decision = compiled.evaluate(
        selected.policies,
        {
          method: r.method,
          path: r.path,
          authority: r.authority,
          remoteAddress: r.remoteAddress,
          headers: r.headers,
        },
        identity,
      );
      if (decision.allowed) return { kind: 'continue' };
      return localReply(
        ctx.request,
        403,
        DENIED_BODY,
        { 'content-type': 'text/plain' },
        decision.policy ? `rbac-deny:${decision.policy}[${decision.rule}]` : 'rbac-no-allow-match',
      );
    },
  };
  return filter;
};
