/**
 * Global rate limiting (Emissary `RateLimitService`) → `envoy.filters.http.ratelimit`.
 *
 * The filter calls `envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit` on the service's
 * cluster (v3 transport) with the service's domain and timeout; `failureModeDeny` answers 500 when
 * the service fails, `useResourceExhaustedCode` maps over-limit gRPC requests to
 * RESOURCE_EXHAUSTED, and `x-envoy-ratelimited` is left out when gateway headers are suppressed.
 * Descriptors come from each route's `rate_limits` (written by route.ts from
 * `route.rateLimits`, see ratelimit-actions.ts). The filter is present on a listener only when one
 * of its routes has a recipe for the service's domain.
 *
 * @module
 */
import { any, duration } from '../proto/json.js';
import type { HttpFeature } from './registry.js';

const T_RATELIMIT = 'envoy.extensions.filters.http.ratelimit.v3.RateLimit';

/** ratelimit feature; Envoy audience only. */
export const rateLimitFeature: HttpFeature = {
  name: 'envoy.filters.http.ratelimit',
  httpFilter: ({ ir, audience, listener }) => {
    const svc = ir.filters.rateLimitService;
    if (!svc || audience !== 'envoy') return undefined;
    const used = listener.virtualHosts.some((vh) =>
      vh.routes.some((r) => r.rateLimits.some((a) => a.domain === svc.domain && a.entries.length > 0)),
    );
    if (!used) return undefined;
    return any(T_RATELIMIT, {
      domain: svc.domain,
      timeout: duration(svc.timeoutMs),
      ...(svc.failureModeDeny ? { failure_mode_deny: true } : {}),
      ...(svc.useResourceExhaustedCode ? { rate_limited_as_resource_exhausted: true } : {}),
      rate_limit_service: {
        grpc_service: { envoy_grpc: { cluster_name: svc.cluster } },
        transport_api_version: 'V3',
      },
      ...(ir.settings.suppressGatewayHeaders ? { disable_x_envoy_ratelimited_header: true } : {}),
    });
  },
};
