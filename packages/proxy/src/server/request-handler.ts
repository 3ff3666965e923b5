import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Http2ServerRequest, type Http2ServerResponse, constants as http2Constants } from 'node:http2';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import type { IRRoute } from '@gateway/core';
import type { Logger } from 'pino';
import type { GatewayMetrics, RouteMetrics } from '../admin/metrics.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import {
  GrpcStatus,
  grpcErrorHeaders,
  grpcStatusForFailure,
  grpcStatusForHttp,
  isGrpcContentType,
  parseGrpcTimeout,
} from '../features/grpc-status.js';
import { type DownstreamSocketInfo, HeaderFormatContext } from '../features/header-formatters.js';
import { applyHeaderOps, type HeaderBag } from '../features/headers.js';
import { MirrorDispatcher } from '../features/mirror.js';
import { httpsRedirectLocation, redirectLocation } from '../features/redirect.js';
import type { FilterContext, FilterOutcome, FilterRequest } from '../filters/types.js';
import type { AccessLog } from '../logging.js';
import { normalizeAuthority } from '../routing/host-match.js';
import {
  type CompiledForward,
  type CompiledRoute,
  type ListenerRouteTable,
  pickWeightedCluster,
  type RouteDecision,
} from '../routing/route-table.js';
import { computeForwarded, type ForwardedInfo, peerAddress } from '../security/forwarded.js';
import { copyRequestHeaders, copyResponseHeaders, type HeaderRecord } from '../security/hop-by-hop.js';
import { BodyLimiter, hasDuplicateHost, underscoreHeaders } from '../security/limits.js';
import { normalizeTarget } from '../security/normalize.js';
import type {
  ClusterManager,
  RequestPolicy,
  UpstreamCall,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSink,
} from '../upstream/types.js';
import { handleExtendedConnect } from './h2-websocket.js';
import { newRequestId } from './request-id.js';

/**
 * The request path: one {@link Exchange} per downstream request, for HTTP/1.1 and HTTP/2 (Node's
 * compatibility API gives both the same shape). Order of work:
 *
 *   framing checks -> path normalisation -> Host -> X-Forwarded-* -> IP allow/deny -> route
 *   -> filters (cors, auth, ...) -> direct | redirect | forward (mirrors, upstream, response)
 *
 * State lives on the Exchange object; listeners are shared functions that find it through the
 * response, so the hot path allocates few closures.
 */

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** What the request path needs from the gateway. */
export interface RuntimeHost {
  /** The config new requests use. */
  readonly active: RuntimeConfig | undefined;
  readonly clusters: ClusterManager;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly mirrors: MirrorDispatcher;
  readonly logger: Logger | undefined;
  /** True while draining: HTTP/1.1 responses carry `connection: close`. */
  readonly draining: boolean;
  /** Called when a request finishes on a retired config and it was the last one. */
  releaseConfig(config: RuntimeConfig): void;
  inflight: number;
  /** Upgraded (WebSocket) connections, closed on shutdown. */
  readonly upgrades: Set<import('node:stream').Duplex>;
}

/** One listener's view, fixed at bind time. */
export interface ListenerContext {
  readonly host: RuntimeHost;
  readonly name: string;
  readonly tls: boolean;
}

const kExchange = Symbol('gateway.exchange');
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** A prepared, routed request (shared by plain requests and WebSocket upgrades). */
export interface RoutedRequest {
  path: string;
  query: string;
  /** Authority as received (Host or :authority), used upstream unless rewritten. */
  authority: string;
  /** Normalised host for vhost matching. */
  host: string;
  scheme: 'http' | 'https';
  secure: boolean;
  forwarded: ForwardedInfo;
  table: ListenerRouteTable;
  decision: RouteDecision;
}

export type PrepareResult =
  | { ok: true; routed: RoutedRequest }
  /** `code` is a short metrics label; `reason` a human sentence for the response body and logs. */
  | { ok: false; status: number; code: string; reason: string; location?: string };

/** Framing checks, normalisation, forwarding info and routing. Pure apart from reading `req`. */
export function prepareRequest(
  lc: ListenerContext,
  cfg: RuntimeConfig,
  req: DownstreamRequest,
  http2: boolean,
  /** Method to route with when it differs from the wire (`GET` for an RFC 8441 extended CONNECT). */
  method: string = req.method ?? 'GET',
): PrepareResult {
  const table = cfg.tables.get(lc.name);
  if (table === undefined)
    return {
      ok: false,
      status: 404,
      code: 'no-listener-config',
      reason: 'no configuration for this listener',
    };
  const settings = cfg.settings;
  const headers = req.headers;
  if (!http2 && hasDuplicateHost(req.rawHeaders))
    return { ok: false, status: 400, code: 'duplicate-host', reason: 'duplicate Host header' };
  const target = normalizeTarget(req.url ?? '/', settings);
  if (target.ok === false)
    return { ok: false, status: target.status, code: 'bad-path', reason: target.reason };
  if (target.ok === 'redirect')
    return {
      ok: false,
      status: 307,
      code: 'unescaped-slash-redirect',
      reason: 'path had escaped slashes',
      location: target.location,
    };
  let authority = (http2 ? (headers[':authority'] as string | undefined) : undefined) ?? headers.host ?? '';
  if (target.authority !== undefined) {
    if (authority !== '' && authority.toLowerCase() !== target.authority.toLowerCase()) {
      return {
        ok: false,
        status: 400,
        code: 'bad-authority',
        reason: 'absolute-form authority does not match Host',
      };
    }
    authority = target.authority;
  }
  if (authority === '' && req.httpVersion === '1.1')
    return { ok: false, status: 400, code: 'missing-host', reason: 'missing Host header' };
  if (settings.headersWithUnderscoresAction === 'reject' && underscoreHeaders(headers).length > 0) {
    return { ok: false, status: 400, code: 'header-with-underscore', reason: 'header name with underscore' };
  }
  const scheme = lc.tls ? 'https' : 'http';
  const forwarded = computeForwarded(
    peerAddress(req.socket?.remoteAddress),
    scheme,
    headers['x-forwarded-for'],
    headers['x-forwarded-proto'],
    settings,
  );
  if (!cfg.ipFilter.allowed(forwarded.client))
    return { ok: false, status: 403, code: 'ip-denied', reason: 'client address not allowed' };
  const model = table.listener.securityModel;
  const secure = model === 'SECURE' ? true : model === 'INSECURE' ? false : forwarded.proto === 'https';
  const host = normalizeAuthority(authority, settings.stripHostPort);
  const decision = table.route({
    path: target.path,
    query: target.query,
    method,
    authority: host,
    headers,
    secure,
  });
  return {
    ok: true,
    routed: {
      path: target.path,
      query: target.query,
      authority,
      host,
      scheme,
      secure,
      forwarded,
      table,
      decision,
    },
  };
}

/** Entry point for `request` events of the HTTP/1.1 and HTTP/2 servers. */
export function handleRequest(lc: ListenerContext, req: DownstreamRequest, res: DownstreamResponse): void {
  const cfg = lc.host.active;
  if (cfg === undefined) {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('no configuration loaded\n');
    return;
  }
  if (req.method === 'CONNECT') {
    if (req.headers[':protocol'] !== undefined) {
      handleExtendedConnect(lc, req as Http2ServerRequest);
      return;
    }
    // Plain CONNECT (a TCP tunnel) has no path to route on; Envoy answers 404 unless a route has
    // a connect_matcher, which the IR cannot express.
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no route for CONNECT\n');
    return;
  }
  new Exchange(lc, cfg, req, res).run();
}

function onBodyData(this: Readable, chunk: Buffer): void {
  (this as unknown as { [kExchange]: Exchange })[kExchange].relayChunk(chunk);
}

function onBodyEnd(this: Readable): void {
  (this as unknown as { [kExchange]: Exchange })[kExchange].relayEnd();
}

function onBodyError(this: Readable, err: Error): void {
  (this as unknown as { [kExchange]: Exchange })[kExchange].bodyFailed(err);
}

function onResponseDrain(this: DownstreamResponse): void {
  (this as unknown as { [kExchange]?: Exchange })[kExchange]?.resumeUpstream();
}

function onResponseClose(this: DownstreamResponse): void {
  const ex = (this as unknown as { [kExchange]?: Exchange })[kExchange];
  if (ex !== undefined) ex.finish();
}

class Exchange implements UpstreamSink {
  private readonly start = performance.now();
  private readonly http2: boolean;
  private readonly grpcRequest: boolean;
  private routed: RoutedRequest | undefined;
  private route: CompiledRoute | undefined;
  private cluster: string | undefined;
  private endpoint: string | undefined;
  private status = 0;
  private retries = 0;
  private reason: string | undefined;
  private upstreamStart = 0;
  private upstreamMs = -1;
  private limiter: BodyLimiter | undefined;
  private abort: AbortController | undefined;
  private filterCtx: GatewayFilterContext | undefined;
  private upstreamBody: Readable | undefined;
  private finished = false;
  /** Dispatch path: the response head went out and body chunks are relayed. */
  private relaying = false;
  /** Dispatch path: the upstream call, for backpressure and cancellation. */
  private call: UpstreamCall | undefined;
  /** Request path: the upstream body being relayed, and its trailers. */
  private responseBody: Readable | undefined;
  private trailers: Promise<Record<string, string>> | undefined;
  /** Answered directly on the HTTP/2 stream (the compat response never sees its end). */
  private localDone = false;
  private requestId: string | undefined;
  /** Upstream request headers once built (what `%REQ()%` reads). */
  private upstreamHeaders: HeaderBag | undefined;
  /** Built on first use by a route with `%OPERATOR%` header values. */
  private formatCtx: HeaderFormatContext | undefined;

  constructor(
    private readonly lc: ListenerContext,
    private readonly cfg: RuntimeConfig,
    readonly req: DownstreamRequest,
    private readonly res: DownstreamResponse,
  ) {
    this.http2 = req.httpVersionMajor === 2;
    this.grpcRequest = this.http2 && isGrpcContentType(req.headers['content-type']);
    cfg.inflight++;
    lc.host.inflight++;
    (res as unknown as { [kExchange]: Exchange })[kExchange] = this;
    // `on`, not `once`: 'close' fires once per response and finish() is idempotent, and `once`
    // would allocate a wrapper per request.
    res.on('close', onResponseClose);
  }

  run(): void {
    const prepared = prepareRequest(this.lc, this.cfg, this.req, this.http2);
    if (!prepared.ok) {
      this.lc.host.metrics.rejected(prepared.code);
      if (prepared.location !== undefined) {
        this.sendLocal(prepared.status, { location: prepared.location }, undefined, prepared.reason);
      } else {
        this.sendError(prepared.status, prepared.reason);
      }
      return;
    }
    const routed = prepared.routed;
    this.routed = routed;
    const decision = routed.decision;
    switch (decision.kind) {
      case 'no-vhost':
      case 'no-route':
        this.sendError(404, 'no-route');
        return;
      case 'insecure-redirect':
        this.sendLocal(
          301,
          { location: httpsRedirectLocation(routed.authority, routed.path, routed.query) },
          undefined,
          'https-redirect',
        );
        return;
      default:
        break;
    }
    const route = decision.route;
    this.route = route;
    const pipeline = this.cfg.pipeline;
    if (pipeline.empty) {
      this.dispatch();
      return;
    }
    const ctx = new GatewayFilterContext(this, route.ir);
    this.filterCtx = ctx;
    let outcome: FilterOutcome | Promise<FilterOutcome>;
    try {
      outcome = pipeline.run(ctx);
    } catch (err) {
      this.onFilterError(err);
      return;
    }
    if (outcome instanceof Promise)
      outcome.then(
        (o) => this.afterFilters(o),
        (err) => this.onFilterError(err),
      );
    else this.afterFilters(outcome);
  }

  private onFilterError(err: unknown): void {
    this.lc.host.logger?.error({ err, route: this.route?.ir.name }, 'filter failed');
    this.sendError(500, 'filter-error');
  }

  private afterFilters(outcome: FilterOutcome): void {
    if (this.finished) return;
    if (outcome.kind === 'respond') {
      const body = outcome.body;
      if (this.grpcRequest && outcome.status >= 400) {
        this.sendGrpcError(
          grpcStatusForHttp(outcome.status),
          typeof body === 'string' ? body : outcome.reason,
          outcome.reason,
          outcome.headers,
        );
      } else {
        this.sendLocal(outcome.status, outcome.headers ?? {}, body, outcome.reason);
      }
      return;
    }
    this.dispatch();
  }

  private dispatch(): void {
    const route = this.route as CompiledRoute;
    const action = route.action;
    const routed = this.routed as RoutedRequest;
    if (action.kind === 'forward') {
      this.forward(route, action);
    } else if (action.kind === 'redirect') {
      const location = redirectLocation(action, routed);
      this.sendLocal(action.ir.statusCode, { location }, undefined, 'redirect');
    } else {
      const headers: HeaderBag = {};
      if (action.ir.contentType !== undefined) headers['content-type'] = action.ir.contentType;
      this.sendLocal(action.ir.status, headers, action.ir.body, 'direct-response');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Forwarding

  private forward(route: CompiledRoute, action: CompiledForward): void {
    const req = this.req;
    const routed = this.routed as RoutedRequest;
    const host = this.lc.host;
    const settings = this.cfg.settings;
    const picked = pickWeightedCluster(action, Math.random());
    if (picked === undefined) {
      this.sendError(503, 'no-cluster-weight');
      return;
    }
    this.cluster = picked.cluster;
    let path = action.rewrite ? action.rewrite(routed.path) : routed.path;
    if (routed.query !== '') path = `${path}?${routed.query}`;

    const headers = copyRequestHeaders(req.headers);
    if (settings.headersWithUnderscoresAction === 'drop') {
      for (const name of underscoreHeaders(headers)) delete headers[name];
    }
    headers.host =
      picked.hostRewrite ?? action.hostRewrite ?? action.autoHost?.get(picked.cluster) ?? routed.authority;
    headers['x-forwarded-for'] = routed.forwarded.xff;
    headers['x-forwarded-proto'] = routed.forwarded.proto;
    let requestId = headers['x-request-id'];
    if (requestId === undefined) {
      requestId = newRequestId();
      headers['x-request-id'] = requestId;
    }
    this.requestId = typeof requestId === 'string' ? requestId : requestId[0];
    this.upstreamHeaders = headers;
    const fmt =
      picked.requestHeaders.dynamic || route.requestHeaders.dynamic ? this.formatContext() : undefined;
    applyHeaderOps(picked.requestHeaders, headers, fmt);
    applyHeaderOps(route.requestHeaders, headers, fmt);
    const fctx = this.filterCtx;
    if (fctx !== undefined) {
      for (const name of fctx.upstreamHeadersToRemove) delete headers[name];
      for (const [name, value] of fctx.upstreamHeaders) headers[name] = value;
    }

    // Body: stream it, unless a filter already buffered it.
    let body: Readable | null = null;
    let bodyBuffer: Buffer | undefined;
    const limit = settings.maxRequestBodyBytes;
    if (fctx?.buffered !== undefined) {
      const b = fctx.buffered;
      if (b.complete) {
        bodyBuffer = b.data;
        body = Readable.from([b.data]);
        headers['content-length'] = String(b.data.length);
      } else {
        const pass = new PassThrough();
        pass.write(b.data);
        req.pipe(pass);
        body = pass;
      }
    } else if (requestHasBody(req, this.http2)) {
      const declared = req.headers['content-length'];
      if (limit > 0 && declared !== undefined && Number(declared) > limit) {
        this.sendError(413, 'body-too-large');
        return;
      }
      if (limit > 0 && declared === undefined) {
        const limiter = new BodyLimiter(limit);
        this.limiter = limiter;
        req.pipe(limiter);
        body = limiter;
      } else {
        body = req;
      }
    }
    // Mirrors go out after the primary is on its way and never touch it.
    if (action.mirrors.length > 0)
      body = this.startMirrors(action, req.method ?? 'GET', path, headers, body, bodyBuffer);
    this.upstreamBody = body ?? undefined;

    let timeoutMs = action.timeoutMs;
    if (action.grpc || this.grpcRequest) {
      const deadline = parseGrpcTimeout(req.headers['grpc-timeout']);
      if (deadline !== undefined) timeoutMs = timeoutMs > 0 ? Math.min(timeoutMs, deadline) : deadline;
    }
    const policy: RequestPolicy = {
      timeoutMs,
      idleTimeoutMs: action.idleTimeoutMs,
      idempotent: IDEMPOTENT.has(req.method ?? 'GET'),
      grpc: action.grpc,
      priority: action.ir.priority,
    };
    if (action.ir.retry !== undefined) policy.retry = action.ir.retry;
    const upstreamRequest: UpstreamRequest = { method: req.method ?? 'GET', path, headers, body };
    if (bodyBuffer !== undefined) upstreamRequest.bodyBuffer = bodyBuffer;
    if (action.ir.hashPolicy !== undefined) {
      const key = this.hashKey(action);
      if (key !== undefined) upstreamRequest.hashKey = key;
    }
    if (action.ir.autoHostRewrite) upstreamRequest.autoHostRewrite = true;
    const clusters = host.clusters;
    this.upstreamStart = performance.now();
    if (clusters.dispatch !== undefined) {
      // Fast path: the cluster manager pushes the response into this exchange (UpstreamSink).
      this.call = clusters.dispatch(picked.cluster, upstreamRequest, policy, this);
      return;
    }
    this.abort = new AbortController();
    policy.signal = this.abort.signal;
    clusters.request(picked.cluster, upstreamRequest, policy).then(
      (r) => (r.kind === 'response' ? this.onUpstreamResponse(r) : this.onUpstreamFailure(r)),
      (err: unknown) =>
        this.onUpstreamFailure({
          kind: 'failure',
          reason: 'protocol-error',
          status: 502,
          message: (err as Error)?.message ?? String(err),
          retries: 0,
        }),
    );
  }

  private hashKey(action: CompiledForward): string | undefined {
    const policy = action.ir.hashPolicy;
    if (policy === undefined) return undefined;
    const req = this.req;
    if (policy.kind === 'source-ip') return (this.routed as RoutedRequest).forwarded.client;
    if (policy.kind === 'header') {
      const v = req.headers[policy.name.toLowerCase()];
      return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
    }
    const cookie = req.headers.cookie;
    if (cookie === undefined) return undefined;
    for (const part of (Array.isArray(cookie) ? cookie.join(';') : cookie).split(';')) {
      const eq = part.indexOf('=');
      if (eq !== -1 && part.slice(0, eq).trim() === policy.name) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  private startMirrors(
    action: CompiledForward,
    method: string,
    path: string,
    headers: HeaderRecord,
    body: Readable | null,
    bodyBuffer: Buffer | undefined,
  ): Readable | null {
    const mirrors = this.lc.host.mirrors;
    const chosen: string[] = [];
    for (const m of action.mirrors) {
      if (MirrorDispatcher.sample(m.percent) && mirrors.reserve()) chosen.push(m.cluster);
    }
    if (chosen.length === 0) return body;
    const metrics = this.lc.host.metrics;
    const timeout = action.timeoutMs;
    const copy = { ...headers };
    if (body === null || bodyBuffer !== undefined) {
      for (const c of chosen) mirrors.send(c, method, path, copy, bodyBuffer ?? null, timeout);
      metrics.mirrors.labels('sent').inc(chosen.length);
      return body;
    }
    // Tee the body while it streams to the primary, up to the mirror budget; drop the mirror
    // (not the primary) when it does not fit.
    const declared = Number(this.req.headers['content-length'] ?? Number.NaN);
    if (declared > mirrors.maxBodyBytes) {
      for (let i = 0; i < chosen.length; i++) mirrors.cancel();
      metrics.mirrors.labels('dropped').inc(chosen.length);
      return body;
    }
    const tee = new MirrorTee(mirrors.maxBodyBytes, (data) => {
      if (data === undefined) {
        for (let i = 0; i < chosen.length; i++) mirrors.cancel();
        metrics.mirrors.labels('dropped').inc(chosen.length);
        return;
      }
      for (const c of chosen) mirrors.send(c, method, path, copy, data, timeout);
      metrics.mirrors.labels('sent').inc(chosen.length);
    });
    body.on('error', (err) => tee.destroy(err));
    return body.pipe(tee);
  }

  /**
   * Writes the downstream response head for an upstream response. Returns false when no body
   * should be relayed (gRPC trailers-only answer, downstream gone, invalid headers).
   */
  private writeResponseHead(
    statusCode: number,
    upstreamHeaders: Record<string, string | string[]>,
    endpoint: string,
    retries: number,
  ): boolean {
    const res = this.res;
    this.endpoint = endpoint;
    this.retries = retries;
    this.upstreamMs = performance.now() - this.upstreamStart;
    if (this.finished || res.destroyed) return false;
    const headers = copyResponseHeaders(upstreamHeaders) as HeaderBag;
    this.decorateResponse(headers);
    if (!this.cfg.settings.suppressGatewayHeaders)
      headers['x-envoy-upstream-service-time'] = String(Math.round(this.upstreamMs));
    this.status = statusCode;
    if (this.http2 && upstreamHeaders['grpc-status'] !== undefined) {
      // gRPC trailers-only response (status in the headers): relay it as one HEADERS frame with
      // END_STREAM, which is how gRPC clients recognise it.
      const stream = (res as Http2ServerResponse).stream;
      if (!stream.destroyed && !stream.headersSent) {
        this.localDone = true;
        try {
          stream.respond(
            { ...(headers as Record<string, string>), ':status': statusCode },
            { endStream: true },
          );
        } catch {
          stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
        }
      }
      return false;
    }
    try {
      res.writeHead(statusCode, headers as Record<string, string | string[]>);
    } catch (err) {
      this.onUpstreamFailure({
        kind: 'failure',
        reason: 'protocol-error',
        status: 502,
        message: `invalid upstream response headers: ${(err as Error).message}`,
        endpoint,
        retries,
      });
      return false;
    }
    return true;
  }

  /** Promise path ({@link ClusterManager.request}): relay the Readable body. */
  private onUpstreamResponse(up: UpstreamResponse): void {
    if (!this.writeResponseHead(up.statusCode, up.headers, up.endpoint, up.retries)) {
      if (this.localDone) up.body.resume();
      else up.body.destroy();
      return;
    }
    // Relay by hand rather than pipe(): fewer listeners and no unpipe bookkeeping per request.
    const body = up.body;
    this.responseBody = body;
    this.trailers = up.trailers;
    (body as unknown as { [kExchange]: Exchange })[kExchange] = this;
    body.on('data', onBodyData);
    body.once('end', onBodyEnd);
    body.once('error', onBodyError);
  }

  /** Request path: one body chunk; pauses the upstream body when the response buffers fill. */
  relayChunk(chunk: Buffer): void {
    const res = this.res;
    if (res.destroyed) return;
    if (!(res as ServerResponse).write(chunk)) {
      this.responseBody?.pause();
      res.once('drain', onResponseDrain);
    }
  }

  relayEnd(): void {
    if (this.http2) {
      // HTTP/2 downstream (gRPC): trailers follow the last data frame.
      const trailers = this.trailers;
      if (trailers === undefined) this.endWithTrailers({});
      else
        trailers.then(
          (t) => this.endWithTrailers(t),
          () => this.endWithTrailers({}),
        );
    } else {
      this.res.end();
    }
  }

  // --- UpstreamSink (ClusterManager.dispatch path): chunks go straight to the response. ---

  onResponse(
    statusCode: number,
    headers: Record<string, string | string[]>,
    endpoint: string,
    retries: number,
  ): void {
    this.relaying = this.writeResponseHead(statusCode, headers, endpoint, retries);
  }

  onData(chunk: Buffer): boolean {
    if (!this.relaying) return true;
    const res = this.res;
    if (res.destroyed) return true;
    if ((res as ServerResponse).write(chunk)) return true;
    res.once('drain', onResponseDrain);
    return false;
  }

  onEnd(trailers: Record<string, string>): void {
    if (!this.relaying) return;
    if (this.http2) this.endWithTrailers(trailers);
    else this.res.end();
  }

  onFailure(failure: UpstreamFailure, afterHeaders: boolean): void {
    if (afterHeaders) {
      if (this.relaying) this.onResponseBodyError(new Error(failure.message));
      return;
    }
    this.onUpstreamFailure(failure);
  }

  resumeUpstream(): void {
    if (this.call !== undefined) this.call.resume();
    else this.responseBody?.resume();
  }

  private endWithTrailers(trailers: Record<string, string>): void {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    let has = false;
    for (const _ in trailers) {
      has = true;
      break;
    }
    if (has) {
      const clean = copyResponseHeaders(trailers) as Record<string, string>;
      try {
        res.addTrailers(clean);
      } catch {
        // Invalid trailer from upstream: end without it rather than fail the stream.
      }
    }
    res.end();
  }

  bodyFailed(err: Error): void {
    this.onResponseBodyError(err);
  }

  private onResponseBodyError(err: Error): void {
    const res = this.res;
    this.reason = `upstream-body-error: ${err.message}`;
    this.lc.host.metrics.upstreamError(this.cluster ?? '', 'reset');
    if (res.destroyed || res.writableEnded) return;
    if (this.http2 && this.grpcRequest) {
      // Headers went out already: finish the call with a gRPC status in the trailers.
      try {
        res.addTrailers({
          'grpc-status': String(GrpcStatus.UNAVAILABLE),
          'grpc-message': 'upstream%20reset',
        });
        res.end();
        return;
      } catch {
        // fall through to reset
      }
    }
    res.destroy(err);
  }

  private onUpstreamFailure(f: UpstreamFailure): void {
    this.retries = f.retries;
    if (f.endpoint !== undefined) this.endpoint = f.endpoint;
    this.upstreamMs = performance.now() - this.upstreamStart;
    const cluster = this.cluster ?? '';
    if (this.limiter?.exceeded) {
      this.sendError(413, 'body-too-large');
      return;
    }
    if (this.finished) return;
    this.lc.host.metrics.upstreamError(cluster, f.reason);
    this.reason = `${f.reason}: ${f.message}`;
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    // Drain what is left of the request body so the connection stays usable.
    const body = this.upstreamBody;
    if (body !== undefined && !body.readableEnded) body.resume();
    if (this.grpcRequest || (this.route?.action.kind === 'forward' && this.route.action.grpc && this.http2)) {
      this.sendGrpcError(grpcStatusForFailure(f), failureText(f), this.reason);
      return;
    }
    this.status = f.status;
    this.sendLocal(f.status, { 'content-type': 'text/plain' }, `${failureText(f)}\n`, this.reason);
  }

  /** The per-request facts `%OPERATOR%` header values read; only built when a route has one. */
  private formatContext(): HeaderFormatContext {
    let fmt = this.formatCtx;
    if (fmt === undefined) {
      const req = this.req;
      const routed = this.routed as RoutedRequest;
      fmt = new HeaderFormatContext(
        req.socket as DownstreamSocketInfo | undefined,
        routed.forwarded.client,
        req.headers,
        routed.authority,
        req.method ?? 'GET',
        req.url ?? '/',
        routed.scheme,
        this.http2 ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
        performance.timeOrigin + this.start,
        this.route?.ir.name ?? '',
      );
      this.formatCtx = fmt;
    }
    if (this.upstreamHeaders !== undefined) fmt.requestHeaders = this.upstreamHeaders;
    fmt.cluster = this.cluster ?? '';
    fmt.upstreamAddress = this.endpoint ?? '';
    return fmt;
  }

  // -------------------------------------------------------------------------------------------
  // Local answers

  /** Route-level response headers and filter-added ones (CORS) go on every answer for a route. */
  private decorateResponse(headers: HeaderBag): void {
    const route = this.route;
    if (route !== undefined) {
      const ops = route.responseHeaders;
      if (ops.dynamic) {
        const fmt = this.formatContext();
        fmt.responseHeaders = headers;
        applyHeaderOps(ops, headers, fmt);
      } else {
        applyHeaderOps(ops, headers);
      }
    }
    const fctx = this.filterCtx;
    if (fctx !== undefined) for (const [name, value] of fctx.responseHeaders) headers[name] = value;
    if (this.lc.host.draining && !this.http2) headers.connection = 'close';
  }

  /** An error the gateway generates: gRPC callers get a gRPC status, others plain text. */
  private sendError(status: number, reason: string): void {
    if (this.grpcRequest) {
      this.sendGrpcError(grpcStatusForHttp(status), reason, reason);
      return;
    }
    this.sendLocal(status, { 'content-type': 'text/plain' }, `${reason}\n`, reason);
  }

  private sendGrpcError(code: number, message: string, reason: string, extra?: Record<string, string>): void {
    const headers: HeaderBag = { ...extra, ...grpcErrorHeaders(code, message) };
    this.sendLocal(200, headers, undefined, reason);
  }

  private sendLocal(
    status: number,
    headers: HeaderBag,
    body: string | Buffer | undefined,
    reason: string,
  ): void {
    const res = this.res;
    this.status = status;
    this.reason ??= reason;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    this.decorateResponse(headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    else if (!(this.http2 && this.grpcRequest)) headers['content-length'] = '0';
    // Unread request bodies would otherwise stall keep-alive connections.
    const req = this.req;
    if (!req.readableEnded && !this.upstreamBody) req.resume();
    if (this.http2 && (body === undefined || this.req.method === 'HEAD')) {
      // One HEADERS frame with END_STREAM: gRPC clients need it for trailers-only responses.
      const stream = (res as Http2ServerResponse).stream;
      if (!stream.destroyed && !stream.headersSent) {
        this.localDone = true;
        stream.respond({ ...(headers as Record<string, string>), ':status': status }, { endStream: true });
        return;
      }
    }
    res.writeHead(status, headers as Record<string, string>);
    if (body !== undefined && this.req.method !== 'HEAD') res.end(body);
    else res.end();
  }

  // -------------------------------------------------------------------------------------------
  // Completion

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const host = this.lc.host;
    const res = this.res;
    if (!res.writableFinished && !this.localDone) {
      // Downstream went away first: cancel the upstream side.
      this.abort?.abort();
      this.call?.abort();
      this.responseBody?.destroy();
      if (this.status === 0) this.status = 499;
      this.reason ??= 'downstream-disconnect';
    }
    const seconds = (performance.now() - this.start) / 1000;
    const status = this.status || res.statusCode;
    const route = this.route;
    const metrics = host.metrics;
    if (route !== undefined) {
      let rm = route.runtime as RouteMetrics | undefined;
      if (rm === undefined) {
        rm = metrics.route(route.ir.statsName || route.ir.name);
        route.runtime = rm;
      }
      metrics.recordRoute(rm, status, seconds);
    }
    if (this.cluster !== undefined && this.upstreamMs >= 0) {
      metrics.recordCluster(metrics.cluster(this.cluster), status, this.upstreamMs / 1000);
    }
    if (host.accessLog.sampled()) {
      const routed = this.routed;
      host.accessLog.write({
        method: this.req.method ?? '',
        path: routed?.path ?? this.req.url ?? '',
        authority: routed?.authority ?? '',
        protocol: this.http2 ? 'HTTP/2' : `HTTP/${this.req.httpVersion}`,
        status,
        ...(route ? { route: route.ir.name } : {}),
        ...(this.cluster ? { cluster: this.cluster } : {}),
        ...(this.endpoint ? { upstream: this.endpoint } : {}),
        durationMs: Math.round(seconds * 1e6) / 1000,
        ...(this.upstreamMs >= 0 ? { upstreamMs: Math.round(this.upstreamMs * 1000) / 1000 } : {}),
        ...(this.retries > 0 ? { retries: this.retries } : {}),
        client: routed?.forwarded.client ?? peerAddress(this.req.socket?.remoteAddress),
        ...(this.requestId ? { requestId: this.requestId } : {}),
        ...(this.reason ? { reason: this.reason } : {}),
      });
    }
    host.inflight--;
    const cfg = this.cfg;
    cfg.inflight--;
    if (cfg.retired && cfg.inflight === 0) host.releaseConfig(cfg);
  }

  // Accessors for the filter context.
  get routedRequest(): RoutedRequest {
    return this.routed as RoutedRequest;
  }
  get config(): RuntimeConfig {
    return this.cfg;
  }
  get limit(): number {
    return this.cfg.settings.maxRequestBodyBytes;
  }
  get isHttp2(): boolean {
    return this.http2;
  }
}

/** Passes the body through unchanged and keeps a bounded copy for mirrors. */
class MirrorTee extends Transform {
  private chunks: Buffer[] | undefined = [];
  private size = 0;

  constructor(
    private readonly limit: number,
    private readonly done: (data: Buffer | undefined) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.chunks !== undefined) {
      this.size += chunk.length;
      if (this.size > this.limit) this.chunks = undefined;
      else this.chunks.push(chunk);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.done(this.chunks === undefined ? undefined : Buffer.concat(this.chunks));
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.chunks !== undefined && !this.writableFinished) {
      this.chunks = undefined;
      this.done(undefined);
    }
    cb(err);
  }
}

function requestHasBody(req: DownstreamRequest, http2: boolean): boolean {
  if (http2) {
    const stream = (req as Http2ServerRequest).stream as { endAfterHeaders?: boolean } | undefined;
    return !(stream?.endAfterHeaders ?? false) && !req.readableEnded;
  }
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

function failureText(f: UpstreamFailure): string {
  switch (f.reason) {
    case 'no-healthy-endpoint':
      return 'no healthy upstream';
    case 'timeout':
      return 'upstream request timeout';
    case 'circuit-open':
      return 'upstream overflow (circuit breaker open)';
    case 'no-cluster':
      return 'unknown cluster';
    default:
      return `upstream connect error or disconnect/reset before headers. reset reason: ${f.reason}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Filter context

/** What readBody keeps so the router can forward the body afterwards. */
interface BufferedBody {
  data: Buffer;
  complete: boolean;
}

class GatewayFilterContext implements FilterContext {
  readonly request: FilterRequest;
  readonly upstreamHeaders = new Map<string, string>();
  readonly upstreamHeadersToRemove = new Set<string>();
  readonly responseHeaders = new Map<string, string>();
  principal?: string;
  claims?: Record<string, Record<string, unknown>>;
  buffered: BufferedBody | undefined;
  private reading: Promise<{ body: Buffer; truncated: boolean }> | undefined;

  constructor(
    private readonly ex: Exchange,
    readonly route: IRRoute,
  ) {
    const routed = ex.routedRequest;
    const req = ex.req;
    const self = this;
    this.request = {
      method: req.method ?? 'GET',
      path: routed.path,
      query: routed.query,
      authority: routed.authority,
      scheme: routed.scheme,
      headers: req.headers,
      remoteAddress: routed.forwarded.client,
      readBody(maxBytes: number) {
        self.reading ??= self.readBody(maxBytes);
        return self.reading;
      },
    };
  }

  get ir() {
    return this.ex.config.ir;
  }

  private readBody(maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
    const req = this.ex.req;
    if (!requestHasBody(req, this.ex.isHttp2)) {
      this.buffered = { data: Buffer.alloc(0), complete: true };
      return Promise.resolve({ body: this.buffered.data, truncated: false });
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBytes) {
          cleanup();
          req.pause();
          const data = Buffer.concat(chunks);
          this.buffered = { data, complete: false };
          resolve({ body: data.subarray(0, maxBytes), truncated: true });
        }
      };
      const onEnd = () => {
        cleanup();
        const data = Buffer.concat(chunks);
        this.buffered = { data, complete: true };
        resolve({ body: data, truncated: false });
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
    });
  }
}

export { kExchange };
