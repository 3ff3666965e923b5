import type { IRCluster } from '@gateway/core';
import { LeastRequestBalancer } from './least-request.js';
import { MaglevBalancer } from './maglev.js';
import { RandomBalancer } from './random.js';
import { RingHashBalancer } from './ring-hash.js';
import { RoundRobinBalancer } from './round-robin.js';
import type { LbEndpoint, LoadBalancer } from './types.js';

export type { LbEndpoint, LoadBalancer } from './types.js';
export { LeastRequestBalancer, MaglevBalancer, RandomBalancer, RingHashBalancer, RoundRobinBalancer };

/**
 * Builds the balancer for a cluster's `lbPolicy` over the endpoints that are available now.
 *
 * @example
 * ```ts
 * const lb = createLoadBalancer('ring_hash', endpoints);
 * const ep = lb.pick(request.hashKey);
 * ```
 */
export function createLoadBalancer<E extends LbEndpoint>(
  policy: IRCluster['lbPolicy'],
  endpoints: readonly E[],
): LoadBalancer<E> {
  switch (policy) {
    case 'least_request':
      return new LeastRequestBalancer(endpoints);
    case 'ring_hash':
      return new RingHashBalancer(endpoints);
    case 'maglev':
      return new MaglevBalancer(endpoints);
    case 'random':
      return new RandomBalancer(endpoints);
    default:
      return new RoundRobinBalancer(endpoints);
  }
}
