/**
 * @gateway/proxy: the in-process data plane. It runs a {@link GatewayIR} with the same semantics
 * as the Envoy emitter: HTTP/1.1, HTTP/2 (TLS + h2c), WebSocket, gRPC and L4 TCP routes
 * (TCPMappings: passthrough, SNI routing, TLS termination), hot reload, an admin
 * listener with Prometheus metrics, and safe-by-default request handling.
 *
 * @example
 * ```ts
 * import { createGateway } from '@gateway/proxy';
 * const gateway = createGateway({ ir, listen: { host: '127.0.0.1', port: 8080 } });
 * await gateway.start();
 * ```
 *
 * @module
 */
export type { AdminHandler } from './admin/admin-server.js';
export { GatewayMetrics } from './admin/metrics.js';
export { GrpcStatus, isGrpcContentType, parseGrpcTimeout } from './features/grpc-status.js';
export { httpsRedirectLocation, redirectLocation } from './features/redirect.js';
export {
  type AuthzDecision,
  type AuthzIdentity,
  type AuthzRequest,
  CompiledPolicies,
  evaluatePolicies,
} from './filters/authorization-policy.js';
export { createExtAuthzFilterFactory, type ExtAuthzOptions } from './filters/ext-authz.js';
export { deriveIdentity } from './filters/identity.js';
export { InlineJwks, RemoteJwks, type RemoteJwksOptions } from './filters/jwks-cache.js';
export {
  createJwtAuthnFilterFactory,
  type JwtAuthnOptions,
  JwtProviderVerifier,
} from './filters/jwt-authn.js';
export { createLocalRateLimitFilterFactory, type LocalRateLimitOptions } from './filters/local-ratelimit.js';
export { buildFilterPipeline, type FilterPipeline } from './filters/pipeline.js';
export { createRateLimitFilterFactory, type RateLimitOptions } from './filters/ratelimit.js';
export { rbacFilterFactory } from './filters/rbac.js';
export {
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisTakeResult,
} from './filters/redis-ratelimit.js';
export { HTTP_FILTER_FACTORIES } from './filters/registry.js';
export { type TakeResult, type TokenBucketConfig, TokenBucketStore } from './filters/token-bucket.js';
export type {
  FilterContext,
  FilterDeps,
  FilterOutcome,
  FilterRequest,
  HttpFilter,
  HttpFilterFactory,
} from './filters/types.js';
export {
  createGateway,
  type Gateway,
  type GatewayOptions,
  toResolveMap,
} from './gateway.js';
export {
  type AccessLogEntry,
  type AccessLogOptions,
  createJsonLogger,
  type TcpAccessLogEntry,
} from './logging.js';
export { HostMatcher, normalizeAuthority } from './routing/host-match.js';
export {
  type CompiledRoute,
  type CompiledVirtualHost,
  compileRouteTables,
  type ListenerRouteTable,
  matchIndexed,
  matchLinear,
  pickWeightedCluster,
  type RouteDecision,
  type RouteInput,
} from './routing/route-table.js';
export { type NormalizeResult, normalizeTarget } from './security/normalize.js';
export { type ClientHelloResult, parseClientHello } from './server/client-hello.js';
export type { BindAddress } from './server/listener.js';
export { DEFAULT_TCP_IDLE_TIMEOUT_MS, tcpIdleTimeoutMs } from './server/tcp-proxy.js';
export * from './upstream/index.js';
export { type RunWorkersOptions, runWorkers, type WorkersHandle } from './workers.js';
