import { isIP } from 'node:net';
import type { Diagnostic, IRCluster, IRSecret } from '@gateway/core';
import { stableStringify } from '@gateway/core';
import { breakerLimitsFor, CircuitBreaker } from './circuit-breaker.js';
import { DnsDiscovery, overrideFor } from './dns.js';
import type { UpstreamEvents } from './events.js';
import { HealthChecker } from './health-check.js';
import { createLoadBalancer, type LbEndpoint, type LoadBalancer } from './load-balancers/index.js';
import { OutlierDetector, type OutlierState } from './outlier-detection.js';
import {
  createEndpointPool,
  type PoolConfig,
  poolConfigKey,
  poolMode,
  type UpstreamDispatcher,
} from './pool.js';
import { resolveUpstreamTls, serviceHost } from './tls.js';
import type { ClusterStats, ResolveMap } from './types.js';

/** Everything derived from one IR cluster before any connection exists. */
export interface ClusterSpec {
  readonly ir: IRCluster;
  /** Equal fingerprints = nothing to do on update (cluster, TLS material and override all equal). */
  readonly fingerprint: string;
  readonly poolConfig: PoolConfig;
  readonly poolKey: string;
  /** Name used for SNI, health-check Host and `autoHostRewrite` when an endpoint has no name of its own. */
  readonly defaultHost: string | undefined;
  readonly override: { host: string; port: number } | undefined;
  readonly diagnostics: Diagnostic[];
}

/**
 * Derives a cluster's runtime settings from the IR: TLS material, pool settings, the `--resolve`
 * override and a fingerprint for change detection.
 */
export function prepareCluster(
  ir: IRCluster,
  secrets: ReadonlyMap<string, IRSecret>,
  resolve: ResolveMap | undefined,
): ClusterSpec {
  const d = ir.discovery;
  const defaultHost = d.kind === 'dns' ? d.host : serviceHost(ir.service);
  const { tls, diagnostics } = resolveUpstreamTls(ir, secrets, defaultHost);
  const limits = breakerLimitsFor(ir.circuitBreakers, 'default');
  const poolConfig: PoolConfig = {
    mode: poolMode(ir),
    connectTimeoutMs: ir.connectTimeoutMs,
    idleTimeoutMs: ir.idleTimeoutMs,
    maxConnectionLifetimeMs: ir.maxConnectionLifetimeMs,
    connections: limits.maxConnections,
    tcpKeepaliveDelayMs: (ir.tcpKeepalive?.idleTimeS ?? 0) * 1000,
  };
  if (tls) poolConfig.tls = tls;
  const override = overrideFor(ir, resolve);
  const poolKey = poolConfigKey(poolConfig);
  const fingerprint = `${stableStringify(ir)}|${poolKey}|${override ? `${override.host}:${override.port}` : ''}`;
  return { ir, fingerprint, poolConfig, poolKey, defaultHost, override, diagnostics };
}

/** One upstream host:port of a cluster, with its pool and its health, ejection and load counters. */
export class Endpoint implements LbEndpoint, OutlierState {
  readonly host: string;
  readonly port: number;
  /** `host:port` (IPv6 bracketed). */
  readonly address: string;
  readonly weight: number;
  readonly zone: string;
  /** Name for SNI / `autoHostRewrite`: the DNS name the address came from, else the host. */
  readonly hostName: string;
  /** False when the IR marks the endpoint unhealthy or draining. */
  readonly discoveryHealthy: boolean;
  readonly pool: UpstreamDispatcher;
  /** The pool's configuration key (reuse across updates requires equal keys). */
  readonly poolKey: string;
  private h2Pool: UpstreamDispatcher | null = null;
  private readonly poolConfig: PoolConfig;

  activeRequests = 0;
  /** Active health checks currently failing for this endpoint. */
  checksFailing = 0;
  /** Set when a newer cluster version took over this endpoint's pool (so draining must not close it). */
  adopted = false;

  ejected = false;
  consecutive5xx = 0;
  consecutiveGatewayFailures = 0;
  ejectionCount = 0;
  lastUnejectedAt = 0;
  ejectionTimer: NodeJS.Timeout | null = null;

  constructor(
    init: {
      host: string;
      port: number;
      weight: number;
      zone: string;
      hostName: string;
      discoveryHealthy: boolean;
    },
    poolConfig: PoolConfig,
    poolKey: string,
    pool: UpstreamDispatcher | undefined,
  ) {
    this.host = init.host;
    this.port = init.port;
    this.address = isIP(init.host) === 6 ? `[${init.host}]:${init.port}` : `${init.host}:${init.port}`;
    this.weight = init.weight;
    this.zone = init.zone;
    this.hostName = init.hostName;
    this.discoveryHealthy = init.discoveryHealthy;
    this.poolConfig = poolConfig;
    this.poolKey = poolKey;
    this.pool = pool ?? createEndpointPool(init.host, init.port, poolConfig);
  }

  /** Routable now: healthy by discovery and by every active check, not ejected, weight > 0. */
  get available(): boolean {
    return this.discoveryHealthy && this.checksFailing === 0 && !this.ejected && this.weight > 0;
  }

  /** The dispatcher for a request: gRPC needs HTTP/2 even on a cluster whose default is HTTP/1.1. */
  dispatcher(grpc: boolean): UpstreamDispatcher {
    if (!grpc || this.poolConfig.mode === 'h2') return this.pool;
    if (this.h2Pool === null) {
      this.h2Pool = createEndpointPool(this.host, this.port, { ...this.poolConfig, mode: 'h2' });
    }
    return this.h2Pool;
  }

  /** Closes the pools once in-flight requests finish; destroys them after `drainMs`. */
  drain(drainMs: number): Promise<void> {
    const pools: UpstreamDispatcher[] = [];
    if (!this.adopted) pools.push(this.pool);
    if (this.h2Pool) pools.push(this.h2Pool);
    return drainPools(pools, drainMs);
  }
}

/** Graceful close with a deadline: `close()` waits for in-flight requests; `destroy()` after `drainMs`. */
export async function drainPools(pools: UpstreamDispatcher[], drainMs: number): Promise<void> {
  if (pools.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const closing = Promise.all(pools.map((p) => p.close().catch(() => {})));
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(
      () => {
        Promise.all(pools.map((p) => p.destroy().catch(() => {}))).then(() => resolve());
      },
      Math.max(0, drainMs),
    );
    timer.unref();
  });
  await Promise.race([closing, deadline]);
  clearTimeout(timer);
}

/** Settings the manager passes down to every cluster. */
export interface ClusterRuntimeOptions {
  dnsRefreshMs: number;
  drainTimeoutMs: number;
}

const EMPTY_BALANCER: LoadBalancer<Endpoint> = { pick: () => undefined };

/**
 * The live state of one cluster: endpoints and their pools, the load balancer over the available
 * ones, circuit breakers per priority, and (when configured) DNS discovery, active health checks
 * and outlier detection. Replaced as a whole when the cluster's definition changes.
 */
export class ClusterRuntime {
  readonly name: string;
  readonly spec: ClusterSpec;
  endpoints: Endpoint[] = [];
  readonly breakers: { default: CircuitBreaker; high: CircuitBreaker };
  readonly outlier: OutlierDetector<Endpoint> | undefined;
  /** Set while the first DNS resolution is pending and there are no endpoints yet. */
  ready: Promise<void> | null = null;
  /** Why there are no endpoints (DNS failure), for the failure message. */
  discoveryError: string | undefined;
  /** Set when the cluster can't be used at all (e.g. missing TLS secret). */
  readonly configError: string | undefined;

  private lb: LoadBalancer<Endpoint> = EMPTY_BALANCER;
  private readonly events: UpstreamEvents;
  private readonly options: ClusterRuntimeOptions;
  private readonly health: HealthChecker<Endpoint> | undefined;
  private readonly dns: DnsDiscovery | undefined;
  private closed = false;

  constructor(
    spec: ClusterSpec,
    events: UpstreamEvents,
    options: ClusterRuntimeOptions,
    previous?: ClusterRuntime,
  ) {
    this.name = spec.ir.name;
    this.spec = spec;
    this.events = events;
    this.options = options;
    const ir = spec.ir;
    this.breakers = {
      default: new CircuitBreaker(breakerLimitsFor(ir.circuitBreakers, 'default')),
      high: new CircuitBreaker(breakerLimitsFor(ir.circuitBreakers, 'high')),
    };
    const errors = spec.diagnostics.filter((d) => d.severity === 'error');
    this.configError =
      errors.length > 0
        ? `cluster ${this.name} is unusable: ${errors.map((d) => `${d.path}: ${d.message}`).join('; ')}`
        : undefined;
    if (this.configError !== undefined) {
      this.outlier = undefined;
      this.health = undefined;
      this.dns = undefined;
      return;
    }

    this.outlier = ir.outlierDetection
      ? new OutlierDetector<Endpoint>(ir.outlierDetection, {
          endpoints: () => this.endpoints,
          ejected: (ep, reason, ms) => {
            this.rebuild();
            this.events.emit('ejected', this.name, `${ep.address} ejected for ${ms} ms: ${reason}`);
          },
          unejected: (ep) => {
            this.rebuild();
            this.events.emit('unejected', this.name, `${ep.address} returned to load balancing`);
          },
        })
      : undefined;

    this.health =
      ir.healthChecks.length > 0
        ? new HealthChecker<Endpoint>(ir.healthChecks, spec.poolConfig, spec.defaultHost, {
            changed: (ep, index, failing, detail) => {
              ep.checksFailing += failing ? 1 : -1;
              this.rebuild();
              this.events.emit(
                'health-changed',
                this.name,
                `${ep.address} ${failing ? 'unhealthy' : 'healthy'} (check ${index}: ${detail})`,
              );
            },
          })
        : undefined;

    const carried = previous && !previous.closed ? previous : undefined;
    const sameChecks =
      carried !== undefined &&
      stableStringify(carried.spec.ir.healthChecks) === stableStringify(ir.healthChecks);
    const d = ir.discovery;
    if (spec.override) {
      this.setEndpoints(
        [{ host: spec.override.host, port: spec.override.port, weight: 1, zone: '', health: 'unknown' }],
        carried,
        sameChecks,
      );
      this.dns = undefined;
    } else if (d.kind === 'dns') {
      const toEndpoints = (addresses: readonly string[]) =>
        addresses.map((a) => ({ host: a, port: d.port, weight: 1, zone: '', health: 'unknown' as const }));
      this.dns = new DnsDiscovery(d, ir.dnsLookupFamily, options.dnsRefreshMs, {
        addresses: (addresses) => {
          this.discoveryError = undefined;
          this.setEndpoints(toEndpoints(addresses), this.closed ? undefined : this, true);
        },
        error: (err) => {
          if (this.endpoints.length === 0)
            this.discoveryError = `DNS lookup of ${d.host} failed: ${err.message}`;
          this.events.emit('upstream-error', this.name, `DNS lookup of ${d.host} failed: ${err.message}`);
        },
      });
      // Start from the previous version's answer when it resolved the same name, so a reload
      // doesn't make requests wait for DNS.
      const prevDns = carried?.spec.ir.discovery;
      if (
        carried &&
        prevDns?.kind === 'dns' &&
        prevDns.host === d.host &&
        prevDns.port === d.port &&
        !carried.spec.override
      ) {
        const addresses = carried.endpoints.map((e) => e.host);
        this.dns.seed(addresses);
        this.setEndpoints(toEndpoints(addresses), carried, sameChecks);
      }
      const first = this.dns.start();
      if (this.endpoints.length === 0) {
        this.ready = first.then(() => {
          this.ready = null;
        });
      }
    } else {
      this.setEndpoints(
        d.endpoints.map((e) => ({
          host: e.address,
          port: e.port,
          weight: e.weight,
          zone: e.zone,
          health: e.health,
        })),
        carried,
        sameChecks,
      );
      this.dns = undefined;
    }
  }

  /** Replaces the endpoint set, reusing pools (and health state) of endpoints that stay. */
  private setEndpoints(
    list: ReadonlyArray<{ host: string; port: number; weight: number; zone: string; health: string }>,
    from: ClusterRuntime | undefined,
    carryHealth: boolean,
  ): void {
    const spec = this.spec;
    const dnsHost = spec.ir.discovery.kind === 'dns' ? spec.ir.discovery.host : undefined;
    const reusable = new Map<string, Endpoint>();
    if (from) for (const e of from.endpoints) reusable.set(`${e.host}|${e.port}`, e);
    const next: Endpoint[] = [];
    const seen = new Set<string>();
    for (const item of list) {
      const key = `${item.host}|${item.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const old = reusable.get(key);
      const samePool = old !== undefined && old.poolKey === spec.poolKey && !old.adopted;
      let ep: Endpoint;
      if (from === this && old !== undefined) {
        ep = old;
      } else {
        ep = new Endpoint(
          {
            host: item.host,
            port: item.port,
            weight: Math.max(0, item.weight),
            zone: item.zone,
            hostName: dnsHost ?? (isIP(item.host) === 0 ? item.host : (spec.defaultHost ?? item.host)),
            discoveryHealthy: item.health !== 'unhealthy' && item.health !== 'draining',
          },
          spec.poolConfig,
          spec.poolKey,
          samePool ? old.pool : undefined,
        );
        if (samePool) old.adopted = true;
        const failing = carryHealth && old ? from?.health?.failingFlags(old) : undefined;
        if (failing) ep.checksFailing = failing.filter(Boolean).length;
        this.health?.add(ep, failing);
      }
      next.push(ep);
    }
    if (from === this) {
      // Endpoints that left this cluster: stop probing and drain their pools.
      for (const old of this.endpoints) {
        if (next.includes(old)) continue;
        this.health?.remove(old);
        if (old.ejectionTimer) clearTimeout(old.ejectionTimer);
        void old.drain(this.options.drainTimeoutMs);
      }
    }
    this.endpoints = next;
    this.rebuild();
  }

  /** Rebuilds the load balancer over the endpoints that are available now. */
  rebuild(): void {
    const available = this.endpoints.filter((e) => e.available);
    this.lb = createLoadBalancer(this.spec.ir.lbPolicy, available);
  }

  pick(hashKey: string | undefined): Endpoint | undefined {
    return this.lb.pick(hashKey);
  }

  breaker(priority: 'default' | 'high' | undefined): CircuitBreaker {
    return priority === 'high' ? this.breakers.high : this.breakers.default;
  }

  /** Why `pick` found nothing, for the failure message. */
  noEndpointMessage(): string {
    if (this.discoveryError) return `cluster ${this.name}: ${this.discoveryError}`;
    if (this.endpoints.length === 0) return `cluster ${this.name} has no endpoints`;
    let unhealthy = 0;
    let ejected = 0;
    for (const e of this.endpoints) {
      if (e.ejected) ejected++;
      else if (!e.available) unhealthy++;
    }
    return `cluster ${this.name}: no healthy endpoint (${this.endpoints.length} endpoints, ${unhealthy} unhealthy, ${ejected} ejected)`;
  }

  stats(): ClusterStats {
    const b = this.breakers.default;
    return {
      name: this.name,
      endpoints: this.endpoints.map((e) => ({
        address: e.address,
        healthy: e.discoveryHealthy && e.checksFailing === 0,
        ejected: e.ejected,
        activeRequests: e.activeRequests,
      })),
      circuitBreaker: {
        open: b.open,
        activeRequests: b.activeRequests,
        pendingRequests: b.pendingRequests,
        activeRetries: b.activeRetries,
      },
    };
  }

  /** Stops timers and probes, then closes pools after in-flight requests finish (bounded by `drainTimeoutMs`). */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.dns?.stop();
    this.health?.stop();
    this.outlier?.stop();
    return Promise.all(this.endpoints.map((e) => e.drain(this.options.drainTimeoutMs))).then(() => {});
  }
}
