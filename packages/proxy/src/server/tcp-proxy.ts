/**
 * L4 routes (`ir.tcpRoutes`, from TCPMappings) in the in-process proxy, with the Envoy adapter's
 * semantics (`tcp_proxy` filter chains):
 *
 * - every `tcp`/`tls` listener that has routes on its port gets a `net` server (an HTTP(S)
 *   listener never shares a port with TCP routes: core reports `tcp-port-conflict`);
 * - when a route on the port names an SNI host or a certificate, the first bytes are read as a
 *   TLS ClientHello (Envoy's `tls_inspector`) and the route is picked by server name: exact,
 *   then the longest wildcard, then the route without `sniHost`; no match closes the connection;
 * - a route with `tlsSecret` terminates TLS and forwards plaintext; otherwise bytes (ClientHello
 *   included) pass through untouched;
 * - a weighted cluster is chosen by raw weight, an endpoint by the cluster manager (load
 *   balancing, health, outlier ejection, circuit breakers) and bytes are piped both ways with
 *   backpressure and half-close; `idleTimeoutMs` closes quiet connections (0 = Envoy's 1 h default).
 *
 * Each connection reads the routing table once, when it arrives: a reload swaps the table for
 * new connections while open ones keep their upstream.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { Diagnostic, GatewayIR, IRCluster, IRListener, IRSecret, IRTcpRoute } from '@gateway/core';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from '../admin/metrics.js';
import type { AccessLog, TcpAccessLogEntry } from '../logging.js';
import { HostMatcher } from '../routing/host-match.js';
import { breakerLimitsFor } from '../upstream/circuit-breaker.js';
import { resolveUpstreamTls, serviceHost, type UpstreamTlsOptions } from '../upstream/tls.js';
import type { ClusterManager, PickedEndpoint } from '../upstream/types.js';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from './client-hello.js';
import { type BindAddress, listenOn } from './listener.js';
import { ReplaySocket } from './replay-socket.js';

/** How long a client may take to send its ClientHello (inspection) or finish the TLS handshake. */

/** Envoy's TCP proxy `idle_timeout` when none is configured: one hour. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 3_600_000;

/**
 * The idle timeout a TCP route runs with. The IR's 0 means "not set", which the Envoy emitter
 * leaves out so Envoy applies its 1 h default; the proxy applies the same default, so a quiet
 * connection is closed after the same time on either data plane.
 *
 * @example
 * ```ts
 * tcpIdleTimeoutMs({ idleTimeoutMs: 0 }); // 3_600_000
 * tcpIdleTimeoutMs({ idleTimeoutMs: 30_000 }); // 30_000
 * ```
 */
export function tcpIdleTimeoutMs(route: { idleTimeoutMs: number }): number {
  return route.idleTimeoutMs > 0 ? route.idleTimeoutMs : DEFAULT_TCP_IDLE_TIMEOUT_MS;
}
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** After a gentle close (FIN sent), how long to wait for the peer's FIN before resetting. */
const LINGER_MS = 1_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Compiled routing tables

/** One weighted backend of a TCP route, with what connecting to it needs. */
interface TcpBackend {
  readonly cluster: string;
  readonly weight: number;
  readonly connectTimeoutMs: number;
  readonly keepaliveMs: number;
  /** Envoy's `max_connections` for the default priority (1024 when the cluster sets none). */
  readonly maxConnections: number;
  readonly upstreamTls?: UpstreamTlsOptions;
}

/** A TCP route ready to serve. */
export interface CompiledTcpRoute {
  readonly ir: IRTcpRoute;
  readonly backends: readonly TcpBackend[];
  readonly totalWeight: number;
  /** Set when the route terminates TLS (`tlsSecret`). */
  readonly secureContext?: tls.SecureContext;
}

/** The routes of one `tcp`/`tls` listener. */
export interface TcpPortTable {
  readonly listener: IRListener;
  readonly routes: readonly CompiledTcpRoute[];
  /** Routes with `sniHost`, by server name (exact, then longest wildcard). */
  readonly bySni: HostMatcher<CompiledTcpRoute>;
  /** The route without `sniHost`: any connection no SNI route claims. */
  readonly fallback?: CompiledTcpRoute;
  /** Read the ClientHello before routing (some route matches SNI or terminates TLS). */
  readonly inspect: boolean;
}

/** Everything one IR compiles to on the L4 side, keyed by IR listener name. */
export interface TcpConfig {
  readonly tables: ReadonlyMap<string, TcpPortTable>;
}

/**
 * Compiles the IR's TCP routes into per-listener tables. Routes the proxy can't serve are left
 * out with a warning, as the Envoy adapter leaves out their filter chains.
 *
 * @example
 * ```ts
 * const diagnostics: Diagnostic[] = [];
 * const tcp = compileTcpConfig(ir, diagnostics);
 * tcp.tables.get('listener-9000')?.fallback?.ir.name; // 'default/echo'
 * ```
 */
export function compileTcpConfig(ir: GatewayIR, diagnostics: Diagnostic[]): TcpConfig {
  const tables = new Map<string, TcpPortTable>();
  const routes = ir.tcpRoutes ?? [];
  const clusters = new Map<string, IRCluster>(ir.clusters.map((c) => [c.name, c]));
  const secrets = new Map<string, IRSecret>(ir.secrets.map((s) => [s.name, s]));
  const report = (
    r: IRTcpRoute,
    path: string,
    message: string,
    code: string,
    severity: Diagnostic['severity'] = 'warning',
  ) =>
    diagnostics.push({
      resource: r.sources[0] ?? { kind: 'TCPRoute', namespace: '', name: r.name },
      path,
      message,
      severity,
      code,
    });
  const l4Ports = new Set(
    ir.listeners.filter((l) => l.protocol === 'tcp' || l.protocol === 'tls').map((l) => l.port),
  );
  for (const r of routes) {
    if (l4Ports.has(r.port)) continue;
    const http = ir.listeners.find((l) => l.port === r.port);
    if (http)
      report(
        r,
        'port',
        `TCP route ${r.name}: port ${r.port} is the ${http.protocol} listener ${http.name}; route not served`,
        'proxy-tcp-port-conflict',
      );
    else
      report(
        r,
        'port',
        `TCP route ${r.name}: no tcp/tls listener on port ${r.port}; route not served`,
        'proxy-tcp-no-listener',
      );
  }
  const compiled = new Map<IRTcpRoute, CompiledTcpRoute | undefined>();
  const compileOnce = (r: IRTcpRoute): CompiledTcpRoute | undefined => {
    if (!compiled.has(r)) compiled.set(r, compileRoute(r, clusters, secrets, report));
    return compiled.get(r);
  };
  for (const l of ir.listeners) {
    if (l.protocol !== 'tcp' && l.protocol !== 'tls') continue;
    const bySni = new HostMatcher<CompiledTcpRoute>();
    const list: CompiledTcpRoute[] = [];
    const hosts = new Set<string>();
    let fallback: CompiledTcpRoute | undefined;
    let inspect = false;
    for (const r of routes) {
      if (r.port !== l.port) continue;
      const c = compileOnce(r);
      if (!c) continue;
      const host = r.sniHost?.toLowerCase();
      if (host === undefined || host === '*') {
        if (fallback) {
          report(
            r,
            'sniHost',
            `TCP route ${r.name}: port ${r.port} already has route ${fallback.ir.name} without an SNI host; route not served`,
            'proxy-tcp-duplicate',
          );
          continue;
        }
        fallback = c;
      } else {
        if (hosts.has(host)) {
          report(
            r,
            'sniHost',
            `TCP route ${r.name}: SNI host ${host} on port ${r.port} is already routed; route not served`,
            'proxy-tcp-duplicate',
          );
          continue;
        }
        hosts.add(host);
        bySni.add(host, c);
      }
      if (host !== undefined || c.secureContext) inspect = true;
      list.push(c);
    }
    if (list.length === 0) {
      diagnostics.push({
        resource: { kind: 'Listener', namespace: '', name: l.name },
        path: 'port',
        message: `listener ${l.name} has no TCP routes; not bound`,
        severity: 'notice',
        code: 'proxy-tcp-listener-empty',
      });
      continue;
    }
    tables.set(l.name, { listener: l, routes: list, bySni, ...(fallback ? { fallback } : {}), inspect });
  }
  return { tables };
}

function compileRoute(
  r: IRTcpRoute,
  clusters: ReadonlyMap<string, IRCluster>,
  secrets: ReadonlyMap<string, IRSecret>,
  report: (r: IRTcpRoute, path: string, message: string, code: string) => void,
): CompiledTcpRoute | undefined {
  const backends: TcpBackend[] = [];
  let total = 0;
  for (const [i, wc] of r.clusters.entries()) {
    if (!(wc.weight > 0)) continue;
    const cluster = clusters.get(wc.cluster);
    if (!cluster) {
      report(
        r,
        `clusters[${i}].cluster`,
        `TCP route ${r.name}: cluster ${wc.cluster} is not in ir.clusters; route not served`,
        'proxy-tcp-no-cluster',
      );
      return undefined;
    }
    const d = cluster.discovery;
    const { tls: upstreamTls } = resolveUpstreamTls(
      cluster,
      secrets,
      d.kind === 'dns' ? d.host : serviceHost(cluster.service),
    );
    backends.push({
      cluster: cluster.name,
      weight: wc.weight,
      connectTimeoutMs: cluster.connectTimeoutMs > 0 ? cluster.connectTimeoutMs : DEFAULT_CONNECT_TIMEOUT_MS,
      keepaliveMs: (cluster.tcpKeepalive?.idleTimeS ?? 0) * 1000,
      maxConnections: breakerLimitsFor(cluster.circuitBreakers, 'default').maxConnections,
      ...(upstreamTls ? { upstreamTls } : {}),
    });
    total += wc.weight;
  }
  if (backends.length === 0) {
    report(
      r,
      'clusters',
      `TCP route ${r.name} has no cluster with a positive weight; route not served`,
      'proxy-tcp-no-cluster',
    );
    return undefined;
  }
  if (r.tlsSecret === undefined) return { ir: r, backends, totalWeight: total };
  const secret = secrets.get(r.tlsSecret);
  let problem: string | undefined;
  let context: tls.SecureContext | undefined;
  if (!secret) problem = `secret ${r.tlsSecret} is not defined in ir.secrets`;
  else if (!secret.certificateChain || !secret.privateKey)
    problem = secret.kubernetesSecret
      ? `secret ${r.tlsSecret} refers to Kubernetes Secret ${secret.kubernetesSecret.namespace}/${secret.kubernetesSecret.name}, which the proxy cannot read`
      : `secret ${r.tlsSecret} needs certificateChain and privateKey`;
  else {
    try {
      context = tls.createSecureContext({
        cert: readPem(secret.certificateChain),
        key: readPem(secret.privateKey),
      });
    } catch (err) {
      problem = `cannot load certificate and key of ${r.tlsSecret}: ${(err as Error).message}`;
    }
  }
  if (!context) {
    report(r, 'tlsSecret', `TCP route ${r.name}: ${problem}; route not served`, 'proxy-tcp-tls-invalid');
    return undefined;
  }
  return { ir: r, backends, totalWeight: total, secureContext: context };
}

function readPem(ref: { inline: string } | { file: string }): string {
  return 'inline' in ref ? ref.inline : readFileSync(ref.file, 'utf8');
}

/** Picks a backend by raw weight; `roll` is uniform in [0, 1). */
function pickBackend(route: CompiledTcpRoute, roll: number): TcpBackend {
  let point = roll * route.totalWeight;
  for (const b of route.backends) {
    if (point < b.weight) return b;
    point -= b.weight;
  }
  return route.backends[route.backends.length - 1] as TcpBackend;
}

// ---------------------------------------------------------------------------------------------
// Metrics

interface TcpRouteSeries {
  connections: Counter.Internal;
  active: Gauge.Internal<'route'>;
  received: Counter.Internal;
  sent: Counter.Internal;
}

/** Prometheus series for TCP routes, registered on the gateway's registry. */
class TcpMetrics {
  private readonly connections: Counter<'route'>;
  private readonly active: Gauge<'route'>;
  private readonly received: Counter<'route'>;
  private readonly sent: Counter<'route'>;
  private readonly connectFailures: Counter<'route' | 'cluster' | 'reason'>;
  private readonly rejected: Counter<'listener' | 'reason'>;
  private readonly cache = new Map<string, TcpRouteSeries>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.connections = new Counter({
      name: 'gateway_tcp_route_connections_total',
      help: 'TCP connections accepted by route.',
      labelNames: ['route'],
      registers,
    });
    this.active = new Gauge({
      name: 'gateway_tcp_route_active_connections',
      help: 'TCP connections open by route.',
      labelNames: ['route'],
      registers,
    });
    this.received = new Counter({
      name: 'gateway_tcp_route_received_bytes_total',
      help: 'Bytes received from TCP clients by route (after TLS termination, when the route terminates).',
      labelNames: ['route'],
      registers,
    });
    this.sent = new Counter({
      name: 'gateway_tcp_route_sent_bytes_total',
      help: 'Bytes sent to TCP clients by route.',
      labelNames: ['route'],
      registers,
    });
    this.connectFailures = new Counter({
      name: 'gateway_tcp_upstream_connect_failures_total',
      help: 'TCP connections that got no upstream, by route, cluster and reason (connect-failure, timeout, circuit-open, no-healthy-endpoint, ...).',
      labelNames: ['route', 'cluster', 'reason'],
      registers,
    });
    this.rejected = new Counter({
      name: 'gateway_tcp_downstream_rejected_total',
      help: 'TCP connections closed before routing, by listener and reason (no-route, invalid-client-hello, handshake-timeout, tls-handshake).',
      labelNames: ['listener', 'reason'],
      registers,
    });
  }

  route(name: string): TcpRouteSeries {
    let s = this.cache.get(name);
    if (!s) {
      s = {
        connections: this.connections.labels(name),
        active: this.active.labels(name),
        received: this.received.labels(name),
        sent: this.sent.labels(name),
      };
      this.cache.set(name, s);
    }
    return s;
  }

  connectFailure(route: string, cluster: string, reason: string): void {
    this.connectFailures.labels(route, cluster, reason).inc();
  }

  reject(listener: string, reason: string): void {
    this.rejected.labels(listener, reason).inc();
  }
}

// ---------------------------------------------------------------------------------------------
// Runtime

/** What the TCP side needs from the gateway. */
export interface TcpProxyDeps {
  readonly clusters: ClusterManager;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly logger?: Logger;
}

/** Servers a config needs: new ones already listening, and the ones a commit retires. */
export interface TcpPlan {
  readonly config: TcpConfig;
  readonly opened: readonly TcpListenerServer[];
}

/**
 * The L4 data plane of a gateway: one {@link TcpListenerServer} per served `tcp`/`tls` listener,
 * shared per-cluster connection counts (for `maxConnections`) and metrics.
 *
 * @example
 * ```ts
 * const tcp = new TcpProxy({ clusters, metrics, accessLog });
 * const plan = await tcp.prepare(compileTcpConfig(ir, diagnostics), overrides);
 * tcp.commit(plan, 5000); // new connections use the new tables
 * await tcp.close(5000);
 * ```
 */
export class TcpProxy {
  readonly metrics: TcpMetrics;
  /** Open upstream connections per cluster, for the `maxConnections` breaker. */
  readonly activeByCluster = new Map<string, number>();
  private readonly servers = new Map<string, TcpListenerServer>();

  constructor(readonly deps: TcpProxyDeps) {
    this.metrics = new TcpMetrics(deps.metrics.registry);
  }

  /**
   * Binds the listeners `config` adds or moves. Nothing running changes: on failure the new
   * servers are closed again and the error is thrown.
   */
  async prepare(
    config: TcpConfig,
    overrides?: Record<string, { host?: string; port: number }>,
  ): Promise<TcpPlan> {
    const opened: TcpListenerServer[] = [];
    try {
      for (const [name, table] of config.tables) {
        const o = overrides?.[name];
        const bind = { host: o?.host ?? table.listener.address, port: o?.port ?? table.listener.port };
        const existing = this.servers.get(name);
        if (existing && existing.bind.host === bind.host && existing.bind.port === bind.port) continue;
        const server = new TcpListenerServer(this, name, bind, table);
        await server.listen();
        opened.push(server);
      }
    } catch (err) {
      await Promise.all(opened.map((s) => s.close(0)));
      throw err;
    }
    return { config, opened };
  }

  /** Undoes {@link TcpProxy.prepare} when the rest of the apply failed. */
  async abort(plan: TcpPlan): Promise<void> {
    await Promise.all(plan.opened.map((s) => s.close(0)));
  }

  /**
   * Swaps the tables (new connections only), starts serving the servers `prepare` opened and
   * stops listening on the ports the config dropped; their open connections drain for `drainMs`.
   */
  commit(plan: TcpPlan, drainMs: number): void {
    const retired: TcpListenerServer[] = [];
    for (const s of plan.opened) {
      const old = this.servers.get(s.name);
      if (old) retired.push(old);
      this.servers.set(s.name, s);
    }
    for (const [name, server] of this.servers) {
      const table = plan.config.tables.get(name);
      if (table) server.table = table;
      else {
        retired.push(server);
        this.servers.delete(name);
      }
    }
    for (const s of retired) void s.close(drainMs);
  }

  /** Stops accepting everywhere, lets open connections finish for `drainMs`, then closes the rest. */
  async close(drainMs: number): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.close(drainMs)));
  }

  addresses(): Record<string, BindAddress> {
    const out: Record<string, BindAddress> = {};
    for (const [name, s] of this.servers) {
      const a = s.address();
      if (a) out[name] = a;
    }
    return out;
  }

  /** Open TCP connections on the listeners still serving (not on retired, draining ones). */
  get activeConnections(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.connections.size;
    return n;
  }
}

/** One bound `tcp`/`tls` port. The table is swapped in place on reload. */
export class TcpListenerServer {
  readonly connections = new Set<TcpConnection>();
  private readonly front: net.Server;
  private bound: BindAddress | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly proxy: TcpProxy,
    readonly name: string,
    readonly bind: BindAddress,
    public table: TcpPortTable,
  ) {
    // allowHalfOpen: a client's FIN is forwarded upstream while the response keeps flowing.
    this.front = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      const conn = new TcpConnection(this, socket, this.table);
      this.connections.add(conn);
      conn.start();
    });
    this.front.on('error', (err) =>
      this.proxy.deps.logger?.error({ listener: name, err: err.message }, 'tcp listener error'),
    );
  }

  async listen(): Promise<BindAddress> {
    this.bound = await listenOn(this.front, this.bind);
    return this.bound;
  }

  address(): BindAddress | undefined {
    return this.bound;
  }

  /** Stops accepting; open connections get `drainMs` to finish on their own, then are closed. */
  close(drainMs: number): Promise<void> {
    this.closing ??= this.drain(drainMs);
    return this.closing;
  }

  private async drain(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.front.listening) resolve();
      else this.front.close(() => resolve());
    });
    const deadline = Date.now() + drainMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const c of this.connections) c.destroy('drain-timeout');
    await closed;
  }
}

/** One client connection: inspection, routing, upstream connect, then two pumps. */
class TcpConnection {
  private readonly started = performance.now();
  private readonly proxy: TcpProxy;
  /** Where client bytes are read and written: the socket, or the TLS socket over it. */
  private downstream: net.Socket;
  private upstream: net.Socket | undefined;
  private route: CompiledTcpRoute | undefined;
  private series: TcpRouteSeries | undefined;
  private backend: TcpBackend | undefined;
  private lease: PickedEndpoint | undefined;
  private countedCluster = false;
  private connected = false;
  private sni: string | undefined;
  private upstreamAddress: string | undefined;
  private reason: string | undefined;
  private bytesIn = 0;
  private bytesOut = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private downClosed = false;
  private upClosed = true;
  private finished = false;

  constructor(
    private readonly server: TcpListenerServer,
    private readonly socket: net.Socket,
    private readonly table: TcpPortTable,
  ) {
    this.proxy = server.proxy;
    this.downstream = socket;
  }

  start(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('error', () => this.destroy('downstream-error'));
    socket.once('close', () => {
      this.downClosed = true;
      if (this.upstream) closeAfterFlush(this.upstream);
      this.maybeFinish();
    });
    if (!this.table.inspect) {
      this.routeTo(this.table.fallback, undefined);
      return;
    }
    this.inspect();
  }

  /** Reads the ClientHello (without answering it) to learn the server name. */
  private inspect(): void {
    const socket = this.socket;
    let head: Buffer | undefined;
    const stop = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
      this.clearTimer();
    };
    const onData = (chunk: Buffer) => {
      head = head === undefined ? chunk : Buffer.concat([head, chunk]);
      const hello = parseClientHello(head, MAX_CLIENT_HELLO_BYTES);
      if (hello.kind === 'need-more') return;
      stop();
      if (hello.kind === 'invalid') {
        this.reject('invalid-client-hello', hello.reason);
        return;
      }
      let route = this.table.fallback;
      if (hello.kind === 'client-hello' && hello.serverName !== undefined) {
        this.sni = hello.serverName;
        route = this.table.bySni.match(hello.serverName) ?? this.table.fallback;
      }
      this.routeTo(route, head);
    };
    const onEnd = () => {
      stop();
      this.reject('client-closed', 'client closed before a complete ClientHello');
    };
    this.timer = setTimeout(() => {
      stop();
      this.reject('handshake-timeout', 'no complete ClientHello in time');
    }, HANDSHAKE_TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.resume();
  }

  private routeTo(route: CompiledTcpRoute | undefined, head: Buffer | undefined): void {
    if (this.finished) return;
    if (route === undefined) {
      this.reject(
        'no-route',
        this.sni === undefined ? 'no route without SNI' : `no route for SNI ${this.sni}`,
      );
      return;
    }
    this.route = route;
    this.series = this.proxy.metrics.route(route.ir.name);
    this.series.connections.inc();
    this.series.active.inc();
    if (head && !route.secureContext) {
      // Passed through as is: the inspected bytes are route traffic (sent upstream on connect).
      this.bytesIn += head.length;
      this.series.received.inc(head.length);
    }
    if (route.secureContext) this.terminate(route.secureContext, head);
    else this.connectUpstream(head);
  }

  /** TLS termination: a server-side TLS socket over the already-read bytes plus the rest. */
  private terminate(context: tls.SecureContext, head: Buffer | undefined): void {
    // The ClientHello was read in JavaScript; a TLS socket over the raw handle would miss it.
    const stream = new ReplaySocket(this.socket, head, { allowHalfOpen: true });
    const secure = new tls.TLSSocket(stream as unknown as net.Socket, {
      isServer: true,
      secureContext: context,
    });
    this.downstream = secure;
    secure.on('error', () => this.destroy('tls-error'));
    this.timer = setTimeout(() => this.destroy('handshake-timeout'), HANDSHAKE_TIMEOUT_MS);
    secure.once('secure', () => {
      this.clearTimer();
      secure.pause();
      this.connectUpstream(undefined);
    });
  }

  private connectUpstream(head: Buffer | undefined): void {
    const route = this.route as CompiledTcpRoute;
    const backend = pickBackend(route, Math.random());
    this.backend = backend;
    const proxy = this.proxy;
    const open = proxy.activeByCluster.get(backend.cluster) ?? 0;
    if (open >= backend.maxConnections) {
      proxy.deps.metrics.circuitOpen(backend.cluster);
      this.upstreamUnavailable(
        'circuit-open',
        `cluster ${backend.cluster}: maxConnections ${backend.maxConnections} reached`,
      );
      return;
    }
    const picked = proxy.deps.clusters.pick(backend.cluster);
    if ('kind' in picked) {
      this.upstreamUnavailable(picked.reason, picked.message);
      return;
    }
    this.lease = picked;
    this.upstreamAddress = `${picked.host.includes(':') ? `[${picked.host}]` : picked.host}:${picked.port}`;
    proxy.activeByCluster.set(backend.cluster, open + 1);
    this.countedCluster = true;
    const t = backend.upstreamTls;
    const upstream: net.Socket = picked.tls
      ? tls.connect({
          host: picked.host,
          port: picked.port,
          allowHalfOpen: true,
          ...((t?.servername ?? picked.servername) ? { servername: t?.servername ?? picked.servername } : {}),
          ...(t?.ca ? { ca: t.ca } : {}),
          ...(t?.cert ? { cert: t.cert } : {}),
          ...(t?.key ? { key: t.key } : {}),
          rejectUnauthorized: t?.rejectUnauthorized ?? true,
          ...(t && t.alpnProtocols.length > 0 ? { ALPNProtocols: [...t.alpnProtocols] } : {}),
          // tls.connect hands allowHalfOpen to the TLSSocket; @types/node doesn't list it.
        } as tls.ConnectionOptions)
      : net.connect({ host: picked.host, port: picked.port, allowHalfOpen: true });
    this.upstream = upstream;
    this.upClosed = false;
    this.timer = setTimeout(() => {
      this.upstreamUnavailable(
        'timeout',
        `connect to ${picked.host}:${picked.port} timed out after ${backend.connectTimeoutMs} ms`,
      );
    }, backend.connectTimeoutMs);
    upstream.once(picked.tls ? 'secureConnect' : 'connect', () => {
      this.clearTimer();
      if (this.finished || this.downClosed) {
        upstream.destroy();
        return;
      }
      this.connected = true;
      upstream.setNoDelay(true);
      if (backend.keepaliveMs > 0) upstream.setKeepAlive(true, backend.keepaliveMs);
      if (head && !route.secureContext) upstream.write(head);
      this.startPumps();
    });
    upstream.on('error', (err) => {
      if (!this.connected) this.upstreamUnavailable('connect-failure', err.message);
      else this.destroy('upstream-error');
    });
    upstream.once('close', () => {
      this.upClosed = true;
      closeAfterFlush(this.downstream);
      this.maybeFinish();
    });
  }

  private startPumps(): void {
    const down = this.downstream;
    const up = this.upstream as net.Socket;
    const series = this.series as TcpRouteSeries;
    this.idle = setTimeout(
      () => this.closeBoth('idle-timeout'),
      tcpIdleTimeoutMs((this.route as CompiledTcpRoute).ir),
    );
    this.idle.unref();
    pump(down, up, (n) => {
      this.bytesIn += n;
      series.received.inc(n);
      this.idle?.refresh();
    });
    pump(up, down, (n) => {
      this.bytesOut += n;
      series.sent.inc(n);
      this.idle?.refresh();
    });
  }

  /** No upstream for this connection: count it and close the client with a FIN. */
  private upstreamUnavailable(reason: string, message: string): void {
    if (this.finished || this.reason !== undefined) return;
    this.clearTimer();
    const cluster = this.backend?.cluster ?? '';
    this.reason = reason;
    this.proxy.metrics.connectFailure(this.route?.ir.name ?? '', cluster, reason);
    this.proxy.deps.metrics.upstreamError(cluster, reason);
    this.proxy.deps.logger?.warn(
      { listener: this.server.name, route: this.route?.ir.name, cluster, reason, detail: message },
      'tcp upstream unavailable',
    );
    this.lease?.release('failure');
    this.lease = undefined;
    this.upstream?.destroy();
    closeGently(this.downstream);
  }

  /** Closed before routing: count it and close the client. */
  private reject(reason: string, detail: string): void {
    if (this.finished || this.reason !== undefined) return;
    this.reason = reason;
    this.proxy.metrics.reject(this.server.name, reason);
    this.proxy.deps.logger?.debug({ listener: this.server.name, reason, detail }, 'tcp connection rejected');
    if (reason === 'no-route') closeGently(this.socket);
    else this.socket.destroy();
  }

  /** Ends both directions (idle timeout): FINs first, a reset if the peers don't answer. */
  private closeBoth(reason: string): void {
    this.reason ??= reason;
    closeGently(this.downstream);
    if (this.upstream) closeGently(this.upstream);
  }

  /** Tears the connection down now (errors, drain deadline). */
  destroy(reason: string): void {
    this.reason ??= reason;
    this.clearTimer();
    this.upstream?.destroy();
    this.downstream.destroy();
    this.socket.destroy();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private maybeFinish(): void {
    if (this.finished || !this.downClosed || !this.upClosed) return;
    this.finished = true;
    this.clearTimer();
    if (this.idle !== undefined) clearTimeout(this.idle);
    const proxy = this.proxy;
    if (this.lease) this.lease.release(this.connected ? 'success' : 'failure');
    if (this.countedCluster && this.backend) {
      const n = (proxy.activeByCluster.get(this.backend.cluster) ?? 1) - 1;
      if (n <= 0) proxy.activeByCluster.delete(this.backend.cluster);
      else proxy.activeByCluster.set(this.backend.cluster, n);
    }
    this.series?.active.dec();
    this.server.connections.delete(this);
    const log = proxy.deps.accessLog;
    if (log.sampled()) {
      const entry: TcpAccessLogEntry = {
        protocol: 'tcp',
        listener: this.server.name,
        client: `${this.socket.remoteAddress ?? ''}:${this.socket.remotePort ?? ''}`,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        durationMs: Math.round((performance.now() - this.started) * 1000) / 1000,
      };
      if (this.route) entry.route = this.route.ir.name;
      if (this.backend) entry.cluster = this.backend.cluster;
      if (this.upstreamAddress !== undefined) entry.upstream = this.upstreamAddress;
      if (this.sni !== undefined) entry.sni = this.sni;
      if (this.reason !== undefined) entry.reason = this.reason;
      log.write(entry);
    }
  }
}

/** Copies `from` into `to` with backpressure; `from`'s end becomes `to`'s end (half-close). */
function pump(from: net.Socket, to: net.Socket, onBytes: (n: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    // The other side is closing: what the peer still sends has nowhere to go.
    if (to.destroyed || to.writableEnded) return;
    onBytes(chunk.length);
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.once('end', () => {
    if (!to.destroyed && !to.writableEnded) to.end();
  });
  from.resume();
}

/**
 * The other side of the connection closed: send what is buffered and a FIN, then give the peer
 * {@link LINGER_MS} to close its side before resetting (Envoy closes the downstream connection
 * when the upstream one closes, and the other way round, after flushing).
 */
function closeAfterFlush(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (!socket.writableEnded) socket.end();
  if (socket.writableFinished) lingerThenDestroy(socket);
  else socket.once('finish', () => lingerThenDestroy(socket));
}

/** Closes with a FIN (input discarded), resetting only if the peer doesn't close in time. */
function closeGently(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.removeAllListeners('data');
  socket.on('data', noop);
  socket.resume();
  if (!socket.writableEnded) socket.end();
  lingerThenDestroy(socket);
}

const lingering = new WeakSet<net.Socket>();

function lingerThenDestroy(socket: net.Socket): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const t = setTimeout(() => socket.destroy(), LINGER_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

function noop(): void {}
