import { type IncomingMessage, STATUS_CODES } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { IRRoute } from '@gateway/core';
import { applyHeaderOps } from '../features/headers.js';
import type { FilterContext, FilterOutcome, FilterRequest } from '../filters/types.js';
import { pickWeightedCluster } from '../routing/route-table.js';
import { copyRequestHeaders } from '../security/hop-by-hop.js';
import type { ListenerContext } from './request-handler.js';
import { prepareRequest } from './request-handler.js';

/**
 * WebSocket upgrades (HTTP/1.1 `Upgrade: websocket`). Allowed only on routes whose `upgrades`
 * list websocket; everything else is refused with 403. Routing, filters and header rules are the
 * same as for plain requests; then the gateway opens a raw connection to an endpoint chosen by
 * `clusterManager.pick` (so load balancing and circuit breakers apply), replays the rewritten
 * request head, and pipes bytes both ways until either side closes.
 */
export function handleUpgrade(lc: ListenerContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const host = lc.host;
  const cfg = host.active;
  socket.on('error', noop);
  if (cfg === undefined) {
    rawResponse(socket, 503, 'no configuration loaded');
    return;
  }
  const prepared = prepareRequest(lc, cfg, req, false);
  if (!prepared.ok) {
    rawResponse(socket, prepared.status, prepared.reason, prepared.location);
    return;
  }
  const routed = prepared.routed;
  const decision = routed.decision;
  if (decision.kind !== 'route') {
    rawResponse(socket, decision.kind === 'insecure-redirect' ? 403 : 404, 'no route');
    return;
  }
  const route = decision.route;
  const action = route.action;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (action.kind !== 'forward' || upgrade !== 'websocket' || !action.websocket) {
    rawResponse(socket, 403, `upgrade to ${upgrade || '(none)'} is not allowed on this route`);
    return;
  }
  cfg.inflight++;
  const done = () => {
    cfg.inflight--;
    if (cfg.retired && cfg.inflight === 0) host.releaseConfig(cfg);
  };
  const ctx = new UpgradeFilterContext(route.ir, cfg.ir, {
    method: req.method ?? 'GET',
    path: routed.path,
    query: routed.query,
    authority: routed.authority,
    scheme: routed.scheme,
    headers: req.headers,
    remoteAddress: routed.forwarded.client,
    readBody: () => Promise.resolve({ body: Buffer.alloc(0), truncated: false }),
  });
  const proceed = (outcome: FilterOutcome) => {
    if (outcome.kind === 'respond') {
      rawResponse(
        socket,
        outcome.status,
        typeof outcome.body === 'string' ? outcome.body : outcome.reason,
        undefined,
        outcome.headers,
      );
      done();
      return;
    }
    const picked = pickWeightedCluster(action, Math.random());
    if (picked === undefined) {
      rawResponse(socket, 503, 'no cluster has weight');
      done();
      return;
    }
    const endpoint = host.clusters.pick(picked.cluster);
    if ('kind' in endpoint) {
      host.metrics.upstreamError(picked.cluster, endpoint.reason);
      rawResponse(socket, endpoint.status, endpoint.message);
      done();
      return;
    }
    let path = action.rewrite ? action.rewrite(routed.path) : routed.path;
    if (routed.query !== '') path = `${path}?${routed.query}`;
    const headers = copyRequestHeaders(req.headers);
    headers.host =
      picked.hostRewrite ?? action.hostRewrite ?? action.autoHost?.get(picked.cluster) ?? routed.authority;
    headers['x-forwarded-for'] = routed.forwarded.xff;
    headers['x-forwarded-proto'] = routed.forwarded.proto;
    applyHeaderOps(picked.requestHeaders, headers);
    applyHeaderOps(route.requestHeaders, headers);
    for (const name of ctx.upstreamHeadersToRemove) delete headers[name];
    for (const [name, value] of ctx.upstreamHeaders) headers[name] = value;
    headers.connection = 'Upgrade';
    headers.upgrade = 'websocket';
    let requestHead = `${req.method} ${path} HTTP/1.1\r\n`;
    for (const name in headers) {
      const v = headers[name] as string | string[];
      if (Array.isArray(v)) for (const item of v) requestHead += `${name}: ${item}\r\n`;
      else requestHead += `${name}: ${v}\r\n`;
    }
    requestHead += '\r\n';

    const upstream: net.Socket = endpoint.tls
      ? tls.connect({
          host: endpoint.host,
          port: endpoint.port,
          servername: endpoint.servername ?? endpoint.host,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    let connected = false;
    let released = false;
    const release = (outcome: 'success' | 'failure') => {
      if (released) return;
      released = true;
      endpoint.release(outcome);
      host.upgrades.delete(socket);
      done();
    };
    host.upgrades.add(socket);
    upstream.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      upstream.write(requestHead);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', (err) => {
      if (!connected) {
        host.metrics.upstreamError(picked.cluster, 'connect-failure');
        rawResponse(socket, 503, `upstream connect error: ${err.message}`);
        release('failure');
        return;
      }
      socket.destroy();
    });
    upstream.once('close', () => {
      socket.destroy();
      release(connected ? 'success' : 'failure');
    });
    socket.once('close', () => {
      upstream.destroy();
      release(connected ? 'success' : 'failure');
    });
  };
  let outcome: FilterOutcome | Promise<FilterOutcome>;
  try {
    outcome = cfg.pipeline.empty ? CONTINUE : cfg.pipeline.run(ctx);
  } catch {
    rawResponse(socket, 500, 'filter error');
    done();
    return;
  }
  if (outcome instanceof Promise) {
    outcome.then(proceed, () => {
      rawResponse(socket, 500, 'filter error');
      done();
    });
  } else {
    proceed(outcome);
  }
}

const CONTINUE: FilterOutcome = { kind: 'continue' };

function noop(): void {}

class UpgradeFilterContext implements FilterContext {
  readonly upstreamHeaders = new Map<string, string>();
  readonly upstreamHeadersToRemove = new Set<string>();
  readonly responseHeaders = new Map<string, string>();
  principal?: string;
  claims?: Record<string, Record<string, unknown>>;

  constructor(
    readonly route: IRRoute,
    readonly ir: FilterContext['ir'],
    readonly request: FilterRequest,
  ) {}
}

/** Writes a minimal HTTP/1.1 response on a raw socket and closes it. */
export function rawResponse(
  socket: Duplex,
  status: number,
  message: string,
  location?: string,
  extra?: Record<string, string>,
): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  let headText = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`;
  if (location !== undefined) headText += `location: ${location}\r\n`;
  if (extra) for (const [k, v] of Object.entries(extra)) headText += `${k}: ${v}\r\n`;
  socket.end(`${headText}\r\n${body}`);
}
