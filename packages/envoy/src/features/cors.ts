/**
 * CORS: the `envoy.filters.http.cors` filter plus a `CorsPolicy` in each route's
 * `typed_per_filter_config` (the deprecated `RouteAction.cors`/`VirtualHost.cors` are never used).
 * The filter runs first so browser preflights are answered before authentication.
 *
 * @module
 */
import type { IRCorsPolicy } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import { T } from './common.js';
import type { HttpFeature } from './registry.js';
import { stringMatcher } from './string-match.js';

/**
 * IRCorsPolicy → `envoy.extensions.filters.http.cors.v3.CorsPolicy`. An origin matcher
 * `{exact: '*'}` allows any origin (Envoy tests each matcher against `*` as well as the origin).
 */
export function corsPolicy(c: IRCorsPolicy): JsonObject {
  const out: JsonObject = {};
  if (c.allowOrigins.length > 0) out.allow_origin_string_match = c.allowOrigins.map(stringMatcher);
  if (c.allowMethods.length > 0) out.allow_methods = c.allowMethods.join(',');
  if (c.allowHeaders.length > 0) out.allow_headers = c.allowHeaders.join(',');
  if (c.exposeHeaders.length > 0) out.expose_headers = c.exposeHeaders.join(',');
  if (c.maxAgeSeconds !== undefined) out.max_age = String(c.maxAgeSeconds);
  if (c.allowCredentials) out.allow_credentials = true;
  return any(T.corsPolicy, out);
}

/** CORS feature: present when any route of the listener has a CORS policy; Envoy audience only. */
export const corsFeature: HttpFeature = {
  name: 'envoy.filters.http.cors',
  httpFilter: ({ audience, listener }) => {
    if (audience !== 'envoy') return undefined;
    const used = listener.virtualHosts.some((vh) => vh.routes.some((r) => r.cors !== undefined));
    return used ? any(T.cors) : undefined;
  },
  perRoute: (route) => (route.cors ? { config: corsPolicy(route.cors) } : undefined),
};
