import type { Readable } from 'node:stream';
import type { Diagnostic, GatewayIR, IRRetryPolicy } from '@gateway/core';

/**
 * The contract between the proxy's downstream side (servers, routing, filters) and its upstream
 * side (connection pools, load balancing, health, circuit breakers, retries). The downstream side
 * only ever calls {@link ClusterManager}; everything about talking to backends lives in
 * `src/upstream/`.
 */

/** `--resolve name=host:port` style overrides: a service host -> a concrete address. */
export type ResolveMap = ReadonlyMap<string, { host: string; port: number }>;

export interface UpstreamRequest {
  method: string;
  /** Path and query to send, already rewritten. */
  path: string;
  /** Headers to send (hop-by-hop already stripped; `host`/`:authority` set by the caller). */
  headers: Record<string, string | string[]>;
  /** Request body stream, or null when there is none. Replayable only if `bodyBuffer` is set. */
  body: Readable | null;
  /** The fully buffered body when the caller buffered it (makes retries with a body possible). */
  bodyBuffer?: Buffer;
  /** Key for ring-hash / maglev picking (header value, cookie, or client IP per the route's hash policy). */
  hashKey?: string;
  /**
   * Route `autoHostRewrite`: send the picked endpoint's host name (the DNS name for DNS clusters,
   * else the address) as `host`/`:authority`, replacing the caller's. Optional; default false.
   */
  autoHostRewrite?: boolean;
}

export interface RequestPolicy {
  /** Whole-request timeout including retries; 0 = none. */
  timeoutMs: number;
  /** Idle timeout on the upstream stream; 0 = cluster default. */
  idleTimeoutMs: number;
  retry?: IRRetryPolicy;
  /** True for GET/HEAD/OPTIONS/PUT/DELETE/TRACE; non-idempotent requests are retried only if the policy says so. */
  idempotent: boolean;
  /** Upstream is gRPC: HTTP/2 with trailers. */
  grpc: boolean;
  signal?: AbortSignal;
  /** Route priority: selects the cluster's circuit-breaker thresholds. Optional; default 'default'. */
  priority?: 'default' | 'high';
}

export interface UpstreamResponse {
  kind: 'response';
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Readable;
  /** Resolves with the response trailers (gRPC `grpc-status` lives here) when the body ends. */
  trailers: Promise<Record<string, string>>;
  /** `host:port` of the endpoint that answered. */
  endpoint: string;
  /** How many retries were made before this response. */
  retries: number;
}

/** Why no response came back; the downstream side turns this into 503/504/502 (or a gRPC status). */
export interface UpstreamFailure {
  kind: 'failure';
  reason:
    | 'no-cluster'
    | 'no-healthy-endpoint'
    | 'circuit-open'
    | 'connect-failure'
    | 'timeout'
    | 'reset'
    | 'protocol-error';
  /** Suggested HTTP status: 503 (overflow, no endpoint), 504 (timeout), 502 (reset/protocol). */
  status: 502 | 503 | 504;
  message: string;
  endpoint?: string;
  retries: number;
}

/** One endpoint picked for a raw connection (WebSocket upgrades, TCP routes). */
export interface PickedEndpoint {
  host: string;
  port: number;
  tls: boolean;
  /** SNI / servername to use when `tls` is true. */
  servername?: string;
  /** Call when the connection ends, so least-request and circuit-breaker counts stay right. */
  release(outcome: 'success' | 'failure'): void;
}

/**
 * Receives one upstream response pushed by {@link ClusterManager.dispatch}: the faster path that
 * writes straight into the downstream response, with no intermediate Readable, pipe or promise.
 * Exactly one of `onResponse` (then `onData`* and `onEnd` or `onFailure(…, true)`) or
 * `onFailure(…, false)` happens.
 */
export interface UpstreamSink {
  /** Final response headers (after any retries); hop-by-hop headers may still be present. */
  onResponse(
    statusCode: number,
    headers: Record<string, string | string[]>,
    endpoint: string,
    retries: number,
  ): void;
  /** A body chunk. Return false to pause the upstream until {@link UpstreamCall.resume}. */
  onData(chunk: Buffer): boolean;
  /** The body ended; trailers are `{}` when there were none (gRPC `grpc-status` lives here). */
  onEnd(trailers: Record<string, string>): void;
  /** No response (`afterHeaders` false), or the body failed after `onResponse` (true). */
  onFailure(failure: UpstreamFailure, afterHeaders: boolean): void;
}

/** Handle of a dispatched request. */
export interface UpstreamCall {
  /** Resumes a body paused by `onData` returning false. */
  resume(): void;
  /** Cancels the request (downstream went away); the sink gets no further calls. */
  abort(): void;
}

export interface ClusterStats {
  name: string;
  endpoints: Array<{ address: string; healthy: boolean; ejected: boolean; activeRequests: number }>;
  circuitBreaker: { open: boolean; activeRequests: number; pendingRequests: number; activeRetries: number };
}

export interface ClusterManager {
  /**
   * Applies the clusters of a new IR. Pools of clusters whose definition did not change are kept
   * (so reloads don't drop keep-alive connections); removed clusters are drained and closed.
   */
  update(ir: GatewayIR): void;
  /** Sends one request to a cluster, with load balancing, circuit breaking, timeouts and retries. */
  request(
    cluster: string,
    req: UpstreamRequest,
    policy: RequestPolicy,
  ): Promise<UpstreamResponse | UpstreamFailure>;
  /**
   * Optional faster path with the semantics of {@link ClusterManager.request} (load balancing,
   * breakers, timeouts, retries before headers), pushing the response into `sink` instead of
   * resolving a promise with a Readable. The proxy uses it when present; `policy.signal` is not
   * needed (use the returned handle's `abort`).
   */
  dispatch?(cluster: string, req: UpstreamRequest, policy: RequestPolicy, sink: UpstreamSink): UpstreamCall;
  /** Picks an endpoint for a raw connection (WebSocket upgrade), honouring circuit breakers. */
  pick(cluster: string, hashKey?: string): PickedEndpoint | UpstreamFailure;
  /** Health, ejection and breaker state for the admin listener and diagnostics. */
  stats(): ClusterStats[];
  /**
   * Event hooks for metrics: retries, breaker opens, ejections, upstream errors; also
   * `unejected` (back in rotation), `health-changed` (active check flipped) and `config-error`
   * (a cluster in the last `update` can't be used, e.g. a missing TLS secret).
   */
  on(
    event:
      | 'retry'
      | 'circuit-open'
      | 'ejected'
      | 'upstream-error'
      | 'unejected'
      | 'health-changed'
      | 'config-error',
    fn: (cluster: string, detail: string) => void,
  ): void;
  /** Problems found in the clusters of the last `update` (missing secrets, unreadable PEM files). */
  diagnostics?(): Diagnostic[];
  close(): Promise<void>;
}

export interface ClusterManagerOptions {
  resolve?: ResolveMap;
  /** DNS re-resolution period for `dns` clusters without `respectDnsTtl` (default 5000 ms, Envoy's). */
  dnsRefreshMs?: number;
  /** How long removed clusters may drain in-flight requests before their pools are destroyed (default: IR `settings.drainTimeoutMs`, else 5000 ms). */
  drainTimeoutMs?: number;
}
