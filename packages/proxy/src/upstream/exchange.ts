import { Readable } from 'node:stream';
import { type Dispatcher, util as undiciUtil } from 'undici';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ClusterRuntime, Endpoint } from './cluster.js';
import type { UpstreamEvents } from './events.js';
import {
  type AttemptError,
  backoffDelay,
  type CompiledRetry,
  compileRetry,
  shouldRetryError,
  shouldRetryStatus,
} from './retry.js';
import type {
  RequestPolicy,
  UpstreamCall,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSink,
} from './types.js';

type HeaderMap = Record<string, string | string[]>;
type Outcome = UpstreamResponse | UpstreamFailure;

/** Trailers of a response that had none: shared, frozen (sinks only read them). */
const NO_TRAILERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const parseHeaders = undiciUtil.parseHeaders as (raw: Buffer[] | string[], obj?: HeaderMap) => HeaderMap;

/** Bodies of responses discarded for a retry are drained (keeping the connection) up to this size. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** Readable buffer for response bodies (undici's own default). */
const BODY_HIGH_WATER_MARK = 64 * 1024;

/** Thrown into an attempt when a timeout fires. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

/** Thrown into an attempt when the downstream side went away. */
export class DownstreamAbortError extends Error {
  readonly code = 'DOWNSTREAM_ABORTED';
}

/** Failure kinds an attempt can end with, beyond the retriable ones. */
type AttemptFailure = AttemptError | 'protocol-error' | 'aborted';

/**
 * Classifies an undici error. `connected` = undici had handed the request to a connection
 * (`onConnect`), so anything before it is a connect failure (refused, unreachable, TLS handshake,
 * connect timeout).
 */
export function classifyError(err: Error & { code?: string }, connected: boolean): AttemptFailure {
  const code = err.code ?? '';
  if (code === 'UPSTREAM_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return 'timeout';
  }
  if (code === 'DOWNSTREAM_ABORTED') return 'aborted';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || !connected) return 'connect-failure';
  if (err.message.includes('REFUSED_STREAM')) return 'refused-stream';
  if (
    code.startsWith('HPE_') ||
    code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' ||
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'UND_ERR_NOT_SUPPORTED' ||
    code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
  ) {
    return 'protocol-error';
  }
  return 'reset';
}

/** Headers undici or HTTP/2 refuse on a request (the downstream side should have stripped them). */
const REFUSED_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
];

/**
 * Returns headers undici will accept: maps `:authority` to `host`, drops connection-specific
 * headers and any `te` other than `trailers`, and applies a host override. Returns the same object
 * when nothing needs changing (the common case: no copy).
 */
export function upstreamHeaders(h: HeaderMap, host: string | undefined): HeaderMap {
  let dirty =
    host !== undefined || h[':authority'] !== undefined || (h.te !== undefined && h.te !== 'trailers');
  if (!dirty) {
    for (let i = 0; i < REFUSED_REQUEST_HEADERS.length; i++) {
      if (h[REFUSED_REQUEST_HEADERS[i]!] !== undefined) {
        dirty = true;
        break;
      }
    }
  }
  if (!dirty) return h;
  const out: HeaderMap = {};
  for (const key of Object.keys(h)) {
    const value = h[key]!;
    if (key[0] === ':') {
      if (key === ':authority' && h.host === undefined && host === undefined) out.host = value;
      continue;
    }
    if (REFUSED_REQUEST_HEADERS.includes(key)) continue;
    if (key === 'te' && value !== 'trailers') continue;
    out[key] = value;
  }
  if (host !== undefined) out.host = host;
  return out;
}

function toTrailerRecord(raw: unknown): Record<string, string> {
  if (raw == null) return NO_TRAILERS;
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    if (raw.length === 0) return NO_TRAILERS;
    const parsed = parseHeaders(raw as Buffer[]);
    for (const key of Object.keys(parsed)) {
      const v = parsed[key]!;
      out[key] = Array.isArray(v) ? v.join(', ') : v;
    }
    return out;
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (typeof v === 'string') out[key] = v;
    else if (Array.isArray(v)) out[key] = v.join(', ');
    else if (v !== undefined && v !== null) out[key] = String(v);
  }
  return out;
}

function onAttemptTimer(attempt: Attempt): void {
  attempt.timer = null;
  attempt.timeout();
}

function onRetryTimer(exchange: Exchange): void {
  exchange.retryTimer = null;
  exchange.startRetry();
}

/**
 * One try of a request against one endpoint; it is the undici dispatch handler (legacy handler
 * API: undici 7 dispatchers speak it natively, while `onRequestStart`-style handlers are wrapped
 * in an adapter per request). Counters it holds (endpoint in-flight, breaker pending/retries) are
 * released exactly once in {@link Attempt.release}.
 */
class Attempt implements Dispatcher.DispatchHandler {
  readonly exchange: Exchange;
  readonly endpoint: Endpoint;
  readonly isRetry: boolean;
  abortFn: ((err?: Error) => void) | null = null;
  resume: (() => void) | null = null;
  timer: NodeJS.Timeout | null = null;
  /** The timer is the exchange's overall deadline (no retry when it fires) rather than a per-try timeout. */
  timerIsDeadline = false;
  pending = true;
  connected = false;
  done = false;
  /** Response headers went to the sink: no retry possible any more. */
  responded = false;
  /** Response is being drained (or was aborted) because a retry replaces it. */
  discard = false;
  /** Error we gave up with before undici connected the request; applied in onConnect. */
  abandoned: Error | null = null;

  constructor(exchange: Exchange, endpoint: Endpoint, isRetry: boolean) {
    this.exchange = exchange;
    this.endpoint = endpoint;
    this.isRetry = isRetry;
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.endpoint.activeRequests--;
    const breaker = this.exchange.breaker;
    if (this.pending) {
      this.pending = false;
      breaker.pendingRequests--;
    }
    if (this.isRetry) breaker.activeRetries--;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Ends the attempt from our side (timeout, downstream abort, retry replacing it). */
  abort(err: Error): void {
    if (this.done) return;
    if (this.abortFn !== null) {
      this.abortFn(err);
    } else {
      // Not on a connection yet: undici would only tell us once it connects, so act now and
      // abort the request when undici hands it over.
      this.abandoned = err;
      this.onError(err);
    }
  }

  timeout(): void {
    if (this.done) return;
    const ex = this.exchange;
    this.abort(
      new UpstreamTimeoutError(
        this.timerIsDeadline
          ? `cluster ${ex.cluster.name}: request timeout after ${ex.policy.timeoutMs} ms (${this.endpoint.address})`
          : `cluster ${ex.cluster.name}: per-try timeout after ${ex.retry?.perTryTimeoutMs ?? 0} ms (${this.endpoint.address})`,
      ),
    );
  }

  // --- undici handler -------------------------------------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    this.connected = true;
    if (this.pending) {
      this.pending = false;
      this.exchange.breaker.pendingRequests--;
    }
    if (this.abandoned !== null) abort(this.abandoned);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.done) {
      this.abortFn?.(this.abandoned ?? new DownstreamAbortError('attempt already finished'));
      return false;
    }
    if (statusCode < 200) return true;
    const ex = this.exchange;
    const headers = parseHeaders(rawHeaders);
    const outlier = ex.cluster.outlier;
    if (outlier !== undefined) outlier.onStatus(this.endpoint, statusCode);
    if (
      ex.retry !== null &&
      ex.canRetry() &&
      shouldRetryStatus(ex.retry, statusCode, headers) &&
      ex.reserveRetry()
    ) {
      this.discard = true;
      const length = Number(headers['content-length'] ?? Number.NaN);
      if (!(length <= DRAIN_LIMIT_BYTES))
        this.abortFn?.(new DownstreamAbortError('response replaced by a retry'));
      ex.scheduleRetry(`${this.endpoint.address} responded ${statusCode}`);
      return true;
    }
    this.resume = resume;
    return ex.respond(this, statusCode, headers);
  }

  onData(chunk: Buffer): boolean {
    // Drained responses (retry) and detached calls swallow the bytes.
    if (!this.responded || this.done) return true;
    return this.exchange.data(chunk);
  }

  onComplete(trailers: unknown): void {
    if (this.done) return;
    this.release();
    this.resume = null;
    if (this.responded) this.exchange.complete(trailers);
  }

  onError(err: Error): void {
    if (this.done) return;
    this.release();
    this.resume = null;
    if (this.discard) return;
    if (this.responded) this.exchange.responseFailed(err);
    else this.exchange.attemptFailed(this, err);
  }
}

/**
 * One downstream request's trip upstream: picks endpoints, applies the circuit breaker, timeouts
 * and retries, and pushes the first response whose headers should go downstream (or a failure)
 * into an {@link UpstreamSink}. It is itself the {@link UpstreamCall} handle. Both
 * `ClusterManager.dispatch` (the downstream's own sink) and `ClusterManager.request` (a
 * {@link ResponseSink} that turns the pushes into a promise and a Readable) run on it.
 */
export class Exchange implements UpstreamCall {
  retries = 0;
  readonly cluster: ClusterRuntime;
  readonly request: UpstreamRequest;
  readonly policy: RequestPolicy;
  readonly retry: CompiledRetry | null;
  readonly breaker: CircuitBreaker;
  retryTimer: NodeJS.Timeout | null = null;
  /** The error that ended a response body after its headers went out (for the Readable adapter). */
  bodyError: Error | null = null;
  private readonly sink: UpstreamSink;
  private readonly events: UpstreamEvents;
  private readonly idleTimeoutMs: number;
  /** The sink got its `onResponse` or a failure: no retry, no second answer. */
  private settled = false;
  private finished = false;
  private aborted = false;
  /** `abort()` was called: the sink gets no further calls. */
  private detached = false;
  private deadline = 0;
  private nextDelay = 0;
  private options: Dispatcher.DispatchOptions | null = null;
  private current: Attempt | null = null;

  constructor(
    cluster: ClusterRuntime,
    request: UpstreamRequest,
    policy: RequestPolicy,
    events: UpstreamEvents,
    defaultIdleTimeoutMs: number,
    sink: UpstreamSink,
  ) {
    this.cluster = cluster;
    this.request = request;
    this.policy = policy;
    this.events = events;
    this.sink = sink;
    this.retry = policy.retry ? compileRetry(policy.retry) : null;
    this.breaker = cluster.breaker(policy.priority);
    this.idleTimeoutMs = policy.idleTimeoutMs > 0 ? policy.idleTimeoutMs : defaultIdleTimeoutMs;
  }

  /** Admits the request through the circuit breaker and sends the first attempt. */
  start(): this {
    const cluster = this.cluster;
    const limit = this.breaker.admit();
    if (limit !== undefined) {
      const message = this.breaker.describe(cluster.name, limit);
      this.events.emit('circuit-open', cluster.name, message);
      this.settled = true;
      this.finished = true;
      this.sink.onFailure(this.failure('circuit-open', 503, message), false);
      return this;
    }
    this.breaker.activeRequests++;
    const signal = this.policy.signal;
    if (signal) {
      if (signal.aborted) {
        this.fail('reset', 502, `cluster ${cluster.name}: request aborted before it was sent`);
        return this;
      }
      signal.addEventListener('abort', this);
    }
    if (this.policy.timeoutMs > 0) this.deadline = Date.now() + this.policy.timeoutMs;
    this.startAttempt(false);
    return this;
  }

  // --- UpstreamCall -----------------------------------------------------------------------------

  /** Resumes a body paused by the sink's `onData` returning false. */
  resume(): void {
    const attempt = this.current;
    if (attempt !== null && attempt.resume !== null) attempt.resume();
  }

  /** The downstream went away: cancel everything; the sink hears nothing more. */
  abort(): void {
    if (this.detached) return;
    this.detached = true;
    this.handleEvent();
  }

  /** AbortSignal listener (the exchange is its own listener object: no closure per request). */
  handleEvent(): void {
    if (this.aborted) return;
    this.aborted = true;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.breaker.activeRetries--;
      this.fail('reset', 502, `cluster ${this.cluster.name}: request aborted during retry backoff`);
      return;
    }
    const attempt = this.current;
    if (attempt !== null) attempt.abort(new DownstreamAbortError('request aborted by the downstream side'));
  }

  /** The Readable adapter's body was destroyed before the upstream response ended. */
  bodyDestroyed(err: Error | null): void {
    const attempt = this.current;
    if (attempt === null || attempt.done) return;
    attempt.abort(
      err ?? new DownstreamAbortError('response body destroyed before the upstream response ended'),
    );
  }

  // --- attempts -------------------------------------------------------------------------------

  private dispatchOptions(endpoint: Endpoint): Dispatcher.DispatchOptions {
    const req = this.request;
    const hostOverride = req.autoHostRewrite ? endpoint.hostName : undefined;
    if (this.options !== null && hostOverride === undefined) return this.options;
    const opts: Dispatcher.DispatchOptions = {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: upstreamHeaders(req.headers, hostOverride),
      body: req.bodyBuffer ?? req.body,
      // Lets HTTP/2 multiplex any method; HTTP/1.1 pools never pipeline, so it changes nothing there.
      idempotent: true,
      headersTimeout: this.idleTimeoutMs,
      bodyTimeout: this.idleTimeoutMs,
    };
    // undici derives SNI from the Host header unless told otherwise (and reconnects when it
    // changes); the cluster's SNI must win.
    const servername = this.cluster.spec.poolConfig.tls?.servername;
    if (servername !== undefined)
      (opts as Dispatcher.DispatchOptions & { servername?: string }).servername = servername;
    if (hostOverride === undefined) this.options = opts;
    return opts;
  }

  private startAttempt(isRetry: boolean): void {
    const cluster = this.cluster;
    const endpoint = cluster.pick(this.request.hashKey);
    if (endpoint === undefined) {
      if (isRetry) this.breaker.activeRetries--;
      this.fail('no-healthy-endpoint', 503, cluster.noEndpointMessage());
      return;
    }
    const attempt = new Attempt(this, endpoint, isRetry);
    this.current = attempt;
    endpoint.activeRequests++;
    this.breaker.pendingRequests++;

    const perTry = this.retry === null ? 0 : this.retry.perTryTimeoutMs;
    if (this.deadline > 0 || perTry > 0) {
      let ms = 0;
      if (this.deadline > 0) {
        ms = this.deadline - Date.now();
        attempt.timerIsDeadline = true;
        if (ms <= 0) {
          attempt.release();
          this.fail(
            'timeout',
            504,
            `cluster ${cluster.name}: request timeout after ${this.policy.timeoutMs} ms`,
            endpoint.address,
          );
          return;
        }
      }
      if (perTry > 0 && (ms === 0 || perTry < ms)) {
        ms = perTry;
        attempt.timerIsDeadline = false;
      }
      attempt.timer = setTimeout(onAttemptTimer, ms, attempt);
    }
    endpoint.dispatcher(this.policy.grpc).dispatch(this.dispatchOptions(endpoint), attempt);
  }

  /** True while another attempt is allowed by the policy, the method, the body and the clock. */
  canRetry(): boolean {
    const r = this.retry;
    if (r === null || this.settled || this.aborted || this.retries >= r.numRetries) return false;
    if (!this.policy.idempotent && !r.retryNonIdempotent) return false;
    const req = this.request;
    return req.body === null || req.body === undefined || req.bodyBuffer !== undefined;
  }

  /**
   * Reserves the next retry: false (nothing reserved) when the breaker's retry budget is used up
   * or the backoff would run past the request deadline. Then the current outcome stands.
   */
  reserveRetry(): boolean {
    const cluster = this.cluster;
    if (!this.breaker.admitRetry()) {
      this.events.emit('circuit-open', cluster.name, this.breaker.describe(cluster.name, 'max-retries'));
      return false;
    }
    const delay = backoffDelay(this.retry!, this.retries);
    if (this.deadline > 0 && Date.now() + delay >= this.deadline) return false;
    this.nextDelay = delay;
    this.breaker.activeRetries++;
    return true;
  }

  /** Starts the backoff before the next attempt (the caller reserved it with {@link reserveRetry}). */
  scheduleRetry(reason: string): void {
    this.retries++;
    if (this.events.has('retry')) {
      this.events.emit(
        'retry',
        this.cluster.name,
        `retry ${this.retries}/${this.retry!.numRetries} after ${reason}`,
      );
    }
    this.retryTimer = setTimeout(onRetryTimer, this.nextDelay, this);
  }

  startRetry(): void {
    if (this.settled) {
      this.breaker.activeRetries--;
      return;
    }
    this.startAttempt(true);
  }

  /** An attempt ended without a response. */
  attemptFailed(attempt: Attempt, err: Error): void {
    const kind = classifyError(err, attempt.connected);
    const address = attempt.endpoint.address;
    const cluster = this.cluster;
    if (kind === 'aborted' || this.aborted) {
      this.fail('reset', 502, `cluster ${cluster.name}: request aborted by the downstream side`, address);
      return;
    }
    cluster.outlier?.onGatewayFailure(attempt.endpoint);
    if (this.events.has('upstream-error')) {
      this.events.emit('upstream-error', cluster.name, `${address} ${kind}: ${err.message}`);
    }
    if (
      kind !== 'protocol-error' &&
      !(attempt.timerIsDeadline && err instanceof UpstreamTimeoutError) &&
      this.canRetry() &&
      shouldRetryError(this.retry!, kind) &&
      this.reserveRetry()
    ) {
      this.scheduleRetry(`${kind} from ${address}`);
      return;
    }
    const reason = failureReason(kind);
    this.fail(reason, failureStatus(reason), this.failureMessage(err, kind, address), address);
  }

  private failureMessage(err: Error, kind: AttemptFailure, address: string): string {
    const prefix = `cluster ${this.cluster.name}: `;
    return err.message.startsWith(prefix) ? err.message : `${prefix}${kind} (${address}): ${err.message}`;
  }

  /** Response headers are going downstream: no retry from here on. */
  respond(attempt: Attempt, statusCode: number, headers: HeaderMap): boolean {
    if (this.settled) {
      attempt.abort(new DownstreamAbortError('request already answered'));
      return false;
    }
    attempt.responded = true;
    this.settled = true;
    if (this.detached) return true;
    this.sink.onResponse(statusCode, headers, attempt.endpoint.address, this.retries);
    return true;
  }

  /** A response body chunk; false pauses the upstream until {@link resume}. */
  data(chunk: Buffer): boolean {
    return this.detached ? true : this.sink.onData(chunk);
  }

  complete(trailers: unknown): void {
    this.finish();
    if (!this.detached) this.sink.onEnd(toTrailerRecord(trailers));
  }

  /** The body failed after its headers went to the sink (reset, idle or request timeout, abort). */
  responseFailed(err: Error): void {
    this.finish();
    this.bodyError = err;
    if (this.detached) return;
    const attempt = this.current!;
    const kind = classifyError(err, true);
    const reason = kind === 'aborted' ? 'reset' : failureReason(kind);
    this.sink.onFailure(
      this.failure(
        reason,
        failureStatus(reason),
        this.failureMessage(err, kind, attempt.endpoint.address),
        attempt.endpoint.address,
      ),
      true,
    );
  }

  private failure(
    reason: UpstreamFailure['reason'],
    status: UpstreamFailure['status'],
    message: string,
    endpoint?: string,
  ): UpstreamFailure {
    const f: UpstreamFailure = { kind: 'failure', reason, status, message, retries: this.retries };
    if (endpoint !== undefined) f.endpoint = endpoint;
    return f;
  }

  private fail(
    reason: UpstreamFailure['reason'],
    status: UpstreamFailure['status'],
    message: string,
    endpoint?: string,
  ): void {
    if (this.settled) return;
    this.settled = true;
    this.finish();
    if (!this.detached) this.sink.onFailure(this.failure(reason, status, message, endpoint), false);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.breaker.activeRequests--;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.breaker.activeRetries--;
    }
    this.policy.signal?.removeEventListener('abort', this);
  }
}

function failureReason(kind: AttemptFailure): UpstreamFailure['reason'] {
  return kind === 'connect-failure' || kind === 'timeout' || kind === 'protocol-error' ? kind : 'reset';
}

function failureStatus(reason: UpstreamFailure['reason']): UpstreamFailure['status'] {
  return reason === 'connect-failure' ? 503 : reason === 'timeout' ? 504 : 502;
}

/** The response body of the promise path: the exchange pushes, `read` resumes the upstream. */
class UpstreamBody extends Readable {
  private readonly exchange: Exchange;

  constructor(exchange: Exchange) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.exchange = exchange;
  }

  override _read(): void {
    this.exchange.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.exchange.bodyDestroyed(err);
    cb(err);
  }
}

/**
 * Adapts {@link Exchange}'s pushes to `ClusterManager.request`'s shape: a promise of the response
 * (this object itself, to save an allocation) with a Readable body and a trailers promise.
 */
export class ResponseSink implements UpstreamSink, UpstreamResponse {
  readonly kind = 'response' as const;
  statusCode = 0;
  headers: HeaderMap = {};
  body!: Readable;
  endpoint = '';
  retries = 0;
  exchange!: Exchange;
  readonly promise: Promise<Outcome>;
  private resolveFn!: (v: Outcome) => void;
  private trailerRecord: Record<string, string> | null = null;
  private trailersPromise: Promise<Record<string, string>> | null = null;
  private trailersResolve: ((t: Record<string, string>) => void) | null = null;

  constructor() {
    this.promise = new Promise<Outcome>((resolve) => {
      this.resolveFn = resolve;
    });
  }

  /** Resolves with the response trailers once the body has ended (`{}` if it failed or had none). */
  get trailers(): Promise<Record<string, string>> {
    if (this.trailersPromise === null) {
      this.trailersPromise =
        this.trailerRecord !== null
          ? Promise.resolve(this.trailerRecord)
          : new Promise((resolve) => {
              this.trailersResolve = resolve;
            });
    }
    return this.trailersPromise;
  }

  onResponse(statusCode: number, headers: HeaderMap, endpoint: string, retries: number): void {
    this.body = new UpstreamBody(this.exchange);
    this.statusCode = statusCode;
    this.headers = headers;
    this.endpoint = endpoint;
    this.retries = retries;
    this.resolveFn(this);
  }

  onData(chunk: Buffer): boolean {
    return this.body.push(chunk);
  }

  onEnd(trailers: Record<string, string>): void {
    this.settleTrailers(trailers === NO_TRAILERS ? {} : trailers);
    this.body.push(null);
  }

  onFailure(failure: UpstreamFailure, afterHeaders: boolean): void {
    if (!afterHeaders) {
      this.resolveFn(failure);
      return;
    }
    const body = this.body;
    if (!body.destroyed) body.destroy(this.exchange.bodyError ?? new Error(failure.message));
    this.settleTrailers({});
  }

  private settleTrailers(t: Record<string, string>): void {
    this.trailerRecord = t;
    if (this.trailersResolve !== null) this.trailersResolve(t);
  }
}
