import { type LbEndpoint, type LoadBalancer, uniformWeights } from './types.js';

/** Up to this many endpoints every pick scans them all; above it, power of two choices. */
const FULL_SCAN_LIMIT = 16;

/**
 * Least request: prefers the endpoint with the fewest requests in flight relative to its weight
 * (score = (active + 1) / weight). Small endpoint sets are scanned fully, starting at a rotating
 * offset so ties (e.g. all idle) are broken round-robin; large sets use Envoy's "power of two
 * choices" (two distinct random endpoints, take the better), which is O(1) and nearly as good.
 *
 * @example
 * ```ts
 * const lb = new LeastRequestBalancer(endpoints);
 * const ep = lb.pick(); // the least busy endpoint
 * ```
 */
export class LeastRequestBalancer<E extends LbEndpoint> implements LoadBalancer<E> {
  private readonly endpoints: readonly E[];
  private readonly uniform: boolean;
  private offset = 0;

  constructor(endpoints: readonly E[]) {
    this.endpoints = endpoints;
    this.uniform = uniformWeights(endpoints);
  }

  pick(): E | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n <= 1) return eps[0];
    if (n > FULL_SCAN_LIMIT) {
      const a = Math.floor(Math.random() * n);
      let b = Math.floor(Math.random() * (n - 1));
      if (b >= a) b++;
      return this.score(eps[b]!) < this.score(eps[a]!) ? eps[b] : eps[a];
    }
    const start = this.offset;
    this.offset = start + 1 === n ? 0 : start + 1;
    let best = eps[start]!;
    let bestScore = this.score(best);
    for (let k = 1; k < n; k++) {
      let i = start + k;
      if (i >= n) i -= n;
      const e = eps[i]!;
      const s = this.score(e);
      if (s < bestScore) {
        best = e;
        bestScore = s;
      }
    }
    return best;
  }

  private score(e: E): number {
    return this.uniform ? e.activeRequests : (e.activeRequests + 1) / e.weight;
  }
}
