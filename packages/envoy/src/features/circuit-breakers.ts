/**
 * Circuit breakers → `Cluster.circuit_breakers.thresholds` (gRPC clients honour only the DEFAULT
 * priority's `max_requests`).
 *
 * @module
 */
import type { IRCircuitBreaker } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

/** IR breakers → `CircuitBreakers`, or undefined when there are none. */
export function circuitBreakers(breakers: readonly IRCircuitBreaker[]): JsonObject | undefined {
  if (breakers.length === 0) return undefined;
  return {
    thresholds: breakers.map((b) => {
      const t: JsonObject = {};
      if (b.priority === 'high') t.priority = 'HIGH';
      t.max_connections = b.maxConnections;
      t.max_pending_requests = b.maxPendingRequests;
      t.max_requests = b.maxRequests;
      t.max_retries = b.maxRetries;
      return t;
    }),
  };
}
