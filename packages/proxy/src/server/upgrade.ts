import { type IncomingMessage, STATUS_CODES } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { IRRoute } from '@gateway/core';
import { type DownstreamSocketInfo, HeaderFormatContext } from '../features/header-formatters.js';
import { applyHeaderOps } from '../features/headers.js';
import type { FilterContext, FilterOutcome, FilterRequest } from '../filters/types.js';
import { pickWeightedCluster } from '../routing/route-table.js';
import { copyRequestHeaders, type HeaderRecord } from '../security/hop-by-hop.js';
import type { DownstreamRequest, ListenerContext } from './request-handler.js';
import { prepareRequest } from './request-handler.js';

/**
 * The downstream half of a WebSocket tunnel: an HTTP/1.1 socket after `Upgrade: websocket`, or an
 * HTTP/2 stream after an RFC 8441 extended CONNECT. Everything else (routing, filters, header
 * rules, endpoint choice, the upstream HTTP/1.1 Upgrade request) is shared.
 */
export interface UpgradeDownstream {
  /** Carries the WebSocket frames; tracked for shutdown and closed with the upstream. */
  readonly stream: Duplex;
  /** Method of the upstream request and of the filter view (`GET` for extended CONNECT). */
  readonly method: string;
  /** Requested protocol (`upgrade` header or `:protocol`), lower-cased; '' when absent. */
  readonly protocol: string;
  /** Answers locally (refusal, filter answer, upstream failure) and closes. */
  reject(status: number, message: string, location?: string, extra?: Record<string, string>): void;
  /** Adjusts the upstream request headers (e.g. a fresh `sec-websocket-key`). */
  prepareHeaders(headers: HeaderRecord): void;
  /**
   * The upstream connection is up and the request head was written: relay the handshake answer
   * and then the frames. Calls `fail` instead when the upstream refuses the upgrade.
   */
  connected(upstream: net.Socket, fail: (status: number, message: string) => void): void;
}

/**
 * WebSocket upgrades (HTTP/1.1 `Upgrade: websocket`). Allowed only on routes whose `upgrades`
 * list websocket; everything else is refused with 403. Routing, filters and header rules are the
 * same as for plain requests; then the gateway opens a raw connection to an endpoint chosen by
 * `clusterManager.pick` (so load balancing and circuit breakers apply), replays the rewritten
 * request head, and pipes bytes both ways until either side closes.
 */
export function handleUpgrade(lc: ListenerContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', noop);
  const downstream: UpgradeDownstream = {
    stream: socket,
    method: req.method ?? 'GET',
    protocol: String(req.headers.upgrade ?? '').toLowerCase(),
    reject: (status, message, location, extra) => rawResponse(socket, status, message, location, extra),
    prepareHeaders: noop,
    connected(upstream) {
      // The upstream's 101 (or refusal) goes to the client as is: both sides speak HTTP/1.1.
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    },
  };
  runUpgrade(lc, req, false, downstream);
}

/**
 * The shared upgrade path: route, filters, endpoint, upstream `Upgrade: websocket` request, then
 * `downstream.connected`.
 */
export function runUpgrade(
  lc: ListenerContext,
  req: DownstreamRequest,
  http2: boolean,
  downstream: UpgradeDownstream,
): void {
  const host = lc.host;
  const cfg = host.active;
  const socket = downstream.stream;
  if (cfg === undefined) {
    downstream.reject(503, 'no configuration loaded');
    return;
  }
  const prepared = prepareRequest(lc, cfg, req, http2, downstream.method);
  if (!prepared.ok) {
    downstream.reject(prepared.status, prepared.reason, prepared.location);
    return;
  }
  const routed = prepared.routed;
  const decision = routed.decision;
  if (decision.kind !== 'route') {
    downstream.reject(decision.kind === 'insecure-redirect' ? 403 : 404, 'no route');
    return;
  }
  const route = decision.route;
  const action = route.action;
  const upgrade = downstream.protocol;
  if (action.kind !== 'forward' || upgrade !== 'websocket' || !action.websocket) {
    downstream.reject(403, `upgrade to ${upgrade || '(none)'} is not allowed on this route`);
    return;
  }
  const startTime = Date.now();
  cfg.inflight++;
  const done = () => {
    cfg.inflight--;
    if (cfg.retired && cfg.inflight === 0) host.releaseConfig(cfg);
  };
  const ctx = new UpgradeFilterContext(route.ir, cfg.ir, {
    method: downstream.method,
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
      downstream.reject(
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
      downstream.reject(503, 'no cluster has weight');
      done();
      return;
    }
    const endpoint = host.clusters.pick(picked.cluster);
    if ('kind' in endpoint) {
      host.metrics.upstreamError(picked.cluster, endpoint.reason);
      downstream.reject(endpoint.status, endpoint.message);
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
    let fmt: HeaderFormatContext | undefined;
    if (picked.requestHeaders.dynamic || route.requestHeaders.dynamic) {
      fmt = new HeaderFormatContext(
        req.socket as DownstreamSocketInfo | undefined,
        routed.forwarded.client,
        headers,
        routed.authority,
        downstream.method,
        req.url ?? '/',
        routed.scheme,
        http2 ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
        startTime,
        route.ir.name,
      );
      fmt.cluster = picked.cluster;
    }
    applyHeaderOps(picked.requestHeaders, headers, fmt);
    applyHeaderOps(route.requestHeaders, headers, fmt);
    for (const name of ctx.upstreamHeadersToRemove) delete headers[name];
    for (const [name, value] of ctx.upstreamHeaders) headers[name] = value;
    downstream.prepareHeaders(headers);
    headers.connection = 'Upgrade';
    headers.upgrade = 'websocket';
    let requestHead = `${downstream.method} ${path} HTTP/1.1\r\n`;
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
    // After a local answer the downstream closes itself once the answer is flushed.
    let answered = false;
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
      downstream.connected(upstream, (status, message) => {
        host.metrics.upstreamError(picked.cluster, 'protocol-error');
        answered = true;
        downstream.reject(status, message);
        upstream.destroy();
        release('failure');
      });
    });
    upstream.on('error', (err) => {
      if (!connected) {
        host.metrics.upstreamError(picked.cluster, 'connect-failure');
        answered = true;
        downstream.reject(503, `upstream connect error: ${err.message}`);
        release('failure');
        return;
      }
      socket.destroy();
    });
    upstream.once('close', () => {
      if (!answered) socket.destroy();
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
    downstream.reject(500, 'filter error');
    done();
    return;
  }
  if (outcome instanceof Promise) {
    outcome.then(proceed, () => {
      downstream.reject(500, 'filter error');
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
