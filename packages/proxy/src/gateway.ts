import {
  type ApplyResult,
  type ConfigSink,
  type Diagnostic,
  DiagnosticsHistory,
  type DiagnosticsSnapshot,
  type GatewayIR,
  type IRListener,
} from '@gateway/core';
import type { Logger } from 'pino';
import { type AdminHandler, AdminServer } from './admin/admin-server.js';
import { diagnosticsHandlers, proxyDiagnosticsSnapshot } from './admin/diagnostics.js';
import { GatewayMetrics } from './admin/metrics.js';
import { buildRuntimeConfig, type RuntimeConfig } from './config/runtime-config.js';
import { MirrorDispatcher } from './features/mirror.js';
import type { FilterDeps, HttpFilterFactory } from './filters/types.js';
import { AccessLog, type AccessLogOptions } from './logging.js';
import type { ListenerRouteTable } from './routing/route-table.js';
import { type BindAddress, ListenerServer } from './server/listener.js';
import type { RuntimeHost } from './server/request-handler.js';
import { compileTcpConfig, type TcpConfig, type TcpPlan, TcpProxy } from './server/tcp-proxy.js';
import { createClusterManager } from './upstream/cluster-manager.js';
import type { ClusterManager, ClusterManagerOptions, ResolveMap } from './upstream/types.js';

/** Options for {@link createGateway}. */
export interface GatewayOptions {
  /** Config to serve from `start()`; more can follow with `apply()`. */
  ir?: GatewayIR;
  /** Bind address for the first `http` listener of the IR (port 0 = ephemeral). */
  listen?: { host?: string; port: number };
  /**
   * Bind addresses by IR listener name (overrides `listen` and the IR's address/port); also for
   * `tcp`/`tls` listeners, whose TCP routes stay keyed by the IR port.
   */
  listeners?: Record<string, { host?: string; port: number }>;
  /** Admin listener (`/ready`, `/live`, `/metrics`, `/config`); off when absent. */
  admin?: { host?: string; port: number };
  /** `--resolve` style overrides: service host -> `host:port`. */
  resolve?: Record<string, string> | ResolveMap;
  /** Logger for gateway events and access logs. Absent: silent. */
  logger?: Logger;
  /** Access logging (needs `logger`): on by default, `false` to switch off, or sampled. */
  accessLog?: boolean | AccessLogOptions;
  /**
   * The upstream side. Default: the package's undici-based cluster manager. Pass one to share
   * pools between gateways or to test against a custom upstream.
   */
  clusterManager?: ClusterManager | ((opts: ClusterManagerOptions) => ClusterManager);
  /** Override `settings.drainTimeoutMs` for `close()`. */
  drainTimeoutMs?: number;
  /** Most mirrored requests in flight at once (default 64); excess mirrors are dropped. */
  mirrorConcurrency?: number;
  /** Largest request body copied to mirrors (default 64 KiB); larger bodies skip the mirror. */
  mirrorBodyLimitBytes?: number;
  /** HTTP filter factories in order (default: the built-in list in filters/registry.ts). */
  filters?: readonly HttpFilterFactory[];
  /** Register prom-client's default process metrics (default true). */
  processMetrics?: boolean;
}

/** A running in-process data plane. Implements core's {@link ConfigSink}. */
export interface Gateway extends ConfigSink {
  /** Binds listeners (and the admin listener) and serves `options.ir` if given. */
  start(): Promise<void>;
  /**
   * Atomically replaces the config. Invalid configs are rejected with diagnostics and the
   * previous config keeps serving; in-flight requests finish on the config they started on.
   */
  apply(ir: GatewayIR): Promise<ApplyResult>;
  /** Stops accepting, drains in-flight requests (bounded by the drain timeout) and closes. */
  close(opts?: { drainTimeoutMs?: number }): Promise<void>;
  /** Address of the first `http` listener (or the first listener), once started. */
  address(): BindAddress | undefined;
  /** Bound addresses by IR listener name (HTTP(S) and TCP/TLS listeners). */
  addresses(): Record<string, BindAddress>;
  adminAddress(): BindAddress | undefined;
  /** The version of the IR being served, or undefined before the first accepted apply. */
  readonly version: string | undefined;
  /** Prometheus registry with this gateway's metrics. */
  readonly metrics: GatewayMetrics;
  /** Adds a page on the admin listener. */
  adminRoute(path: string, handler: AdminHandler): void;
  /** The compiled route table of a listener (default: the first), for inspection and tests. */
  routeTable(listenerName?: string): ListenerRouteTable | undefined;
  /** The upstream side in use. */
  readonly clusterManager: ClusterManager;
  /**
   * Applies recorded so far (last 20) and extra diagnostics to show; the admin listener serves
   * them on `/diag` (HTML) and `/diag.json`. Composers record load/compile errors here with
   * `history.setErrors(...)`.
   */
  readonly history: DiagnosticsHistory;
  /** The diagnostics page's data: route table with effective shares and live counts, clusters, history. */
  diagnostics(): DiagnosticsSnapshot;
}

/**
 * Creates an in-process gateway that serves a {@link GatewayIR}: HTTP/1.1, HTTP/2 (TLS with
 * ALPN, and h2c), WebSocket, gRPC and TCP routes (`ir.tcpRoutes`: raw passthrough, SNI routing
 * by the ClientHello, TLS termination), with the same routing semantics as the Envoy emitter.
 *
 * @example
 * ```ts
 * import { compileYaml } from '@gateway/core';
 * import { createGateway } from '@gateway/proxy';
 *
 * const { ir } = compileYaml(yamlText);
 * const gateway = createGateway({
 *   ir,
 *   listen: { host: '127.0.0.1', port: 8080 },
 *   admin: { host: '127.0.0.1', port: 8877 },
 *   resolve: { quote: '127.0.0.1:9000' },
 * });
 * await gateway.start();
 * // later: hot reload
 * const result = await gateway.apply(nextIr);
 * if (!result.accepted) console.error(result.diagnostics);
 * await gateway.close();
 * ```
 */
export function createGateway(options: GatewayOptions = {}): Gateway {
  return new GatewayImpl(options);
}

/** Parses `name=host:port` strings or a record into a {@link ResolveMap}. */
export function toResolveMap(resolve: Record<string, string> | ResolveMap | undefined): ResolveMap {
  if (resolve === undefined) return new Map();
  if (resolve instanceof Map) return resolve;
  const out = new Map<string, { host: string; port: number }>();
  for (const [name, target] of Object.entries(resolve as Record<string, string>)) {
    const colon = target.lastIndexOf(':');
    const port = Number(target.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`resolve ${name}=${target}: expected host:port`);
    }
    let host = target.slice(0, colon);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    out.set(name, { host, port });
  }
  return out;
}

class GatewayImpl implements Gateway, RuntimeHost {
  active: RuntimeConfig | undefined;
  readonly clusters: ClusterManager;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly mirrors: MirrorDispatcher;
  readonly logger: Logger | undefined;
  readonly upgrades = new Set<import('node:stream').Duplex>();
  draining = false;
  inflight = 0;
  private readonly servers = new Map<string, ListenerServer>();
  /** L4 side: TCP routes on `tcp`/`tls` listeners. */
  readonly tcp: TcpProxy;
  private tcpConfig: TcpConfig | undefined;
  private admin: AdminServer | undefined;
  private started = false;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private lastResult: (ApplyResult & { at: string }) | undefined;
  private readonly filterDeps: FilterDeps;
  readonly history = new DiagnosticsHistory();

  constructor(private readonly options: GatewayOptions) {
    this.logger = options.logger;
    this.metrics = new GatewayMetrics({
      defaultMetrics: options.processMetrics,
      inflight: () => this.inflight,
    });
    this.accessLog = new AccessLog(
      options.logger,
      options.accessLog === false ? false : options.accessLog === true ? undefined : options.accessLog,
    );
    const cmOpts: ClusterManagerOptions = { resolve: toResolveMap(options.resolve) };
    const cm = options.clusterManager;
    if (typeof cm === 'function') this.clusters = cm(cmOpts);
    else if (cm !== undefined) this.clusters = cm;
    else this.clusters = createClusterManager(cmOpts);
    this.mirrors = new MirrorDispatcher(
      () => this.clusters,
      options.mirrorConcurrency ?? 64,
      options.mirrorBodyLimitBytes ?? 64 * 1024,
    );
    this.tcp = new TcpProxy({
      clusters: this.clusters,
      metrics: this.metrics,
      accessLog: this.accessLog,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.clusters.on('retry', (cluster) => this.metrics.retry(cluster));
    this.clusters.on('circuit-open', (cluster) => this.metrics.circuitOpen(cluster));
    this.clusters.on('ejected', (cluster) => this.metrics.ejected(cluster));
    this.filterDeps = {
      resolveCluster: (cluster) => {
        const picked = this.clusters.pick(cluster);
        if ('kind' in picked) return undefined;
        picked.release('success');
        return { host: picked.host, port: picked.port, tls: picked.tls };
      },
      log: {
        info: (obj, msg) => this.logger?.info(obj, msg),
        warn: (obj, msg) => this.logger?.warn(obj, msg),
        error: (obj, msg) => this.logger?.error(obj, msg),
      },
    };
  }

  get version(): string | undefined {
    return this.active?.version;
  }

  get clusterManager(): ClusterManager {
    return this.clusters;
  }

  apply(ir: GatewayIR): Promise<ApplyResult> {
    // Applies are serialised: each one builds on the state the previous one left.
    const next = this.queue.then(() => this.applyNow(ir));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async applyNow(ir: GatewayIR): Promise<ApplyResult> {
    if (this.closed) {
      return this.reject([diag('gateway is closed', 'proxy-closed')], ir.version);
    }
    const built = buildRuntimeConfig(ir, this.filterDeps, this.options.filters);
    if (!built.config) return this.reject(built.diagnostics, ir.version);
    const config = built.config;
    const diagnostics = [...built.diagnostics];
    const tcpConfig = compileTcpConfig(ir, diagnostics);
    let retiredServers: ListenerServer[] = [];
    let tcpPlan: TcpPlan | undefined;
    if (this.started) {
      try {
        tcpPlan = await this.tcp.prepare(tcpConfig, this.options.listeners);
        retiredServers = await this.syncListeners(config);
      } catch (err) {
        if (tcpPlan) await this.tcp.abort(tcpPlan);
        void config.pipeline.close();
        return this.reject(
          [diag(`cannot bind listeners: ${(err as Error).message}`, 'proxy-bind-failed')],
          ir.version,
        );
      }
    }
    // Commit: clusters first (same tick), then the one reference requests read.
    try {
      this.clusters.update(ir);
    } catch (err) {
      if (tcpPlan) await this.tcp.abort(tcpPlan);
      return this.reject(
        [diag(`cluster update failed: ${(err as Error).message}`, 'proxy-cluster-update')],
        ir.version,
      );
    }
    for (const d of this.clusters.diagnostics?.() ?? []) diagnostics.push(d);
    const previous = this.active;
    this.active = config;
    for (const [name, server] of this.servers) {
      server.update(config.settings, config.tls.get(name));
    }
    if (previous !== undefined) {
      previous.retired = true;
      if (previous.inflight === 0) this.releaseConfig(previous);
    }
    for (const server of retiredServers) void server.close(config.settings.drainTimeoutMs);
    this.tcpConfig = tcpConfig;
    if (tcpPlan) this.tcp.commit(tcpPlan, config.settings.drainTimeoutMs);
    this.metrics.reload(true, config.version, previous?.version);
    this.pruneMetrics(config);
    const result: ApplyResult = { accepted: true, version: config.version, diagnostics };
    this.lastResult = { ...result, at: new Date().toISOString() };
    this.history.recordApply(ir.version, result);
    this.logger?.info({ version: config.version, previous: previous?.version }, 'config applied');
    return result;
  }

  private reject(diagnostics: Diagnostic[], offered = ''): ApplyResult {
    this.metrics.reload(false, '', undefined);
    const result: ApplyResult = { accepted: false, version: this.active?.version ?? '', diagnostics };
    this.lastResult = { ...result, at: new Date().toISOString() };
    this.history.recordApply(offered, result);
    this.logger?.warn({ diagnostics }, 'config rejected');
    return result;
  }

  /** Opens listeners the new config adds; returns the ones it removes (closed after the swap). */
  private async syncListeners(config: RuntimeConfig): Promise<ListenerServer[]> {
    const wanted = this.desiredBinds(config.ir.listeners);
    const opened: ListenerServer[] = [];
    try {
      for (const [name, { listener, bind }] of wanted) {
        const existing = this.servers.get(name);
        if (
          existing &&
          existing.protocol === listener.protocol &&
          existing.bind.host === bind.host &&
          existing.bind.port === bind.port
        ) {
          continue;
        }
        const server = new ListenerServer(
          this,
          name,
          listener.protocol,
          bind,
          config.settings,
          config.tls.get(name),
        );
        await server.listen();
        opened.push(server);
      }
    } catch (err) {
      for (const s of opened) await s.close(0);
      throw err;
    }
    const retired: ListenerServer[] = [];
    for (const [name, server] of this.servers) {
      const w = wanted.get(name);
      if (!w || !opened.every((o) => o.name !== name) || w.listener.protocol !== server.protocol) {
        retired.push(server);
        this.servers.delete(name);
      }
    }
    for (const s of opened) this.servers.set(s.name, s);
    return retired;
  }

  private desiredBinds(
    listeners: readonly IRListener[],
  ): Map<string, { listener: IRListener; bind: BindAddress }> {
    const out = new Map<string, { listener: IRListener; bind: BindAddress }>();
    const firstHttp =
      listeners.find((l) => l.protocol === 'http') ?? listeners.find((l) => l.protocol === 'https');
    for (const l of listeners) {
      if (l.protocol !== 'http' && l.protocol !== 'https') continue;
      const override =
        this.options.listeners?.[l.name] ?? (l === firstHttp ? this.options.listen : undefined);
      out.set(l.name, {
        listener: l,
        bind: { host: override?.host ?? l.address, port: override?.port ?? l.port },
      });
    }
    return out;
  }

  private pruneMetrics(config: RuntimeConfig): void {
    const routes = new Set<string>();
    for (const table of config.tables.values()) {
      for (const vh of table.vhosts) for (const r of vh.routes) routes.add(r.ir.statsName || r.ir.name);
    }
    this.metrics.prune(routes, new Set(config.ir.clusters.map((c) => c.name)));
  }

  releaseConfig(config: RuntimeConfig): void {
    if (config === this.active) return;
    void config.pipeline.close();
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (this.options.ir !== undefined && this.active === undefined) {
      const result = await this.apply(this.options.ir);
      if (!result.accepted) {
        const err = new Error(
          `gateway config rejected:\n${result.diagnostics.map((d) => `  ${d.resource.kind} ${d.resource.namespace}/${d.resource.name}: ${d.path}: ${d.message}`).join('\n')}`,
        );
        (err as Error & { diagnostics: Diagnostic[] }).diagnostics = result.diagnostics;
        throw err;
      }
    }
    if (this.options.admin) {
      this.admin = new AdminServer({
        ready: () => this.started && !this.draining && this.active !== undefined,
        registry: this.metrics.registry,
        configStatus: () => this.configStatus(),
      });
      for (const [path, handler] of Object.entries(diagnosticsHandlers(this.diagnosticsSource())))
        this.admin.route(path, handler);
      for (const [path, handler] of this.pendingAdminRoutes) this.admin.route(path, handler);
      await this.admin.listen(this.options.admin.host ?? '127.0.0.1', this.options.admin.port);
    }
    this.started = true;
    const config = this.active;
    if (config !== undefined) {
      try {
        await this.queue;
        await this.syncListeners(config);
        const tcpConfig = this.tcpConfig;
        if (tcpConfig) this.tcp.commit(await this.tcp.prepare(tcpConfig, this.options.listeners), 0);
      } catch (err) {
        this.started = false;
        await Promise.all([...this.servers.values()].map((s) => s.close(0)));
        this.servers.clear();
        await this.admin?.close();
        throw err;
      }
    }
  }

  private readonly pendingAdminRoutes = new Map<string, AdminHandler>();

  adminRoute(path: string, handler: AdminHandler): void {
    this.pendingAdminRoutes.set(path, handler);
    this.admin?.route(path, handler);
  }

  private diagnosticsSource() {
    return {
      ir: () => this.active?.ir,
      history: this.history,
      metrics: this.metrics,
      clusterStats: () => this.clusters.stats(),
    };
  }

  diagnostics(): DiagnosticsSnapshot {
    return proxyDiagnosticsSnapshot(this.diagnosticsSource());
  }

  private configStatus(): unknown {
    const active = this.active;
    return {
      version: active?.version ?? null,
      listeners: {
        ...Object.fromEntries([...this.servers].map(([name, s]) => [name, s.address() ?? null])),
        ...this.tcp.addresses(),
      },
      tcpConnections: this.tcp.activeConnections,
      lastApply: this.lastResult ?? null,
      inflight: this.inflight,
      draining: this.draining,
      clusters: safeStats(this.clusters),
      mirrors: this.mirrors.stats,
    };
  }

  async close(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    const drainMs =
      opts.drainTimeoutMs ?? this.options.drainTimeoutMs ?? this.active?.settings.drainTimeoutMs ?? 5000;
    await Promise.all([...[...this.servers.values()].map((s) => s.close(drainMs)), this.tcp.close(drainMs)]);
    this.servers.clear();
    for (const socket of this.upgrades) socket.destroy();
    this.upgrades.clear();
    await this.clusters.close();
    if (this.active) await this.active.pipeline.close();
    await this.admin?.close();
    this.started = false;
  }

  address(): BindAddress | undefined {
    const listeners = this.active?.ir.listeners ?? [];
    const first =
      listeners.find((l) => l.protocol === 'http') ?? listeners.find((l) => l.protocol === 'https');
    return first ? this.servers.get(first.name)?.address() : undefined;
  }

  addresses(): Record<string, BindAddress> {
    const out: Record<string, BindAddress> = this.tcp.addresses();
    for (const [name, s] of this.servers) {
      const a = s.address();
      if (a) out[name] = a;
    }
    return out;
  }

  adminAddress(): BindAddress | undefined {
    return this.admin?.address();
  }

  routeTable(listenerName?: string): ListenerRouteTable | undefined {
    const tables = this.active?.tables;
    if (!tables) return undefined;
    if (listenerName !== undefined) return tables.get(listenerName);
    return tables.values().next().value;
  }
}

function diag(message: string, code: string): Diagnostic {
  return {
    resource: { kind: 'Gateway', namespace: '', name: 'proxy' },
    path: '',
    message,
    severity: 'error',
    code,
  };
}

function safeStats(cm: ClusterManager): unknown {
  try {
    return cm.stats();
  } catch {
    return [];
  }
}
