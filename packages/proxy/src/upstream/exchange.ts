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
import type { RequestPolicy, UpstreamFailure, UpstreamRequest, UpstreamResponse } from './types.js';

type HeaderMap = Record<string, string | string[]>;
type Outcome = UpstreamResponse | UpstreamFailure;

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
  const out: Record<string, string> = {};
  if (raw == null) return out;
  if (Array.isArray(raw)) {
    if (raw.length === 0) return out;
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

/** The response body handed downstream: undici pushes, `read` resumes the upstream socket/stream. */
class UpstreamBody extends Readable {
  private readonly attempt: Attempt;

  constructor(attempt: Attempt) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.attempt = attempt;
  }

  override _read(): void {
    const resume = this.attempt.resume;
    if (resume !== null) resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.attempt.bodyDestroyed(err);
    cb(err);
  }
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
  body: UpstreamBody | null = null;
  timer: NodeJS.Timeout | null = null;
  /** The timer is the exchange's overall deadline (no retry when it fires) rather than a per-try timeout. */
  timerIsDeadline = false;
  pending = true;
  connected = false;
  done = false;
  /** Response headers went downstream: no retry possible any more. */
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
    if (this.abortFn !== null) {
      this.abortFn(err);
    } else if (!this.done) {
      // Not on a connection yet: undici would only tell us once it connects, so act now and
      // abort the request when undici hands it over.
      this.abandoned = err;
      this.onError(err);
    }
  }

  timeout(): void {
    if (this.done) return;
    const ex = this.exchange;
    const err = new UpstreamTimeoutError(
      this.timerIsDeadline
        ? `cluster ${ex.cluster.name}: request timeout after ${ex.policy.timeoutMs} ms (${this.endpoint.address})`
        : `cluster ${ex.cluster.name}: per-try timeout after ${ex.retry?.perTryTimeoutMs ?? 0} ms (${this.endpoint.address})`,
    );
    if (this.body !== null) this.body.destroy(err);
    else this.abort(err);
  }

  bodyDestroyed(err: Error | null): void {
    if (this.done) return;
    this.abort(err ?? new DownstreamAbortError('response body destroyed before the upstream response ended'));
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
    ex.cluster.outlier?.onStatus(this.endpoint, statusCode);
    if (ex.canRetry() && shouldRetryStatus(ex.retry!, statusCode, headers) && ex.reserveRetry()) {
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
    const body = this.body;
    return body === null ? true : body.push(chunk);
  }

  onComplete(trailers: unknown): void {
    if (this.done) return;
    this.release();
    this.resume = null;
    if (this.responded) this.exchange.complete(this, trailers);
  }

  onError(err: Error): void {
    if (this.done) return;
    this.release();
    this.resume = null;
    if (this.discard) return;
    const ex = this.exchange;
    if (this.responded) {
      const body = this.body!;
      if (!body.destroyed) body.destroy(err);
      ex.completeWithError();
      return;
    }
    ex.attemptFailed(this, err);
  }
}

/**
 * One downstream request's trip upstream: picks endpoints, applies the circuit breaker, timeouts
 * and retries, and resolves with the first response whose headers should go downstream (or a
 * failure). It is itself the {@link UpstreamResponse} it resolves with, to save an allocation per
 * request.
 */
export class Exchange implements UpstreamResponse {
  readonly kind = 'response' as const;
  statusCode = 0;
  headers: HeaderMap = {};
  body!: Readable;
  endpoint = '';
  retries = 0;

  readonly cluster: ClusterRuntime;
  readonly request: UpstreamRequest;
  readonly policy: RequestPolicy;
  readonly retry: CompiledRetry | null;
  readonly breaker: CircuitBreaker;
  retryTimer: NodeJS.Timeout | null = null;
  private readonly events: UpstreamEvents;
  private readonly idleTimeoutMs: number;
  private resolveFn: ((v: Outcome) => void) | null = null;
  private settled = false;
  private finished = false;
  private aborted = false;
  private deadline = 0;
  private nextDelay = 0;
  private options: Dispatcher.DispatchOptions | null = null;
  private rawTrailers: unknown = undefined;
  private trailersPromise: Promise<Record<string, string>> | null = null;
  private trailersResolve: ((t: Record<string, string>) => void) | null = null;
  private trailersDone = false;

  constructor(
    cluster: ClusterRuntime,
    request: UpstreamRequest,
    policy: RequestPolicy,
    events: UpstreamEvents,
    defaultIdleTimeoutMs: number,
  ) {
    this.cluster = cluster;
    this.request = request;
    this.policy = policy;
    this.events = events;
    this.retry = policy.retry ? compileRetry(policy.retry) : null;
    this.breaker = cluster.breaker(policy.priority);
    this.idleTimeoutMs = policy.idleTimeoutMs > 0 ? policy.idleTimeoutMs : defaultIdleTimeoutMs;
  }

  /** Resolves with the response trailers once the body has ended (`{}` if it failed or had none). */
  get trailers(): Promise<Record<string, string>> {
    if (this.trailersPromise === null) {
      this.trailersPromise = this.trailersDone
        ? Promise.resolve(toTrailerRecord(this.rawTrailers))
        : new Promise((resolve) => {
            this.trailersResolve = resolve;
          });
    }
    return this.trailersPromise;
  }

  start(): Promise<Outcome> {
    const promise = new Promise<Outcome>((resolve) => {
      this.resolveFn = resolve;
    });
    const cluster = this.cluster;
    const limit = this.breaker.admit();
    if (limit !== undefined) {
      const message = this.breaker.describe(cluster.name, limit);
      this.events.emit('circuit-open', cluster.name, message);
      this.settled = true;
      this.finished = true;
      this.resolveFn!(this.failure('circuit-open', 503, message));
      return promise;
    }
    this.breaker.activeRequests++;
    const signal = this.policy.signal;
    if (signal) {
      if (signal.aborted) {
        this.fail('reset', 502, `cluster ${cluster.name}: request aborted before it was sent`);
        return promise;
      }
      signal.addEventListener('abort', this);
    }
    if (this.policy.timeoutMs > 0) this.deadline = Date.now() + this.policy.timeoutMs;
    this.startAttempt(false);
    return promise;
  }

  /** AbortSignal listener (the exchange is its own listener object: no closure per request). */
  handleEvent(): void {
    if (this.aborted) return;
    this.aborted = true;
    const err = new DownstreamAbortError('request aborted by the downstream side');
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.breaker.activeRetries--;
      this.fail('reset', 502, `cluster ${this.cluster.name}: request aborted during retry backoff`);
      return;
    }
    const attempt = this.current;
    if (attempt !== null && !attempt.done) {
      if (attempt.body !== null) attempt.body.destroy(err);
      else attempt.abort(err);
    }
  }

  private current: Attempt | null = null;

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

    const perTry = this.retry?.perTryTimeoutMs ?? 0;
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
    const prefix = `cluster ${cluster.name}: `;
    const message = err.message.startsWith(prefix)
      ? err.message
      : `${prefix}${kind} (${address}): ${err.message}`;
    const reason: UpstreamFailure['reason'] =
      kind === 'connect-failure' || kind === 'timeout' || kind === 'protocol-error' ? kind : 'reset';
    this.fail(
      reason,
      reason === 'connect-failure' ? 503 : reason === 'timeout' ? 504 : 502,
      message,
      address,
    );
  }

  /** Response headers are going downstream: resolve with this exchange as the response. */
  respond(attempt: Attempt, statusCode: number, headers: HeaderMap): boolean {
    if (this.settled) {
      attempt.abort(new DownstreamAbortError('request already answered'));
      return false;
    }
    attempt.responded = true;
    const body = new UpstreamBody(attempt);
    attempt.body = body;
    this.body = body;
    this.statusCode = statusCode;
    this.headers = headers;
    this.endpoint = attempt.endpoint.address;
    this.settled = true;
    const resolve = this.resolveFn!;
    this.resolveFn = null;
    resolve(this);
    return true;
  }

  complete(attempt: Attempt, trailers: unknown): void {
    this.rawTrailers = trailers;
    this.trailersDone = true;
    if (this.trailersResolve !== null) this.trailersResolve(toTrailerRecord(trailers));
    attempt.body!.push(null);
    this.finish();
  }

  completeWithError(): void {
    this.rawTrailers = undefined;
    this.trailersDone = true;
    if (this.trailersResolve !== null) this.trailersResolve({});
    this.finish();
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
    const resolve = this.resolveFn!;
    this.resolveFn = null;
    resolve(this.failure(reason, status, message, endpoint));
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
