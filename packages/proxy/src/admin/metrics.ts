import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import {
  type CounterSeries,
  FastCounter,
  FastHistogram,
  type HistogramSeries,
  registerFast,
} from './fast-metrics.js';

/**
 * Prometheus metrics, one registry per gateway (two gateways in one process don't collide).
 * Label children are resolved once per route/cluster and status class and cached, so recording a
 * request is a few increments, not a label-hash lookup.
 */
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

function statusClass(status: number): number {
  const c = Math.floor(status / 100) - 1;
  return c < 0 || c > 4 ? 4 : c;
}

/** Per-route metric handles, attached to the compiled route. */
export interface RouteMetrics {
  requests: CounterSeries[];
  duration: HistogramSeries;
}

export interface ClusterMetrics {
  requests: CounterSeries[];
  duration: HistogramSeries;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly routeRequests: FastCounter;
  private readonly routeDuration: FastHistogram;
  private readonly clusterRequests: FastCounter;
  private readonly clusterDuration: FastHistogram;
  private readonly upstreamErrors: Counter<'cluster' | 'reason'>;
  private readonly retries: Counter<'cluster'>;
  private readonly breakerOpens: Counter<'cluster'>;
  private readonly ejections: Counter<'cluster'>;
  private readonly reloads: Counter<'result'>;
  private readonly downstreamRejects: Counter<'reason'>;
  readonly mirrors: Counter<'result'>;
  readonly configInfo: Gauge<'version'>;
  readonly activeRequests: Gauge;
  private readonly routeCache = new Map<string, RouteMetrics>();
  private readonly clusterCache = new Map<string, ClusterMetrics>();

  constructor(opts: { defaultMetrics?: boolean; inflight?: () => number } = {}) {
    const inflight = opts.inflight;
    const registers = [this.registry];
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.routeRequests = new FastCounter(
      'gateway_route_requests_total',
      'Requests by route and response status class.',
    );
    this.routeDuration = new FastHistogram(
      'gateway_route_request_duration_seconds',
      'Downstream request duration by route, first byte in to last byte out.',
      buckets,
    );
    this.clusterRequests = new FastCounter(
      'gateway_cluster_requests_total',
      'Upstream requests by cluster and status class.',
    );
    this.clusterDuration = new FastHistogram(
      'gateway_cluster_upstream_duration_seconds',
      'Time to upstream response headers by cluster.',
      buckets,
    );
    for (const m of [this.routeRequests, this.routeDuration, this.clusterRequests, this.clusterDuration])
      registerFast(this.registry, m);
    this.upstreamErrors = new Counter({
      name: 'gateway_cluster_upstream_errors_total',
      help: 'Upstream failures by cluster and reason (connect-failure, timeout, reset, circuit-open, ...).',
      labelNames: ['cluster', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'gateway_cluster_retries_total',
      help: 'Upstream retries by cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.breakerOpens = new Counter({
      name: 'gateway_cluster_circuit_breaker_open_total',
      help: 'Requests refused because a circuit breaker was open, by cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.ejections = new Counter({
      name: 'gateway_cluster_outlier_ejections_total',
      help: 'Endpoints ejected by outlier detection, by cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.reloads = new Counter({
      name: 'gateway_config_reloads_total',
      help: 'Configuration applies by result (accepted, rejected).',
      labelNames: ['result'],
      registers,
    });
    this.downstreamRejects = new Counter({
      name: 'gateway_downstream_rejected_total',
      help: 'Requests rejected by the gateway before routing (bad path, smuggling, limits).',
      labelNames: ['reason'],
      registers,
    });
    this.mirrors = new Counter({
      name: 'gateway_mirror_requests_total',
      help: 'Shadowed requests by result (sent, dropped).',
      labelNames: ['result'],
      registers,
    });
    this.configInfo = new Gauge({
      name: 'gateway_config_info',
      help: 'The IR version being served (value 1).',
      labelNames: ['version'],
      registers,
    });
    this.activeRequests = new Gauge({
      name: 'gateway_downstream_active_requests',
      help: 'Requests in flight.',
      registers,
      collect() {
        if (inflight) this.set(inflight());
      },
    });
    if (opts.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'gateway_process_' });
  }

  route(statsName: string): RouteMetrics {
    let m = this.routeCache.get(statsName);
    if (!m) {
      m = {
        requests: STATUS_CLASSES.map((c) =>
          this.routeRequests.series_(`${statsName}\u0000${c}`, { route: statsName, status_class: c }),
        ),
        duration: this.routeDuration.series_(statsName, { route: statsName }),
      };
      this.routeCache.set(statsName, m);
    }
    return m;
  }

  cluster(name: string): ClusterMetrics {
    let m = this.clusterCache.get(name);
    if (!m) {
      m = {
        requests: STATUS_CLASSES.map((c) =>
          this.clusterRequests.series_(`${name}\u0000${c}`, { cluster: name, status_class: c }),
        ),
        duration: this.clusterDuration.series_(name, { cluster: name }),
      };
      this.clusterCache.set(name, m);
    }
    return m;
  }

  recordRoute(m: RouteMetrics, status: number, seconds: number): void {
    (m.requests[statusClass(status)] as CounterSeries).value++;
    m.duration.observe(seconds);
  }

  recordCluster(m: ClusterMetrics, status: number, seconds: number): void {
    (m.requests[statusClass(status)] as CounterSeries).value++;
    m.duration.observe(seconds);
  }

  upstreamError(cluster: string, reason: string): void {
    this.upstreamErrors.labels(cluster, reason).inc();
  }

  retry(cluster: string): void {
    this.retries.labels(cluster).inc();
  }

  circuitOpen(cluster: string): void {
    this.breakerOpens.labels(cluster).inc();
  }

  ejected(cluster: string): void {
    this.ejections.labels(cluster).inc();
  }

  reload(accepted: boolean, version: string, previous: string | undefined): void {
    this.reloads.labels(accepted ? 'accepted' : 'rejected').inc();
    if (accepted) {
      if (previous !== undefined && previous !== version) this.configInfo.remove(previous);
      this.configInfo.labels(version).set(1);
    }
  }

  rejected(reason: string): void {
    this.downstreamRejects.labels(reason).inc();
  }

  /**
   * Forgets handle caches of routes/clusters no longer in the config, so a new route with a
   * reused name starts from the same series. Series themselves are kept: counters must not go
   * backwards for a scraper while old requests may still finish.
   */
  prune(liveRoutes: ReadonlySet<string>, liveClusters: ReadonlySet<string>): void {
    for (const name of this.routeCache.keys()) if (!liveRoutes.has(name)) this.routeCache.delete(name);
    for (const name of this.clusterCache.keys()) if (!liveClusters.has(name)) this.clusterCache.delete(name);
  }
}
