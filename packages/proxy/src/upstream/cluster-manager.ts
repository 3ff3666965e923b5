import type { Diagnostic, GatewayIR, IRSecret } from '@gateway/core';
import { ClusterRuntime, type ClusterRuntimeOptions, type Endpoint, prepareCluster } from './cluster.js';
import { DEFAULT_DNS_REFRESH_MS } from './dns.js';
import { type UpstreamEventName, UpstreamEvents, type UpstreamListener } from './events.js';
import { Exchange, ResponseSink } from './exchange.js';
import type {
  ClusterManager,
  ClusterManagerOptions,
  ClusterStats,
  PickedEndpoint,
  RequestPolicy,
  UpstreamCall,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSink,
} from './types.js';

/** Envoy's default stream idle timeout, used when neither the route nor the IR settings give one. */
const DEFAULT_STREAM_IDLE_MS = 300_000;
const DEFAULT_DRAIN_MS = 5_000;

type Outcome = UpstreamResponse | UpstreamFailure;

function failure(
  reason: UpstreamFailure['reason'],
  status: UpstreamFailure['status'],
  message: string,
): UpstreamFailure {
  return { kind: 'failure', reason, status, message, retries: 0 };
}

/** The handle of a call that failed before it started: nothing to resume or cancel. */
const SETTLED_CALL: UpstreamCall = Object.freeze({ resume() {}, abort() {} });

/**
 * A dispatch that waits for its cluster's first DNS answer (cold path). Looks the cluster up again
 * once it resolved (an update may have replaced it), then forwards to the real call.
 */
class DeferredCall implements UpstreamCall {
  private inner: UpstreamCall | null = null;
  private cancelled = false;

  constructor(
    manager: ClusterManager,
    ready: Promise<void>,
    cluster: string,
    req: UpstreamRequest,
    policy: RequestPolicy,
    sink: UpstreamSink,
  ) {
    ready.then(
      () => {
        if (!this.cancelled) this.inner = manager.dispatch!(cluster, req, policy, sink);
      },
      (err: unknown) => {
        if (this.cancelled) return;
        const message = `cluster ${cluster}: discovery failed: ${(err as Error)?.message ?? String(err)}`;
        sink.onFailure(failure('no-healthy-endpoint', 503, message), false);
      },
    );
  }

  resume(): void {
    this.inner?.resume();
  }

  abort(): void {
    this.cancelled = true;
    this.inner?.abort();
  }
}

/** A raw-connection lease (WebSocket upgrade, TCP): counts as one active request until released. */
class PickedLease implements PickedEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly servername?: string;
  private readonly endpointRef: Endpoint;
  private readonly cluster: ClusterRuntime;
  private released = false;

  constructor(cluster: ClusterRuntime, endpoint: Endpoint) {
    this.cluster = cluster;
    this.endpointRef = endpoint;
    this.host = endpoint.host;
    this.port = endpoint.port;
    const tls = cluster.spec.poolConfig.tls;
    this.tls = tls !== undefined;
    if (tls?.servername !== undefined) this.servername = tls.servername;
  }

  release(outcome: 'success' | 'failure'): void {
    if (this.released) return;
    this.released = true;
    this.endpointRef.activeRequests--;
    this.cluster.breakers.default.activeRequests--;
    if (outcome === 'failure') this.cluster.outlier?.onGatewayFailure(this.endpointRef);
    else this.cluster.outlier?.onStatus(this.endpointRef, 200);
  }
}

/**
 * The upstream half of the proxy: one {@link ClusterRuntime} per IR cluster (pools, balancer,
 * breakers, health), and the request path that ties them together.
 */
class ClusterManagerImpl implements ClusterManager {
  private clusters = new Map<string, ClusterRuntime>();
  private readonly events = new UpstreamEvents();
  private readonly options: ClusterManagerOptions;
  private runtimeOptions: ClusterRuntimeOptions;
  private idleTimeoutMs = DEFAULT_STREAM_IDLE_MS;
  private lastDiagnostics: Diagnostic[] = [];
  private readonly draining = new Set<Promise<void>>();
  private closed = false;

  constructor(options: ClusterManagerOptions) {
    this.options = options;
    this.runtimeOptions = {
      dnsRefreshMs: options.dnsRefreshMs ?? DEFAULT_DNS_REFRESH_MS,
      drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_MS,
    };
  }

  update(ir: GatewayIR): void {
    if (this.closed) return;
    this.idleTimeoutMs =
      ir.settings.streamIdleTimeoutMs > 0 ? ir.settings.streamIdleTimeoutMs : DEFAULT_STREAM_IDLE_MS;
    this.runtimeOptions = {
      dnsRefreshMs: this.options.dnsRefreshMs ?? DEFAULT_DNS_REFRESH_MS,
      drainTimeoutMs:
        this.options.drainTimeoutMs ??
        (ir.settings.drainTimeoutMs > 0 ? ir.settings.drainTimeoutMs : DEFAULT_DRAIN_MS),
    };
    const secrets = new Map<string, IRSecret>(ir.secrets.map((s) => [s.name, s]));
    const next = new Map<string, ClusterRuntime>();
    const diagnostics: Diagnostic[] = [];
    for (const irCluster of ir.clusters) {
      const spec = prepareCluster(irCluster, secrets, this.options.resolve);
      diagnostics.push(...spec.diagnostics);
      const current = this.clusters.get(irCluster.name);
      if (current && current.spec.fingerprint === spec.fingerprint) {
        next.set(irCluster.name, current);
        continue;
      }
      const runtime = new ClusterRuntime(spec, this.events, this.runtimeOptions, current);
      next.set(irCluster.name, runtime);
      if (runtime.configError !== undefined)
        this.events.emit('config-error', runtime.name, runtime.configError);
    }
    const previous = this.clusters;
    this.clusters = next;
    for (const [name, runtime] of previous) {
      if (next.get(name) !== runtime) this.track(runtime.drain());
    }
    this.lastDiagnostics = diagnostics;
  }

  private track(p: Promise<void>): void {
    this.draining.add(p);
    void p.finally(() => this.draining.delete(p));
  }

  /** The runtime to send a request to, or why there is none. */
  private runtimeFor(cluster: string): ClusterRuntime | UpstreamFailure {
    const runtime = this.clusters.get(cluster);
    if (runtime === undefined) return failure('no-cluster', 503, `no cluster named '${cluster}'`);
    if (runtime.configError !== undefined) return failure('no-healthy-endpoint', 503, runtime.configError);
    return runtime;
  }

  request(cluster: string, req: UpstreamRequest, policy: RequestPolicy): Promise<Outcome> {
    const runtime = this.runtimeFor(cluster);
    if (!(runtime instanceof ClusterRuntime)) return Promise.resolve(runtime);
    if (runtime.ready !== null) {
      // Cold path: the cluster's first DNS answer is still pending.
      return runtime.ready.then(() => this.request(cluster, req, policy));
    }
    // The promise path is an adapter over the dispatch core: a sink that makes a Readable.
    const sink = new ResponseSink();
    sink.exchange = new Exchange(runtime, req, policy, this.events, this.idleTimeoutMs, sink);
    sink.exchange.start();
    return sink.promise;
  }

  dispatch(cluster: string, req: UpstreamRequest, policy: RequestPolicy, sink: UpstreamSink): UpstreamCall {
    const runtime = this.runtimeFor(cluster);
    if (!(runtime instanceof ClusterRuntime)) {
      sink.onFailure(runtime, false);
      return SETTLED_CALL;
    }
    if (runtime.ready !== null) return new DeferredCall(this, runtime.ready, cluster, req, policy, sink);
    return new Exchange(runtime, req, policy, this.events, this.idleTimeoutMs, sink).start();
  }

  pick(cluster: string, hashKey?: string): PickedEndpoint | UpstreamFailure {
    const runtime = this.runtimeFor(cluster);
    if (!(runtime instanceof ClusterRuntime)) return runtime;
    const breaker = runtime.breakers.default;
    const limit = breaker.admit();
    if (limit !== undefined) {
      const message = breaker.describe(runtime.name, limit);
      this.events.emit('circuit-open', runtime.name, message);
      return failure('circuit-open', 503, message);
    }
    const endpoint = runtime.pick(hashKey);
    if (endpoint === undefined) return failure('no-healthy-endpoint', 503, runtime.noEndpointMessage());
    endpoint.activeRequests++;
    breaker.activeRequests++;
    return new PickedLease(runtime, endpoint);
  }

  stats(): ClusterStats[] {
    return [...this.clusters.values()].map((c) => c.stats());
  }

  on(event: UpstreamEventName, fn: UpstreamListener): void {
    this.events.on(event, fn);
  }

  diagnostics(): Diagnostic[] {
    return [...this.lastDiagnostics];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const runtimes = [...this.clusters.values()];
    this.clusters = new Map();
    for (const r of runtimes) this.track(r.drain());
    await Promise.all([...this.draining]);
  }
}

/**
 * Creates the upstream side of the proxy. Call `update(ir)` with every new IR; then
 * `request(cluster, req, policy)` returns as soon as response headers arrive, with a streaming
 * body and a trailers promise, or a typed failure; `dispatch(cluster, req, policy, sink)` is the
 * same request pushed into an {@link UpstreamSink} (no Readable, no promise), which the proxy uses.
 * The sink may be called synchronously (for a failure before anything was sent).
 *
 * @example
 * ```ts
 * const clusters = createClusterManager({ resolve: new Map([['quote', { host: '127.0.0.1', port: 9000 }]]) });
 * clusters.update(ir);
 * const res = await clusters.request('cluster_quote_default',
 *   { method: 'GET', path: '/', headers: { host: 'quote' }, body: null },
 *   { timeoutMs: 5000, idleTimeoutMs: 0, idempotent: true, grpc: false });
 * if (res.kind === 'response') res.body.pipe(downstream);
 * else downstream.writeHead(res.status).end(res.message);
 * ```
 */
export function createClusterManager(options: ClusterManagerOptions = {}): ClusterManager {
  return new ClusterManagerImpl(options);
}
