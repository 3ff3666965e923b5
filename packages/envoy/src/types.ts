import type { Diagnostic, GatewayIR, IRCluster, IRListener, IRSecret } from '@gateway/core';
import type { ClusterPlan } from './features/cluster.js';
import type { HttpFeature } from './features/registry.js';
import type { JsonObject } from './proto/json.js';

/** An Envoy v3 resource as proto3 JSON (snake_case) carrying its `@type`. */
export type EnvoyResource = JsonObject & { '@type': string };

/** The resources of one translation, grouped the way the CLI prints them. */
export interface XdsResources {
  listeners: EnvoyResource[];
  routes: EnvoyResource[];
  clusters: EnvoyResource[];
  endpoints: EnvoyResource[];
  secrets: EnvoyResource[];
}

/**
 * Who reads a resource. Envoy gets socket listeners with filter chains; gRPC xDS clients
 * (grpc-js-xds, grpc-go, grpc-java) get `api_listener` Listeners and only the route, cluster and
 * endpoint features they accept without a NACK.
 */
export type Audience = 'envoy' | 'grpc';

export interface TranslateOptions {
  /**
   * `ads` (default): routes by RDS, endpoints by EDS and secrets by SDS, all over ADS.
   * `static`: route configs inline in the connection manager, STATIC/STRICT_DNS clusters with
   * inline endpoints and inline secrets, for a bootstrap without a management server.
   */
  mode?: 'ads' | 'static';
  /** Also emit the resources gRPC xDS clients use (api_listener per exact domain). Default: true in `ads` mode. */
  grpcClients?: boolean;
  /** HTTP filter features, default {@link DEFAULT_HTTP_FEATURES}. */
  httpFeatures?: readonly HttpFeature[];
}

/** What {@link translate} returns. */
export interface TranslateResult {
  resources: XdsResources;
  /**
   * Problems the emitter worked around (`warning`: something was left out or degraded, e.g. a
   * route to a missing cluster answers 503) or could not (`error`).
   */
  diagnostics: Diagnostic[];
  /**
   * Listener and cluster names that exist only for gRPC xDS clients. ADS serves them on explicit
   * subscription only, never to wildcard (Envoy) subscribers, because Envoy refuses
   * `api_listener`s over LDS.
   */
  explicitOnly: { listeners: string[]; clusters: string[] };
}

/** Shared state of one translation. */
export interface TranslateContext {
  readonly ir: GatewayIR;
  readonly mode: 'ads' | 'static';
  readonly features: readonly HttpFeature[];
  readonly clusters: ReadonlyMap<string, IRCluster>;
  readonly secrets: ReadonlyMap<string, IRSecret>;
  readonly diagnostics: Diagnostic[];
  /** How each cluster discovers endpoints (filled before routes are built). */
  readonly plans: Map<string, ClusterPlan>;
  /** Cluster names gRPC-facing routes use (the cluster itself or its gRPC variant). */
  readonly grpcClusterNames: Map<string, string>;
  /** The IR listener being translated, when there is one. */
  listener?: IRListener;
}
