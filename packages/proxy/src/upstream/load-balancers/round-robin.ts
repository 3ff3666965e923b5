import { type LbEndpoint, type LoadBalancer, uniformWeights } from './types.js';

/**
 * Weighted round robin. Equal weights rotate through the list; unequal weights use smooth
 * weighted round robin (each pick adds every weight to a running score and takes the highest),
 * which spreads a heavy endpoint's turns evenly instead of in bursts. The start position is random
 * so that many proxies (or many reloads) don't all hit the first endpoint first.
 *
 * @example
 * ```ts
 * const lb = new RoundRobinBalancer([{ address: 'a:80', weight: 1, activeRequests: 0 }]);
 * lb.pick(); // the 'a:80' endpoint
 * ```
 */
export class RoundRobinBalancer<E extends LbEndpoint> implements LoadBalancer<E> {
  private readonly endpoints: readonly E[];
  private readonly uniform: boolean;
  private next: number;
  private readonly scores: Float64Array;
  private readonly totalWeight: number;

  constructor(endpoints: readonly E[]) {
    this.endpoints = endpoints;
    this.uniform = uniformWeights(endpoints);
    this.next = endpoints.length > 0 ? Math.floor(Math.random() * endpoints.length) : 0;
    this.scores = new Float64Array(this.uniform ? 0 : endpoints.length);
    let total = 0;
    for (const e of endpoints) total += e.weight;
    this.totalWeight = total;
  }

  pick(): E | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n <= 1) return eps[0];
    if (this.uniform) {
      const i = this.next;
      this.next = i + 1 === n ? 0 : i + 1;
      return eps[i];
    }
    const scores = this.scores;
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const s = scores[i]! + eps[i]!.weight;
      scores[i] = s;
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    scores[best] = bestScore - this.totalWeight;
    return eps[best];
  }
}
