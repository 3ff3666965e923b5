import type {
  GatewayIR,
  IRCluster,
  IRHeaderMatch,
  IRPathRewrite,
  IRQueryMatch,
  IRRoute,
  IRStringMatch,
} from '../ir/types.js';
import type { BackendShare, ClusterRow, EndpointRow, RouteRow } from './types.js';

function stringMatch(m: IRStringMatch): string {
  if ('regex' in m) return `~ ${m.regex}`;
  const ci = m.ignoreCase ? ' (any case)' : '';
  if ('exact' in m) return `= ${m.exact}${ci}`;
  if ('prefix' in m) return `^= ${m.prefix}${ci}`;
  if ('suffix' in m) return `$= ${m.suffix}${ci}`;
  return `*= ${m.contains}${ci}`;
}

function headerMatch(h: IRHeaderMatch): string {
  const cond = h.match ? `${h.name} ${stringMatch(h.match)}` : `${h.name} present`;
  return h.invert ? `not(${cond})` : cond;
}

function queryMatch(q: IRQueryMatch): string {
  return q.match ? `?${q.name} ${stringMatch(q.match)}` : `?${q.name} present`;
}

/** The route's match as one line: path, then header and query conditions. */
export function describeMatch(route: IRRoute): string {
  const m = route.match;
  const parts = [`${m.path.kind} ${m.path.value}`];
  if (!m.caseSensitive) parts.push('(any case)');
  for (const h of m.headers) parts.push(headerMatch(h));
  for (const q of m.queryParams) parts.push(queryMatch(q));
  if (m.secure !== undefined) parts.push(m.secure ? 'secure only' : 'insecure only');
  return parts.join(' · ');
}

function describeRewrite(r: IRPathRewrite): string {
  if (r.kind === 'regex') return `regex ${r.pattern} → ${r.substitution}`;
  return `${r.kind} → ${r.value}`;
}

/** Rounds to at most two decimals without float noise (33.333… → 33.33). */
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * The route table in match order, one row per IR route, with each backend's EFFECTIVE share of
 * the traffic: canary members split across routes (by `match.fraction`) and weights within a
 * route are combined, so a 90/10 canary shows 90% and 10% wherever it was compiled, and a weight
 * of 0 shows 0% (never 100%: an all-zero route sends nothing).
 *
 * @example
 * ```ts
 * const { ir } = compileYaml(text);
 * for (const row of describeRoutes(ir)) {
 *   console.log(row.match, row.backends.map((b) => `${b.cluster} ${b.effectivePercent}%`).join(', '));
 * }
 * ```
 */
export function describeRoutes(ir: GatewayIR): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const listener of ir.listeners) {
    for (const vh of listener.virtualHosts) {
      // A request draws r in [0,100) once; route i of a split group matches when r < fraction_i
      // and no earlier member matched, so its share is fraction_i minus the largest earlier one.
      const claimed = new Map<string, number>();
      for (const route of vh.routes) {
        const before = claimed.get(route.group) ?? 0;
        const upTo = Math.min(100, route.match.fraction ?? 100);
        const routeShare = Math.max(0, upTo - before);
        claimed.set(route.group, Math.max(before, upTo));
        rows.push(routeRow(route, listener.name, vh.domains, routeShare));
      }
    }
  }
  return rows;
}

function routeRow(route: IRRoute, listener: string, hosts: string[], routeShare: number): RouteRow {
  const row: RouteRow = {
    name: route.name,
    statsName: route.statsName || route.name,
    listener,
    hosts: [...hosts],
    match: describeMatch(route),
    action: route.action.kind,
    backends: [],
    grpc: false,
    sources: route.sources.map((s) => ({ ...s })),
  };
  const a = route.action;
  if (a.kind === 'forward') {
    const total = a.clusters.reduce((sum, c) => sum + Math.max(0, c.weight), 0);
    row.backends = a.clusters.map((c): BackendShare => {
      const share: BackendShare = {
        cluster: c.cluster,
        weight: c.weight,
        effectivePercent: total > 0 ? round2((routeShare * Math.max(0, c.weight)) / total) : 0,
      };
      if (c.hostRewrite !== undefined) share.hostRewrite = c.hostRewrite;
      return share;
    });
    if (a.rewrite) row.rewrite = describeRewrite(a.rewrite);
    if (a.hostRewrite !== undefined) row.hostRewrite = a.hostRewrite;
    else if (a.autoHostRewrite) row.hostRewrite = '(endpoint host)';
    row.grpc = a.grpc;
  } else if (a.kind === 'redirect') {
    const scheme = a.scheme ? `${a.scheme}://` : '';
    const host = a.host ?? '';
    const port = a.port !== undefined ? `:${a.port}` : '';
    const path = a.path ? ` ${describeRewrite(a.path)}` : '';
    row.target = `${a.statusCode} ${scheme}${host}${port}${path}`.trim();
  } else {
    row.target = `${a.status}${a.contentType ? ` ${a.contentType}` : ''}`;
  }
  const lrl = route.localRateLimit;
  if (lrl) {
    const seconds = lrl.fillIntervalMs / 1000;
    row.rateLimit = `${lrl.tokensPerFill} / ${seconds}s (burst ${lrl.maxTokens})${lrl.shared ? ' shared' : ''}`;
  }
  return row;
}

function discovery(c: IRCluster): { text: string; endpoints: EndpointRow[] } {
  const d = c.discovery;
  if (d.kind === 'dns') return { text: `dns ${d.host}:${d.port}`, endpoints: [] };
  const endpoints = d.endpoints.map(
    (e): EndpointRow => ({ address: `${e.address}:${e.port}`, health: e.health }),
  );
  return { text: d.kind === 'eds' ? `eds ${d.serviceName}` : 'static', endpoints };
}

/**
 * The cluster table from the IR alone: discovery, endpoints with the health the IR knows, and the
 * default-priority circuit-breaker limits. Adapters overlay live state (health, breaker) on it.
 *
 * @example
 * ```ts
 * const rows = describeClusters(ir); // [{ name: 'cluster_quote_default', discovery: 'dns quote:80', ... }]
 * ```
 */
export function describeClusters(ir: GatewayIR): ClusterRow[] {
  return ir.clusters.map((c) => {
    const d = discovery(c);
    const row: ClusterRow = {
      name: c.name,
      service: c.service,
      discovery: d.text,
      protocol: c.protocol,
      lbPolicy: c.lbPolicy,
      endpoints: d.endpoints,
    };
    const cb = c.circuitBreakers.find((b) => b.priority === 'default') ?? c.circuitBreakers[0];
    if (cb) {
      row.limits = {
        maxConnections: cb.maxConnections,
        maxPendingRequests: cb.maxPendingRequests,
        maxRequests: cb.maxRequests,
        maxRetries: cb.maxRetries,
      };
    }
    return row;
  });
}
