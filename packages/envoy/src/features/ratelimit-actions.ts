/**
 * Global rate-limit descriptor recipes → `RouteAction.rate_limits` (consumed by the
 * `envoy.filters.http.ratelimit` filter). Exported for the rate-limit filter features too.
 *
 * @module
 */
import type { IRRateLimitAction, IRRateLimitEntry } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

/** One descriptor entry → one `RateLimit.Action`. */
export function rateLimitAction(e: IRRateLimitEntry): JsonObject {
  switch (e.kind) {
    case 'source-cluster':
      return { source_cluster: {} };
    case 'destination-cluster':
      return { destination_cluster: {} };
    case 'remote-address':
      return { remote_address: {} };
    case 'request-header': {
      const rh: JsonObject = { header_name: e.header, descriptor_key: e.key };
      if (e.omitIfNotPresent) rh.skip_if_absent = true;
      return { request_headers: rh };
    }
    case 'generic':
      return { generic_key: { descriptor_value: e.value, descriptor_key: e.key } };
  }
}

/**
 * IR rate-limit recipes → `RateLimit` list. Envoy's ratelimit filter has one domain, so only the
 * recipes for the RateLimitService's domain are emitted; with no RateLimitService nothing would
 * read them and none are emitted.
 */
export function rateLimits(
  actions: readonly IRRateLimitAction[],
  serviceDomain: string | undefined,
): JsonObject[] {
  if (serviceDomain === undefined) return [];
  return actions
    .filter((a) => a.domain === serviceDomain && a.entries.length > 0)
    .map((a) => ({ actions: a.entries.map(rateLimitAction) }));
}
