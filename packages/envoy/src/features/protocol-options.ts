/**
 * Upstream HTTP protocol → `typed_extension_protocol_options` with `HttpProtocolOptions` (the
 * cluster-level `http2_protocol_options` & co. are deprecated). HTTP/2 (gRPC) upstreams get
 * `explicit_http_config.http2_protocol_options`; `auto` over TLS negotiates by ALPN.
 *
 * @module
 */
import type { IRCluster } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import { EXT, T } from './common.js';

/** Whether the cluster negotiates HTTP/1.1 vs HTTP/2 by ALPN. */
export function usesAlpnAuto(c: IRCluster): boolean {
  return c.protocol === 'auto' && c.tls !== undefined;
}

/** `typed_extension_protocol_options`, or undefined when the defaults (HTTP/1.1) suffice. */
export function protocolOptions(c: IRCluster): JsonObject | undefined {
  const common: JsonObject = {};
  if (c.idleTimeoutMs > 0) common.idle_timeout = duration(c.idleTimeoutMs);
  if (c.maxConnectionLifetimeMs > 0) common.max_connection_duration = duration(c.maxConnectionLifetimeMs);
  const options: JsonObject = {};
  if (Object.keys(common).length > 0) options.common_http_protocol_options = common;
  if (c.protocol === 'http2') options.explicit_http_config = { http2_protocol_options: {} };
  else if (usesAlpnAuto(c)) options.auto_config = { http_protocol_options: {}, http2_protocol_options: {} };
  else if (options.common_http_protocol_options) options.explicit_http_config = { http_protocol_options: {} };
  else return undefined;
  return { [EXT.httpProtocolOptions]: any(T.httpProtocolOptions, options) };
}
