import type { GatewayIR, IRRoute } from '@gateway/core';

/**
 * The proxy's HTTP filter contract. Each gateway feature that can stop or change a request
 * (CORS, external auth, JWT, RBAC, rate limits) is one file in this folder implementing
 * {@link HttpFilter}; the request pipeline runs them in a fixed order before the router:
 *   cors -> ext_authz -> jwt_authn -> rbac -> local_ratelimit -> ratelimit -> router
 * (the same order the Envoy emitter writes into the HttpConnectionManager).
 *
 * Filters are built once per config (per `apply(ir)`), so per-request work stays small.
 */

/** The request as filters see it. Header names are lower-case. */
export interface FilterRequest {
  method: string;
  /** Normalised path (what routing matched), without the query string. */
  path: string;
  /** Raw query string without `?`, '' if none. */
  query: string;
  /** Authority/Host without default port normalisation. */
  authority: string;
  scheme: 'http' | 'https';
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Client address after X-Forwarded-For trust rules. */
  remoteAddress: string;
  /** Reads the request body up to `maxBytes` (buffers it for the upstream too). */
  readBody(maxBytes: number): Promise<{ body: Buffer; truncated: boolean }>;
}

/** Mutable per-request state shared by filters and the router. */
export interface FilterContext {
  readonly request: FilterRequest;
  readonly route: IRRoute;
  readonly ir: GatewayIR;
  /** Headers to set on the upstream request (name lower-case). */
  readonly upstreamHeaders: Map<string, string>;
  /** Headers to remove from the upstream request. */
  readonly upstreamHeadersToRemove: Set<string>;
  /** Headers to add to the downstream response (name lower-case). */
  readonly responseHeaders: Map<string, string>;
  /** Verified identity (set by jwt_authn), read by rbac. */
  principal?: string;
  /** Verified claims by provider name. */
  claims?: Record<string, Record<string, unknown>>;
}

/** A filter either lets the request continue or answers it. */
export type FilterOutcome =
  | { kind: 'continue' }
  | {
      kind: 'respond';
      status: number;
      headers?: Record<string, string>;
      body?: string | Buffer;
      reason: string;
    };

export interface HttpFilter {
  /** Envoy-style filter name, e.g. `envoy.filters.http.jwt_authn`, used in logs and metrics. */
  readonly name: string;
  onRequest(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome>;
  /** Release timers, sockets, clients. */
  close?(): Promise<void>;
}

/** Builds a filter for one config, or returns undefined when the config does not use it. */
export type HttpFilterFactory = (ir: GatewayIR, deps: FilterDeps) => HttpFilter | undefined;

/** What the proxy lends filters: resolved upstream addresses for clusters, a logger, metrics. */
export interface FilterDeps {
  /** Picks an endpoint of the named cluster (same load balancing as the router). */
  resolveCluster(cluster: string): { host: string; port: number; tls: boolean } | undefined;
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
}
