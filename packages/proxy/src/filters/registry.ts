import { authFilterFactories } from './auth-filters.js';
import { createCorsFilter } from './cors.js';
import type { HttpFilterFactory } from './types.js';

/**
 * Every HTTP filter the proxy knows, in execution order (the same order the Envoy emitter writes
 * into the HttpConnectionManager):
 *
 *   cors -> ext_authz -> jwt_authn -> rbac -> local_ratelimit -> ratelimit -> router
 *
 * Registering a filter is one entry here (plus its import). A factory returns undefined when the
 * config does not use it, so unused filters cost nothing per request.
 */
export const HTTP_FILTER_FACTORIES: readonly HttpFilterFactory[] = [
  createCorsFilter,
  // ext_authz -> jwt_authn -> rbac -> local_ratelimit -> ratelimit (ordered in auth-filters.ts).
  ...authFilterFactories.map((f) => f.factory),
];
