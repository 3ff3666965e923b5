/**
 * Passive health (outlier detection) → `Cluster.outlier_detection`. Envoy only enforces
 * gateway-failure ejection when `enforcing_consecutive_gateway_failure` is set, and a threshold of
 * 0 in the IR means "off", which Envoy expresses as enforcement 0.
 *
 * @module
 */
import type { IROutlierDetection } from '@gateway/core';
import { duration, type JsonObject } from '../proto/json.js';

/** IROutlierDetection → `OutlierDetection`. */
export function outlierDetection(o: IROutlierDetection): JsonObject {
  const out: JsonObject = {};
  if (o.consecutive5xx > 0) out.consecutive_5xx = o.consecutive5xx;
  else out.enforcing_consecutive_5xx = 0;
  out.interval = duration(o.intervalMs);
  out.base_ejection_time = duration(o.baseEjectionTimeMs);
  out.max_ejection_percent = Math.min(100, Math.max(0, o.maxEjectionPercent));
  if (o.consecutiveGatewayFailure > 0) {
    out.consecutive_gateway_failure = o.consecutiveGatewayFailure;
    out.enforcing_consecutive_gateway_failure = 100;
  }
  return out;
}
