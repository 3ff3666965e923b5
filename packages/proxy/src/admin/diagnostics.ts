import type http from 'node:http';
import {
  type ClusterRow,
  type DiagnosticsHistory,
  type DiagnosticsSnapshot,
  describeClusters,
  describeRoutes,
  diagnosticsPageResponse,
  type GatewayIR,
} from '@gateway/core';
import type { ClusterStats } from '../upstream/types.js';
import type { GatewayMetrics } from './metrics.js';

/** What the proxy's diagnostics page reads. */
export interface ProxyDiagnosticsSource {
  ir(): GatewayIR | undefined;
  history: DiagnosticsHistory;
  metrics: GatewayMetrics;
  clusterStats(): ClusterStats[];
}

function overlayLive(rows: ClusterRow[], stats: ClusterStats[]): ClusterRow[] {
  const byName = new Map(stats.map((s) => [s.name, s]));
  return rows.map((row) => {
    const live = byName.get(row.name);
    if (!live) return row;
    return {
      ...row,
      // Live endpoints win: they include `--resolve` targets and DNS answers the IR cannot know.
      endpoints: live.endpoints.map((e) => ({
        address: e.address,
        health: e.ejected ? 'ejected' : e.healthy ? 'healthy' : 'unhealthy',
        activeRequests: e.activeRequests,
      })),
      breaker: { ...live.circuitBreaker },
    };
  });
}

/** Builds the JSON snapshot behind `/diag` and `/diag.json` from the gateway's live state. */
export function proxyDiagnosticsSnapshot(source: ProxyDiagnosticsSource): DiagnosticsSnapshot {
  const ir = source.ir();
  const routes = ir ? describeRoutes(ir) : [];
  const requestCounts: Record<string, number> = {};
  for (const r of routes) {
    const m = source.metrics.route(r.statsName);
    requestCounts[r.statsName] = m.requests.reduce((sum, s) => sum + s.value, 0);
  }
  let stats: ClusterStats[] = [];
  try {
    stats = source.clusterStats();
  } catch {
    // A custom cluster manager may not report stats; the IR's view is still useful.
  }
  return {
    plane: 'proxy',
    generatedAt: new Date().toISOString(),
    version: ir?.version ?? '',
    routes,
    clusters: ir ? overlayLive(describeClusters(ir), stats) : [],
    requestCounts,
    history: [...source.history.applies],
    errors: [...source.history.errors],
    nacks: [],
  };
}

/**
 * Admin handlers for the diagnostics page: `/diag` (HTML) and `/diag.json` (the snapshot the
 * page polls). `/` redirects to `/diag`.
 */
export function diagnosticsHandlers(
  source: ProxyDiagnosticsSource,
): Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
  return {
    '/': (_req, res) => {
      res.writeHead(302, { location: '/diag' });
      res.end();
    },
    '/diag': (_req, res) => {
      const { headers, body } = diagnosticsPageResponse(proxyDiagnosticsSnapshot(source), {
        jsonPath: '/diag.json',
        title: 'Gateway diagnostics',
      });
      res.writeHead(200, headers);
      res.end(body);
    },
    '/diag.json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(proxyDiagnosticsSnapshot(source)));
    },
  };
}
