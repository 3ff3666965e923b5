/**
 * The router filter: always present and always last (grpc-js-xds NACKs a listener whose router
 * is missing or not last).
 *
 * @module
 */
import { any } from '../proto/json.js';
import { T } from './common.js';
import type { HttpFeature } from './registry.js';

/** Router feature; `suppressGatewayHeaders` maps to `suppress_envoy_headers`. */
export const routerFeature: HttpFeature = {
  name: 'envoy.filters.http.router',
  grpcClientSupport: true,
  httpFilter: ({ ir, audience }) =>
    any(
      T.router,
      audience === 'envoy' && ir.settings.suppressGatewayHeaders ? { suppress_envoy_headers: true } : {},
    ),
};
