import type { IRRetryPolicy } from '@gateway/core';

/** Bit flags for `retryOn` conditions (checked on every attempt, so not strings). */
export const RETRY_5XX = 1;
export const RETRY_GATEWAY_ERROR = 1 << 1;
export const RETRY_CONNECT_FAILURE = 1 << 2;
export const RETRY_RETRIABLE_4XX = 1 << 3;
export const RETRY_REFUSED_STREAM = 1 << 4;
export const RETRY_RESET = 1 << 5;
export const RETRY_STATUS_CODES = 1 << 6;

/** gRPC status names accepted in `retryOn` (Envoy `x-envoy-retry-grpc-on` values) and their codes. */
const GRPC_CONDITIONS: Readonly<Record<string, number>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

const HTTP_CONDITIONS: Readonly<Record<string, number>> = {
  '5xx': RETRY_5XX,
  'gateway-error': RETRY_GATEWAY_ERROR,
  'connect-failure': RETRY_CONNECT_FAILURE,
  'retriable-4xx': RETRY_RETRIABLE_4XX,
  'refused-stream': RETRY_REFUSED_STREAM,
  reset: RETRY_RESET,
  'retriable-status-codes': RETRY_STATUS_CODES,
};

/** Why an attempt failed without a usable response. */
export type AttemptError = 'connect-failure' | 'reset' | 'refused-stream' | 'timeout';

/** A retry policy prepared for the hot path. */
export interface CompiledRetry {
  readonly flags: number;
  /** Bit n set = retry on gRPC status n (trailers-only responses). */
  readonly grpcMask: number;
  readonly numRetries: number;
  readonly perTryTimeoutMs: number;
  readonly statuses: ReadonlySet<number>;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly retryNonIdempotent: boolean;
  /** `retryOn` entries that mean nothing here (reported once, ignored). */
  readonly unknown: readonly string[];
}

const compiled = new WeakMap<IRRetryPolicy, CompiledRetry>();

/**
 * Prepares a route's retry policy (cached per policy object, so the IR's object identity makes
 * this free after the first request).
 *
 * @example
 * ```ts
 * const r = compileRetry({ retryOn: ['5xx'], numRetries: 2, perTryTimeoutMs: 0, retriableStatusCodes: [],
 *   backoffBaseMs: 25, backoffMaxMs: 250, retryNonIdempotent: false });
 * shouldRetryStatus(r, 503, {}); // true
 * ```
 */
export function compileRetry(policy: IRRetryPolicy): CompiledRetry {
  let c = compiled.get(policy);
  if (c) return c;
  let flags = 0;
  let grpcMask = 0;
  const unknown: string[] = [];
  for (const raw of policy.retryOn) {
    const cond = raw.trim().toLowerCase();
    const http = HTTP_CONDITIONS[cond];
    const grpc = GRPC_CONDITIONS[cond];
    if (http !== undefined) flags |= http;
    else if (grpc !== undefined) grpcMask |= 1 << grpc;
    else unknown.push(raw);
  }
  const base = Math.max(0, policy.backoffBaseMs);
  c = {
    flags,
    grpcMask,
    numRetries: Math.max(0, policy.numRetries),
    perTryTimeoutMs: Math.max(0, policy.perTryTimeoutMs),
    statuses: new Set(policy.retriableStatusCodes),
    backoffBaseMs: base,
    // Envoy: the maximum defaults to ten times the base.
    backoffMaxMs: policy.backoffMaxMs > 0 ? policy.backoffMaxMs : base * 10,
    retryNonIdempotent: policy.retryNonIdempotent,
    unknown,
  };
  compiled.set(policy, c);
  return c;
}

/**
 * Whether a response status (and, for gRPC trailers-only responses, its `grpc-status` header)
 * matches the policy.
 */
export function shouldRetryStatus(
  c: CompiledRetry,
  status: number,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  const f = c.flags;
  if (status >= 500) {
    if (f & RETRY_5XX) return true;
    if (f & RETRY_GATEWAY_ERROR && (status === 502 || status === 503 || status === 504)) return true;
  }
  if (f & RETRY_RETRIABLE_4XX && status === 409) return true;
  if (f & RETRY_STATUS_CODES && c.statuses.has(status)) return true;
  if (c.grpcMask !== 0) {
    const raw = headers['grpc-status'];
    if (typeof raw === 'string') {
      const code = Number.parseInt(raw, 10);
      if (code > 0 && code < 31 && c.grpcMask & (1 << code)) return true;
    }
  }
  return false;
}

/** Whether a failed attempt (no response) matches the policy. `5xx` and `gateway-error` include them all. */
export function shouldRetryError(c: CompiledRetry, error: AttemptError): boolean {
  const f = c.flags;
  if (f & (RETRY_5XX | RETRY_GATEWAY_ERROR)) return true;
  switch (error) {
    case 'connect-failure':
      return (f & RETRY_CONNECT_FAILURE) !== 0;
    case 'refused-stream':
      return (f & (RETRY_REFUSED_STREAM | RETRY_RESET)) !== 0;
    default:
      return (f & RETRY_RESET) !== 0;
  }
}

/**
 * Fully jittered exponential backoff: a uniform delay in [0, min(max, base * 2^retryIndex)).
 * `retryIndex` is 0 for the first retry.
 */
export function backoffDelay(c: CompiledRetry, retryIndex: number): number {
  if (c.backoffBaseMs === 0) return 0;
  const upper = Math.min(c.backoffMaxMs, c.backoffBaseMs * 2 ** Math.min(retryIndex, 30));
  return Math.floor(Math.random() * upper);
}
