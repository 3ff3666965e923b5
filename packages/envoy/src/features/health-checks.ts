/**
 * Active health checks → `Cluster.health_checks` (HTTP with expected status ranges `[start,
 * end)`, gRPC health protocol, or TCP connect). HTTP checks against HTTP/2 upstreams use the
 * HTTP/2 codec.
 *
 * @module
 */
import type { IRCluster, IRHealthCheck } from '@gateway/core';
import { duration, type JsonObject } from '../proto/json.js';

/** One IR health check → `HealthCheck`. */
export function healthCheck(h: IRHealthCheck, cluster: IRCluster): JsonObject {
  const out: JsonObject = {
    timeout: duration(h.timeoutMs),
    interval: duration(h.intervalMs),
    unhealthy_threshold: h.unhealthyThreshold,
    healthy_threshold: h.healthyThreshold,
  };
  const c = h.check;
  if (c.kind === 'http') {
    const http: JsonObject = { path: c.path };
    if (c.host) http.host = c.host;
    if (c.expectedStatuses.length > 0)
      http.expected_statuses = c.expectedStatuses.map(([start, end]) => ({
        start: String(start),
        end: String(end),
      }));
    if (cluster.protocol === 'http2') http.codec_client_type = 'HTTP2';
    out.http_health_check = http;
  } else if (c.kind === 'grpc') {
    const grpc: JsonObject = {};
    if (c.serviceName) grpc.service_name = c.serviceName;
    if (c.authority) grpc.authority = c.authority;
    out.grpc_health_check = grpc;
  } else {
    out.tcp_health_check = {};
  }
  return out;
}
