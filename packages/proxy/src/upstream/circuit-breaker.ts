import type { IRCircuitBreaker } from '@gateway/core';

/** Envoy's defaults when a cluster configures no thresholds for a priority. */
export const DEFAULT_BREAKER_LIMITS: Readonly<Omit<IRCircuitBreaker, 'priority'>> = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
});

/** Which limit refused a request. */
export type BreakerLimit = 'max-requests' | 'max-pending-requests' | 'max-retries' | 'max-connections';

/**
 * Cluster-wide circuit breaker for one routing priority (Envoy semantics: not a failure-rate
 * breaker but hard concurrency limits). Counters are plain integers the cluster increments and
 * decrements around each request; a request that would exceed a limit is refused up front with
 * `circuit-open` instead of queueing without bound.
 *
 * - `activeRequests`: requests in flight to the cluster (until the response body ends).
 * - `pendingRequests`: requests dispatched but still waiting for a connection.
 * - `activeRetries`: retry attempts in flight.
 * - `maxConnections` is enforced by the connection pools (each endpoint's pool gets its share).
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ priority: 'default', maxConnections: 1, maxPendingRequests: 1, maxRequests: 10, maxRetries: 3 });
 * breaker.admit(); // undefined (admitted) or the limit that refused it
 * ```
 */
export class CircuitBreaker {
  readonly limits: Readonly<Omit<IRCircuitBreaker, 'priority'>>;
  activeRequests = 0;
  pendingRequests = 0;
  activeRetries = 0;

  constructor(limits: Omit<IRCircuitBreaker, 'priority'> = DEFAULT_BREAKER_LIMITS) {
    this.limits = limits;
  }

  /** Checks the request and pending limits for a new request; undefined = admitted. */
  admit(): BreakerLimit | undefined {
    if (this.activeRequests >= this.limits.maxRequests) return 'max-requests';
    if (this.pendingRequests >= this.limits.maxPendingRequests) return 'max-pending-requests';
    return undefined;
  }

  /** True when one more retry may start. */
  admitRetry(): boolean {
    return this.activeRetries < this.limits.maxRetries;
  }

  /** True while any limit is saturated (what `stats()` reports as "open"). */
  get open(): boolean {
    const l = this.limits;
    return (
      this.activeRequests >= l.maxRequests ||
      this.pendingRequests >= l.maxPendingRequests ||
      this.activeRetries >= l.maxRetries
    );
  }

  /** Human-readable reason for a refusal, naming the cluster and the limit. */
  describe(cluster: string, limit: BreakerLimit): string {
    const l = this.limits;
    switch (limit) {
      case 'max-requests':
        return `cluster ${cluster}: circuit breaker open: ${this.activeRequests} active requests reached maxRequests ${l.maxRequests}`;
      case 'max-pending-requests':
        return `cluster ${cluster}: circuit breaker open: ${this.pendingRequests} pending requests reached maxPendingRequests ${l.maxPendingRequests}`;
      case 'max-retries':
        return `cluster ${cluster}: circuit breaker open: ${this.activeRetries} active retries reached maxRetries ${l.maxRetries}`;
      default:
        return `cluster ${cluster}: circuit breaker open: maxConnections ${l.maxConnections} reached`;
    }
  }
}

/**
 * Picks the thresholds for a priority: the matching entry, else Envoy's defaults.
 *
 * @example
 * ```ts
 * breakerLimitsFor(cluster.circuitBreakers, 'high');
 * ```
 */
export function breakerLimitsFor(
  breakers: readonly IRCircuitBreaker[],
  priority: 'default' | 'high',
): Omit<IRCircuitBreaker, 'priority'> {
  const found = breakers.find((b) => b.priority === priority);
  if (!found) return DEFAULT_BREAKER_LIMITS;
  return {
    maxConnections: found.maxConnections,
    maxPendingRequests: found.maxPendingRequests,
    maxRequests: found.maxRequests,
    maxRetries: found.maxRetries,
  };
}
