/**
 * Retry policies → `RouteAction.retry_policy`.
 *
 * Non-idempotent requests are retried only when the IR says so: Envoy has no idempotency switch,
 * so the policy carries `retriable_request_headers` matching the idempotent methods (the same
 * set the in-process proxy uses). For gRPC clients only the gRPC status conditions are kept and
 * the policy satisfies grpc-js-xds validation (`num_retries ≥ 1`, `base_interval > 0`,
 * `max ≥ base`).
 *
 * @module
 */
import type { IRRetryPolicy } from '@gateway/core';
import { duration, type JsonObject } from '../proto/json.js';
import type { Audience } from '../types.js';

/** Methods RFC 9110 calls idempotent; retried by default. */
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'] as const;

/** Retry conditions gRPC xDS clients understand (gRFC A44). */
export const GRPC_RETRY_CONDITIONS = new Set([
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** IRRetryPolicy → `RetryPolicy`, or undefined when nothing of it applies to the audience. */
export function retryPolicy(r: IRRetryPolicy, audience: Audience): JsonObject | undefined {
  const conditions = audience === 'grpc' ? r.retryOn.filter((c) => GRPC_RETRY_CONDITIONS.has(c)) : r.retryOn;
  if (conditions.length === 0) return undefined;
  if (audience === 'grpc' && r.numRetries < 1) return undefined;
  const out: JsonObject = { retry_on: conditions.join(','), num_retries: r.numRetries };
  if (audience === 'envoy' && r.perTryTimeoutMs > 0) out.per_try_timeout = duration(r.perTryTimeoutMs);
  if (audience === 'envoy' && r.retriableStatusCodes.length > 0)
    out.retriable_status_codes = [...r.retriableStatusCodes];
  if (r.backoffBaseMs > 0) {
    const backOff: JsonObject = { base_interval: duration(r.backoffBaseMs) };
    if (r.backoffMaxMs > 0) backOff.max_interval = duration(Math.max(r.backoffMaxMs, r.backoffBaseMs));
    out.retry_back_off = backOff;
  }
  if (audience === 'envoy' && !r.retryNonIdempotent) {
    out.retriable_request_headers = [
      { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_METHODS.join('|') } } },
    ];
  }
  return out;
}
