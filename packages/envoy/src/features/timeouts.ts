/**
 * Route timeouts. Envoy: `timeout` (always written, since Envoy's default is 15 s and the IR
 * uses 0 for "none"), `idle_timeout`, and for gRPC upstreams `max_stream_duration` so the
 * client's `grpc-timeout` is honoured up to the route timeout. gRPC xDS clients ignore
 * `timeout` (gRFC A31) and read only `max_stream_duration`.
 *
 * @module
 */
import type { IRRouteActionForward } from '@gateway/core';
import { duration, type JsonObject } from '../proto/json.js';
import type { Audience } from '../types.js';

/** Writes the timeout fields of a `RouteAction` onto `action`. */
export function applyTimeouts(action: JsonObject, a: IRRouteActionForward, audience: Audience): void {
  if (audience === 'grpc') {
    if (a.timeoutMs > 0) {
      action.max_stream_duration = {
        max_stream_duration: duration(a.timeoutMs),
        grpc_timeout_header_max: duration(a.timeoutMs),
      };
    }
    return;
  }
  action.timeout = duration(a.timeoutMs);
  if (a.idleTimeoutMs > 0) action.idle_timeout = duration(a.idleTimeoutMs);
  // 0s means "no cap": the client's grpc-timeout header alone bounds the stream.
  if (a.grpc) action.max_stream_duration = { grpc_timeout_header_max: duration(a.timeoutMs) };
}
