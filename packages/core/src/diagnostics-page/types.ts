import type { Diagnostic } from '../diagnostics.js';
import type { ResourceRef } from '../ir/types.js';

/** One backend of a route row with the share of the route's traffic it really receives. */
export interface BackendShare {
  cluster: string;
  /** The integer weight as compiled (0–100). */
  weight: number;
  /**
   * Percent of the traffic matching this path on this virtual host that reaches this backend,
   * after canary splits across routes (`match.fraction`) and weights. A weight of 0 is 0%, and a
   * route whose weights are all 0 sends nothing (0% for each backend).
   */
  effectivePercent: number;
  hostRewrite?: string;
}

/** One row of the route table, in match order. */
export interface RouteRow {
  /** IR route name (unique within the IR). */
  name: string;
  /** Stats name used for live request counts. */
  statsName: string;
  listener: string;
  /** Domains of the virtual host this route belongs to. */
  hosts: string[];
  /** Human-readable match, e.g. `prefix /backend/` plus headers and query conditions. */
  match: string;
  /** `forward`, `redirect` or `direct`. */
  action: 'forward' | 'redirect' | 'direct';
  /** Backends with effective shares (forward routes); empty otherwise. */
  backends: BackendShare[];
  /** Path rewrite, e.g. `prefix → /quote/`. */
  rewrite?: string;
  /** Literal authority sent upstream. */
  hostRewrite?: string;
  /** Redirect target or direct response, for non-forward routes. */
  target?: string;
  /** Local rate limit, e.g. `5 / 60s (burst 5)`. */
  rateLimit?: string;
  grpc: boolean;
  sources: ResourceRef[];
}

/** One endpoint of a cluster row. */
export interface EndpointRow {
  address: string;
  /** `healthy`, `unhealthy`, `ejected`, `draining` or `unknown` (never checked). */
  health: 'healthy' | 'unhealthy' | 'ejected' | 'draining' | 'unknown';
  activeRequests?: number;
}

/** One row of the cluster table. */
export interface ClusterRow {
  name: string;
  service: string;
  /** `static`, `dns host:port`, or `eds name`. */
  discovery: string;
  protocol: string;
  lbPolicy: string;
  endpoints: EndpointRow[];
  /** Circuit-breaker limits from the IR (default priority). */
  limits?: { maxConnections: number; maxPendingRequests: number; maxRequests: number; maxRetries: number };
  /** Live breaker state when the data plane knows it (the in-process proxy does; xDS does not). */
  breaker?: { open: boolean; activeRequests: number; pendingRequests: number; activeRetries: number };
}

/** One configuration apply, as kept in the history. */
export interface ApplyRecord {
  /** ISO-8601 time of the apply. */
  at: string;
  /** IR version offered. */
  offered: string;
  /** Version running after the apply (the previous one when rejected). */
  version: string;
  accepted: boolean;
  errors: number;
  warnings: number;
}

/** A client rejecting a pushed configuration (xDS NACK). */
export interface NackRecord {
  at: string;
  /** The client's node id. */
  client: string;
  /** Resource kind the client rejected, e.g. `Listener`. */
  kind: string;
  rejectedVersion: string;
  /** The version the client keeps running. */
  keptVersion: string;
  message: string;
}

/** A connected xDS client, for the xDS flavour of the page. */
export interface ClientRow {
  client: string;
  flavor: string;
  userAgent: string;
}

/**
 * Everything the diagnostics page shows, as plain JSON (also served as `/diag.json`). Adapters
 * build it from their own state; core renders it.
 */
export interface DiagnosticsSnapshot {
  /** `proxy` (in-process data plane) or `xds` (ADS server). */
  plane: 'proxy' | 'xds';
  /** ISO-8601 time the snapshot was taken. */
  generatedAt: string;
  /** IR version being served; '' before the first accepted config. */
  version: string;
  routes: RouteRow[];
  clusters: ClusterRow[];
  /** Requests per route stats name since start, when the plane counts them (proxy). */
  requestCounts?: Record<string, number>;
  /** Most recent applies first. */
  history: ApplyRecord[];
  /** Resource errors and warnings of the latest load/compile/apply, in their order. */
  errors: Diagnostic[];
  /** Most recent NACKs first (xDS). */
  nacks: NackRecord[];
  clients?: ClientRow[];
}
