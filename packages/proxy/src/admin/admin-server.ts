import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The admin listener: `/ready`, `/live`, `/metrics` (Prometheus text), `/config` (IR version and
 * last errors as JSON). Other pages plug in with {@link AdminServer.route} (e.g. an HTML
 * diagnostics page), on the same port.
 */
export type AdminHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface AdminSource {
  /** Serving traffic: a config is loaded, listeners are bound, not draining. */
  ready(): boolean;
  registry: Registry;
  /** JSON-serialisable config status for `/config`. */
  configStatus(): unknown;
}

export class AdminServer {
  private readonly routes = new Map<string, AdminHandler>();
  private readonly server: http.Server;
  private bound: { host: string; port: number } | undefined;

  constructor(source: AdminSource) {
    this.route('/live', (_req, res) => text(res, 200, 'live\n'));
    this.route('/ready', (_req, res) =>
      source.ready() ? text(res, 200, 'ready\n') : text(res, 503, 'not ready\n'),
    );
    this.route('/metrics', async (_req, res) => {
      const body = await source.registry.metrics();
      res.writeHead(200, { 'content-type': source.registry.contentType });
      res.end(body);
    });
    this.route('/config', (_req, res) => {
      const body = JSON.stringify(source.configStatus(), null, 2);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${body}\n`);
    });
    this.server = http.createServer((req, res) => this.dispatch(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  /**
   * Adds (or replaces) a page on the admin listener.
   *
   * @example
   * ```ts
   * gateway.admin.route('/diagnostics', (req, res) => { res.end('<html>…</html>'); });
   * ```
   */
  route(path: string, handler: AdminHandler): void {
    this.routes.set(path, handler);
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const handler = this.routes.get(path);
    if (!handler) {
      text(res, 404, `not found; try ${[...this.routes.keys()].join(' ')}\n`);
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) text(res, 500, `${(err as Error)?.message ?? 'error'}\n`);
        else res.destroy();
      });
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as AddressInfo;
        this.bound = { host: a.address, port: a.port };
        resolve(this.bound);
      });
    });
  }

  address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.bound) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}
