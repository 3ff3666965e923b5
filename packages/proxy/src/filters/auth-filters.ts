import { extAuthzFilterFactory } from './ext-authz.js';
import { jwtAuthnFilterFactory } from './jwt-authn.js';
import { localRateLimitFilterFactory } from './local-ratelimit.js';
import { rateLimitFilterFactory } from './ratelimit.js';
import { rbacFilterFactory } from './rbac.js';
import type { HttpFilterFactory } from './types.js';

/**
 * The authentication, authorization and rate-limit filter factories, in pipeline order
 * (ext_authz -> jwt_authn -> rbac -> local_ratelimit -> ratelimit; CORS runs before them and the
 * router after). `registry.ts` spreads this list into the proxy's filter registry.
 */
export const authFilterFactories: ReadonlyArray<{ name: string; factory: HttpFilterFactory }> = [
  { name: 'envoy.filters.http.ext_authz', factory: extAuthzFilterFactory },
  { name: 'envoy.filters.http.jwt_authn', factory: jwtAuthnFilterFactory },
  { name: 'envoy.filters.http.rbac', factory: rbacFilterFactory },
  { name: 'envoy.filters.http.local_ratelimit', factory: localRateLimitFilterFactory },
  { name: 'envoy.filters.http.ratelimit', factory: rateLimitFilterFactory },
];
