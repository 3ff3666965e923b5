import { type LbEndpoint, type LoadBalancer, uniformWeights } from './types.js';

/**
 * Weighted random: a uniform index when weights are equal, otherwise a binary search over the
 * cumulative weights.
 *
 * @example
 * ```ts
 * new RandomBalancer(endpoints).pick();
 * ```
 */
export class RandomBalancer<E extends LbEndpoint> implements LoadBalancer<E> {
  private readonly endpoints: readonly E[];
  private readonly cumulative: Float64Array | null;

  constructor(endpoints: readonly E[]) {
    this.endpoints = endpoints;
    if (uniformWeights(endpoints)) {
      this.cumulative = null;
    } else {
      this.cumulative = new Float64Array(endpoints.length);
      let sum = 0;
      for (let i = 0; i < endpoints.length; i++) {
        sum += endpoints[i]!.weight;
        this.cumulative[i] = sum;
      }
    }
  }

  pick(): E | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n <= 1) return eps[0];
    const cum = this.cumulative;
    if (cum === null) return eps[Math.floor(Math.random() * n)];
    const r = Math.random() * cum[n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return eps[lo];
  }
}
