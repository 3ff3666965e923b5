import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ClientRow,
  type Diagnostic,
  DiagnosticsHistory,
  type DiagnosticsSnapshot,
  describeClusters,
  describeRoutes,
  diagnosticsPageResponse,
  type GatewayIR,
} from '@gateway/core';
import type { AdsClientInfo, AdsServer, NackEvent } from '@gateway/envoy';

/**
 * The admin listener of `gateway xds`: `/diag` (the diagnostics page), `/diag.json`, `/live`,
 * `/ready`. It follows the ADS server's events (NACKs, clients) and records every apply the
 * command makes.
 *
 * @example
 * ```ts
 * const admin = new XdsAdmin(server);
 * admin.recordApply(ir, await server.apply(ir), compileDiagnostics);
 * await admin.listen('127.0.0.1', 8877);
 * ```
 */
export class XdsAdmin {
  readonly history = new DiagnosticsHistory();
  #ir: GatewayIR | undefined;
  readonly #clients = new Map<string, ClientRow>();
  readonly #http: http.Server;
  #bound: { host: string; port: number } | undefined;

  constructor(server: AdsServer) {
    server.on('nack', (e: NackEvent) =>
      this.history.recordNack({
        client: e.nodeId,
        kind: e.kind,
        rejectedVersion: e.rejectedVersion,
        keptVersion: e.version,
        message: e.message,
      }),
    );
    server.on('client', (e: AdsClientInfo & { state: 'connected' | 'disconnected' }) => {
      const key = `${e.nodeId}\u0000${e.flavor}\u0000${e.userAgent}`;
      if (e.state === 'connected')
        this.#clients.set(key, { client: e.nodeId, flavor: e.flavor, userAgent: e.userAgent });
      else this.#clients.delete(key);
    });
    this.#http = http.createServer((req, res) => this.#dispatch(req, res));
    this.#http.keepAliveTimeout = 5000;
  }

  /** Records an apply; the page shows `ir` when it was accepted. */
  recordApply(
    ir: GatewayIR,
    result: { accepted: boolean; version: string; diagnostics: Diagnostic[] },
    extra: Diagnostic[] = [],
  ): void {
    if (result.accepted) this.#ir = ir;
    this.history.recordApply(ir.version, result, extra);
  }

  snapshot(): DiagnosticsSnapshot {
    const ir = this.#ir;
    return {
      plane: 'xds',
      generatedAt: new Date().toISOString(),
      version: ir?.version ?? '',
      routes: ir ? describeRoutes(ir) : [],
      clusters: ir ? describeClusters(ir) : [],
      history: [...this.history.applies],
      errors: [...this.history.errors],
      nacks: [...this.history.nacks],
      clients: [...this.#clients.values()],
    };
  }

  #dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(302, { location: '/diag' });
      res.end();
    } else if (path === '/diag') {
      const { headers, body } = diagnosticsPageResponse(this.snapshot(), {
        jsonPath: '/diag.json',
        title: 'Gateway xDS diagnostics',
      });
      res.writeHead(200, headers);
      res.end(body);
    } else if (path === '/diag.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(this.snapshot()));
    } else if (path === '/live') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('live\n');
    } else if (path === '/ready') {
      const ready = this.#ir !== undefined;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? 'ready\n' : 'not ready\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found; try /diag /diag.json /live /ready\n');
    }
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        const a = this.#http.address() as AddressInfo;
        this.#bound = { host: a.address, port: a.port };
        resolve(this.#bound);
      });
    });
  }

  address(): { host: string; port: number } | undefined {
    return this.#bound;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#bound) {
        resolve();
        return;
      }
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }
}
