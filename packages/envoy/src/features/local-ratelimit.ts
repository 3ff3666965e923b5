/**
 * Local rate limits (`ir.filters.localRateLimit` gateway-wide, `route.localRateLimit` per route)
 * → `envoy.filters.http.local_ratelimit`.
 *
 * The gateway-wide limit is the filter's own token bucket; a route's limit is a `LocalRateLimit`
 * in the route's `typed_per_filter_config`. Both are enabled and enforced for 100 % of requests,
 * answer `429` and, with `responseHeaders`, send the draft-03 `x-ratelimit-*` headers.
 *
 * Differences from the in-process proxy (Envoy cannot express them; documented in the proxy
 * README): a route's own limit replaces the gateway-wide one instead of adding to it; limits
 * keyed by request values (remote address, header) become one bucket per route, because this
 * Envoy API only has buckets for descriptor values known in advance; `shared` (Redis) limits are
 * per Envoy instance; limits with zero tokens are left out.
 *
 * @module
 */
import type { IRLocalRateLimit } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import { fractionalPercent } from './common.js';
import type { HttpFeature } from './registry.js';

const T_LOCAL_RATELIMIT = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

/** IRLocalRateLimit → `LocalRateLimit`; without a (usable) limit the filter only passes requests through. */
export function localRateLimitConfig(l: IRLocalRateLimit | undefined, statPrefix: string): JsonObject {
  const out: JsonObject = { stat_prefix: statPrefix };
  if (!l || l.maxTokens < 1 || l.tokensPerFill < 1 || l.fillIntervalMs <= 0)
    return any(T_LOCAL_RATELIMIT, out);
  out.token_bucket = {
    max_tokens: Math.floor(l.maxTokens),
    tokens_per_fill: Math.floor(l.tokensPerFill),
    fill_interval: duration(l.fillIntervalMs),
  };
  out.filter_enabled = { default_value: fractionalPercent(100) };
  out.filter_enforced = { default_value: fractionalPercent(100) };
  if (l.responseHeaders) out.enable_x_ratelimit_headers = 'DRAFT_VERSION_03';
  return any(T_LOCAL_RATELIMIT, out);
}

/** local_ratelimit feature: present when the IR or a route of the listener has a local limit. */
export const localRateLimitFeature: HttpFeature = {
  name: 'envoy.filters.http.local_ratelimit',
  httpFilter: ({ ir, audience, listener }) => {
    if (audience !== 'envoy') return undefined;
    const used =
      ir.filters.localRateLimit !== undefined ||
      listener.virtualHosts.some((vh) => vh.routes.some((r) => r.localRateLimit !== undefined));
    return used ? localRateLimitConfig(ir.filters.localRateLimit, 'local_rate_limit') : undefined;
  },
  perRoute: (route) =>
    route.localRateLimit
      ? {
          config: localRateLimitConfig(route.localRateLimit, `local_rate_limit_${statName(route.statsName)}`),
        }
      : undefined,
};

/** A stats-safe name: anything but letters, digits, `_`, `.` and `-` becomes `_`. */
function statName(name: string): string {
  let out = '';
  for (const ch of name || 'route') out += /[A-Za-z0-9_.-]/.test(ch) ? ch : '_';
  return out;
}
