/**
 * @gateway/envoy: GatewayIR → Envoy v3 xDS resources, Envoy bootstraps, and an ADS server
 * (SotW and Delta) for Envoy and gRPC xDS clients.
 *
 * @module
 */

export type { NodeGroupFn, SnapshotWatcher } from './ads/cache.js';
export { DEFAULT_GROUP, SnapshotCache } from './ads/cache.js';
export type { AckEvent, AdsLogger, AdsMetrics, NackEvent } from './ads/events.js';
export type { AdsClientInfo, AdsServerOptions } from './ads/server.js';
export { AdsServer, DEFAULT_MAX_RESPONSE_BYTES } from './ads/server.js';
export type { Snapshot, SnapshotInput, SnapshotType } from './ads/snapshot.js';
export { checkConsistency, createSnapshot, snapshotFromIR } from './ads/snapshot.js';
export type { DeltaRequest, ErrorDetail, SotwRequest, XdsNode } from './ads/wire.js';
export { ADS_SERVICE } from './ads/wire.js';
export type { BootstrapOptions, BootstrapResult } from './bootstrap.js';
export { bootstrap, validateBootstrap, XDS_CLUSTER } from './bootstrap.js';
export { corsFeature, corsPolicy } from './features/cors.js';
export {
  GRPC_CLUSTER_SUFFIX,
  GRPC_ROUTE_CONFIG_PREFIX,
  grpcRouteConfigName,
} from './features/grpc-clients.js';
export { rateLimitAction, rateLimits } from './features/ratelimit-actions.js';
export type {
  HttpFeature,
  HttpFeatureContext,
  HttpFilterName,
  PerFilterConfig,
} from './features/registry.js';
export {
  buildHttpFilters,
  DEFAULT_HTTP_FEATURES,
  HTTP_FILTER_ORDER,
  orderHttpFeatures,
} from './features/registry.js';
export { routerFeature } from './features/router.js';
export { headerMatcher, queryMatcher, stringMatcher } from './features/string-match.js';
export { decodeAny, decodeMessage, encodeAny, encodeMessage, ProtoJsonError } from './proto/codec.js';
export type { JsonObject, JsonValue } from './proto/json.js';
export { any, duration, typeUrl } from './proto/json.js';
export { ENVOY_PROTO_FILES, envoyProtoRoot, protoIncludeDirs } from './proto/root.js';
export type { EncodedResource } from './resources.js';
export { checkResources, encodeResources } from './resources.js';
export { resourceName, translate } from './translate.js';
export type { ResourceKind } from './type-urls.js';
export { TYPE_URLS } from './type-urls.js';
export type {
  Audience,
  EnvoyResource,
  TranslateOptions,
  TranslateResult,
  XdsResources,
} from './types.js';
