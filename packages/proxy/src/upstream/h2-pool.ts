import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants as h2constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { connect as netConnect } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Dispatcher } from 'undici';
import {
  DETACHED_POOL_HANDLER,
  PoolError,
  type PoolHandler,
  type UpstreamDispatcher,
} from './dispatch-handler.js';
import type { UpstreamTlsOptions } from './tls.js';

export interface H2PoolOptions {
  tls?: UpstreamTlsOptions;
  connectTimeoutMs: number;
  /** Close a session after this long without streams. */
  idleTimeoutMs: number;
  /** Stop opening streams on a session older than this; 0 = unlimited. */
  maxConnectionLifetimeMs: number;
  /** Cap on sessions (connections) to the endpoint. */
  maxSessions: number;
  /** TCP keepalive initial delay, 0 = OS default. */
  tcpKeepaliveDelayMs: number;
}

/** Streams per session until the peer's SETTINGS say otherwise (Node's and Envoy's edge default). */
const DEFAULT_MAX_STREAMS = 100;

class Session {
  readonly session: ClientHttp2Session;
  readonly createdAt = Date.now();
  streams = 0;
  maxStreams = DEFAULT_MAX_STREAMS;
  ready = false;
  /** GOAWAY received, lifetime over or closing: no new streams. */
  draining = false;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(session: ClientHttp2Session) {
    this.session = session;
  }
}

const kRequest = Symbol('h2Request');
type StreamWithRequest = ClientHttp2Stream & { [kRequest]: H2Request };

function onStreamResponse(this: StreamWithRequest, headers: IncomingHttpHeaders): void {
  this[kRequest].onResponse(headers);
}
function onStreamData(this: StreamWithRequest, chunk: Buffer): void {
  this[kRequest].onData(chunk);
}
function onStreamTrailers(this: StreamWithRequest, trailers: IncomingHttpHeaders): void {
  this[kRequest].onTrailers(trailers);
}
function onStreamEnd(this: StreamWithRequest): void {
  this[kRequest].onEnd();
}
function onStreamError(this: StreamWithRequest, err: Error): void {
  this[kRequest].fail(err);
}
function onStreamTimeout(this: StreamWithRequest): void {
  this[kRequest].onTimeout();
}
function onStreamClose(this: StreamWithRequest): void {
  this[kRequest].onClose();
}

/** One request on one HTTP/2 stream; the stream's listeners forward to it. */
class H2Request {
  private readonly pool: H2Pool;
  private readonly entry: Session;
  /** The caller's handler, replaced by DETACHED_POOL_HANDLER once the request is over. */
  private handler: PoolHandler;
  private readonly stream: ClientHttp2Stream;
  private trailers: IncomingHttpHeaders | null = null;
  private responded = false;
  private done = false;
  private idleMs = 0;

  constructor(
    pool: H2Pool,
    entry: Session,
    opts: Dispatcher.DispatchOptions,
    handler: PoolHandler,
    authority: string,
  ) {
    this.pool = pool;
    this.entry = entry;
    this.handler = handler;
    const headers: OutgoingHttpHeaders = {
      ':method': opts.method,
      ':path': opts.path,
      ':scheme': pool.scheme,
      ':authority': authority,
    };
    const src = opts.headers as Record<string, string | string[] | undefined> | null | undefined;
    if (src) {
      for (const key of Object.keys(src)) {
        const lower = key.toLowerCase();
        if (lower === 'host' || lower[0] === ':') continue;
        headers[lower] = src[key];
      }
    }
    const body = opts.body as Buffer | Readable | string | null | undefined;
    const endStream = body == null;
    const stream = entry.session.request(headers, { endStream });
    this.stream = stream;
    entry.streams++;
    this.resume = this.resume.bind(this);
    // Shared listener functions (`this` is the stream) instead of closures per request.
    (stream as StreamWithRequest)[kRequest] = this;
    stream.on('response', onStreamResponse);
    stream.on('data', onStreamData);
    stream.on('trailers', onStreamTrailers);
    stream.on('end', onStreamEnd);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    const idle = Math.max(opts.headersTimeout ?? 0, opts.bodyTimeout ?? 0);
    this.idleMs = idle;
    if (idle > 0) stream.setTimeout(idle, onStreamTimeout);
    handler.onConnect((err?: Error) =>
      this.abort(err ?? new PoolError('UND_ERR_ABORTED', 'request aborted')),
    );
    if (this.done || endStream) return;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      stream.end(body);
    } else if (body) {
      pipeline(body as Readable, stream, (err) => {
        if (err && !this.done) this.abort(err);
      });
    }
  }

  resume(): void {
    this.stream.resume();
  }

  onData(chunk: Buffer): void {
    if (!this.done && this.handler.onData(chunk) === false) this.stream.pause();
  }

  onTimeout(): void {
    const idle = this.idleMs;
    this.abort(
      this.responded
        ? new PoolError('UND_ERR_BODY_TIMEOUT', `HTTP/2 stream idle for ${idle} ms`)
        : new PoolError('UND_ERR_HEADERS_TIMEOUT', `HTTP/2 response headers not received within ${idle} ms`),
    );
  }

  onTrailers(t: IncomingHttpHeaders): void {
    this.trailers = t;
  }

  onResponse(h: IncomingHttpHeaders): void {
    if (this.done) return;
    this.responded = true;
    const raw: string[] = [];
    for (const key of Object.keys(h)) {
      if (key[0] === ':') continue;
      const v = h[key];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) raw.push(key, item);
      else raw.push(key, String(v));
    }
    if (this.handler.onHeaders(Number(h[':status']), raw, this.resume, '') === false) this.stream.pause();
  }

  onEnd(): void {
    if (this.done) return;
    if (!this.responded) {
      this.fail(new PoolError('UND_ERR_SOCKET', 'HTTP/2 stream ended before a response'));
      return;
    }
    this.done = true;
    const handler = this.handler;
    this.handler = DETACHED_POOL_HANDLER;
    handler.onComplete((this.trailers as Record<string, unknown> | null) ?? {});
  }

  onClose(): void {
    this.pool.streamClosed(this.entry);
    if (this.done) return;
    const code = this.stream.rstCode;
    const name = code === h2constants.NGHTTP2_REFUSED_STREAM ? 'NGHTTP2_REFUSED_STREAM' : `code ${code}`;
    this.fail(new PoolError('UND_ERR_SOCKET', `HTTP/2 stream closed before the response ended (${name})`));
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    // destroy() sends RST_STREAM(CANCEL) and releases the stream now; close() would wait for
    // the readable side to be consumed.
    if (!this.stream.destroyed) this.stream.destroy();
    const handler = this.handler;
    this.handler = DETACHED_POOL_HANDLER;
    handler.onError(err);
  }

  abort(err: Error): void {
    this.fail(err);
  }
}

/**
 * HTTP/2 connection pool for one endpoint, on node:http2 directly. undici 7's HTTP/2 client
 * refuses to start a request with a streaming body while other streams are open on the same
 * connection, so a long-lived gRPC stream would block every later streaming call; this pool
 * multiplexes any request on a session up to the peer's `maxConcurrentStreams`, opens another
 * session only when all are full, and speaks cleartext h2 with prior knowledge (h2c) or TLS with
 * ALPN `h2`. It drives the same dispatch-handler callbacks as undici, so the exchange code is
 * shared.
 *
 * @example
 * ```ts
 * const pool = new H2Pool('http://127.0.0.1:50051', { connectTimeoutMs: 1000, idleTimeoutMs: 60000,
 *   maxConnectionLifetimeMs: 0, maxSessions: 4, tcpKeepaliveDelayMs: 0 });
 * ```
 */
export class H2Pool implements UpstreamDispatcher {
  readonly scheme: 'http' | 'https';
  private readonly origin: string;
  private readonly authority: string;
  private readonly options: H2PoolOptions;
  private readonly sessions: Session[] = [];
  private readonly queue: Array<[Dispatcher.DispatchOptions, PoolHandler]> = [];
  private connecting = 0;
  private closing = false;
  private destroyed = false;
  private closeWaiters: Array<() => void> = [];

  constructor(origin: string, options: H2PoolOptions) {
    const url = new URL(origin);
    this.origin = url.origin;
    this.authority = url.host;
    this.scheme = url.protocol === 'https:' ? 'https' : 'http';
    this.options = options;
  }

  dispatch(opts: Dispatcher.DispatchOptions, rawHandler: Dispatcher.DispatchHandler): boolean {
    const handler = rawHandler as PoolHandler;
    if (this.closing || this.destroyed) {
      handler.onError(new PoolError('UND_ERR_DESTROYED', 'HTTP/2 pool is closed'));
      return false;
    }
    const entry = this.available();
    if (entry) this.start(entry, opts, handler);
    else {
      this.queue.push([opts, handler]);
      this.maybeConnect();
    }
    return true;
  }

  private start(entry: Session, opts: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    if (entry.streams === 0) entry.session.ref();
    const host = (opts.headers as Record<string, unknown> | undefined)?.host;
    try {
      new H2Request(this, entry, opts, handler, typeof host === 'string' ? host : this.authority);
    } catch (err) {
      handler.onError(err as Error);
    }
  }

  private available(): Session | undefined {
    const lifetime = this.options.maxConnectionLifetimeMs;
    for (const s of this.sessions) {
      if (!s.ready || s.draining) continue;
      if (lifetime > 0 && Date.now() - s.createdAt > lifetime) {
        s.draining = true;
        if (s.streams === 0) s.session.close();
        continue;
      }
      if (s.streams < s.maxStreams) return s;
    }
    return undefined;
  }

  private maybeConnect(): void {
    if (this.queue.length === 0 || this.connecting > 0) return;
    const open = this.sessions.filter((s) => !s.draining).length;
    if (open >= Math.max(1, this.options.maxSessions)) return;
    this.connect();
  }

  private connect(): void {
    const o = this.options;
    const t = o.tls;
    const url = new URL(this.origin);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port);
    const keepAlive = {
      keepAlive: true,
      keepAliveInitialDelay: Math.max(0, o.tcpKeepaliveDelayMs),
    };
    // Our own socket, so TCP keepalive and TLS settings apply (the session's socket proxy refuses
    // setKeepAlive once connected).
    const session = http2Connect(this.origin, {
      settings: { enablePush: false },
      createConnection: () => {
        const tcp = netConnect({ host, port, noDelay: true, ...keepAlive });
        if (!t) return tcp;
        return tlsConnect({
          socket: tcp,
          servername: t.servername,
          ca: t.ca,
          cert: t.cert,
          key: t.key,
          rejectUnauthorized: t.rejectUnauthorized,
          ALPNProtocols: ['h2'],
        });
      },
    });
    const entry = new Session(session);
    this.sessions.push(entry);
    this.connecting++;
    const timeoutMs = o.connectTimeoutMs > 0 ? o.connectTimeoutMs : 10_000;
    let connectTimer: NodeJS.Timeout | null = setTimeout(() => {
      connectTimer = null;
      session.destroy(
        new PoolError('UND_ERR_CONNECT_TIMEOUT', `connect timeout after ${timeoutMs} ms (${this.origin})`),
      );
    }, timeoutMs);
    const settle = () => {
      if (connectTimer) clearTimeout(connectTimer);
      connectTimer = null;
      if (!entry.ready) this.connecting--;
    };
    session.once('connect', () => {
      settle();
      entry.ready = true;
      this.flush();
    });
    session.on('remoteSettings', (settings) => {
      entry.maxStreams = Math.max(1, settings.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS);
      this.flush();
    });
    session.on('goaway', () => {
      entry.draining = true;
    });
    session.on('error', (err) => {
      if (!entry.ready) this.failQueue(err);
    });
    session.once('close', () => {
      const wasConnecting = !entry.ready && connectTimer !== null;
      settle();
      if (wasConnecting)
        this.failQueue(
          new PoolError('UND_ERR_SOCKET', `HTTP/2 session to ${this.origin} closed while connecting`),
        );
      entry.ready = false;
      entry.draining = true;
      if (entry.idleTimer) clearTimeout(entry.idleTimer);
      const i = this.sessions.indexOf(entry);
      if (i >= 0) this.sessions.splice(i, 1);
      this.maybeConnect();
      this.checkClosed();
    });
  }

  /** Moves queued requests onto sessions with free stream slots; opens another session if needed. */
  private flush(): void {
    while (this.queue.length > 0) {
      const entry = this.available();
      if (!entry) break;
      const [opts, handler] = this.queue.shift()!;
      this.start(entry, opts, handler);
    }
    this.maybeConnect();
    this.checkClosed();
  }

  private failQueue(err: Error): void {
    // Requests wait for one connection attempt at a time; if it fails they fail with it
    // (undici does the same), and the exchange may retry them elsewhere.
    const queued = this.queue.splice(0);
    for (const [, handler] of queued) handler.onError(err);
  }

  /** Called by a request when its stream closes. */
  streamClosed(entry: Session): void {
    entry.streams--;
    if (entry.streams === 0) {
      if (entry.draining || this.closing) {
        entry.session.close();
      } else {
        entry.session.unref();
        const idle = this.options.idleTimeoutMs > 0 ? this.options.idleTimeoutMs : 60_000;
        entry.idleTimer = setTimeout(() => {
          entry.idleTimer = null;
          entry.draining = true;
          if (entry.streams === 0) entry.session.close();
        }, idle);
        entry.idleTimer.unref();
      }
    }
    if (this.queue.length > 0) this.flush();
    else this.checkClosed();
  }

  private checkClosed(): void {
    if (!this.closing || this.queue.length > 0) return;
    for (const s of this.sessions) {
      if (s.streams > 0) return;
      if (!s.session.closed) s.session.close();
    }
    if (this.sessions.length > 0) return;
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops taking requests; resolves once queued and in-flight requests finished and sessions closed. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.checkClosed();
    });
  }

  /** Fails queued requests and tears every session down now. */
  destroy(): Promise<void> {
    this.destroyed = true;
    this.closing = true;
    this.failQueue(new PoolError('UND_ERR_DESTROYED', 'HTTP/2 pool destroyed'));
    for (const s of [...this.sessions]) s.session.destroy();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.checkClosed();
    });
  }
}
