import { hash32 } from '../hash.js';
import type { LbEndpoint, LoadBalancer } from './types.js';

/** Envoy's defaults for `ring_hash_lb_config`. */
export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

/**
 * Consistent-hash ring (Ketama style). Every endpoint owns a number of points on a 32-bit ring
 * proportional to its weight (the lightest endpoint gets at least `minRingSize * share` points);
 * a request's `hashKey` is hashed onto the ring and served by the owner of the next point
 * clockwise. Removing an endpoint only moves the keys it owned (plus a small share caused by the
 * ring being re-scaled), so sessions stay sticky across membership changes.
 *
 * Requests without a hash key get a random point, as in Envoy.
 *
 * @example
 * ```ts
 * const lb = new RingHashBalancer(endpoints);
 * lb.pick('user-42') === lb.pick('user-42'); // true
 * ```
 */
export class RingHashBalancer<E extends LbEndpoint> implements LoadBalancer<E> {
  private readonly endpoints: readonly E[];
  /** Sorted point hashes. */
  private readonly points: Uint32Array;
  /** Endpoint index owning the point at the same position. */
  private readonly owners: Uint32Array;

  constructor(
    endpoints: readonly E[],
    minRingSize = DEFAULT_MIN_RING_SIZE,
    maxRingSize = DEFAULT_MAX_RING_SIZE,
  ) {
    this.endpoints = endpoints;
    let total = 0;
    for (const e of endpoints) total += e.weight;
    let minShare = 1;
    for (const e of endpoints) minShare = Math.min(minShare, e.weight / total);
    const scale =
      endpoints.length === 0 ? 0 : Math.min(Math.ceil(minShare * minRingSize) / minShare, maxRingSize);

    const hashes: number[] = [];
    const owners: number[] = [];
    let target = 0;
    let placed = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i]!;
      target += scale * (e.weight / total);
      for (let replica = 0; placed < target; replica++, placed++) {
        hashes.push(hash32(`${e.address}_${replica}`));
        owners.push(i);
      }
    }
    const order = hashes.map((_, i) => i).sort((a, b) => hashes[a]! - hashes[b]! || owners[a]! - owners[b]!);
    this.points = Uint32Array.from(order, (i) => hashes[i]!);
    this.owners = Uint32Array.from(order, (i) => owners[i]!);
  }

  /** Number of points on the ring (for tests and diagnostics). */
  get size(): number {
    return this.points.length;
  }

  pick(hashKey?: string): E | undefined {
    const points = this.points;
    const n = points.length;
    if (n === 0) return undefined;
    if (this.endpoints.length === 1) return this.endpoints[0];
    const h = hashKey === undefined ? Math.floor(Math.random() * 0x100000000) : hash32(hashKey);
    // First point >= h, wrapping to the start of the ring.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.endpoints[this.owners[lo === n ? 0 : lo]!];
  }
}
