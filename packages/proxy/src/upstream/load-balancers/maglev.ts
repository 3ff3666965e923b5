import { hash32 } from '../hash.js';
import type { LbEndpoint, LoadBalancer } from './types.js';

/** Envoy's default maglev table size (a prime). */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

const OFFSET_SEED = 0x5bd1e995;
const SKIP_SEED = 0x27d4eb2f;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights as Envoy does them: every
 * endpoint walks its own permutation of a prime-sized lookup table (offset and skip derived from
 * its address) and claims the next free slot on its turns; an endpoint with a third of the largest
 * weight gets a turn every third round. Lookup is one hash and one array read, and membership
 * changes move few keys.
 *
 * @example
 * ```ts
 * const lb = new MaglevBalancer(endpoints);
 * lb.pick('user-42') === lb.pick('user-42'); // true
 * ```
 */
export class MaglevBalancer<E extends LbEndpoint> implements LoadBalancer<E> {
  private readonly endpoints: readonly E[];
  private readonly table: Uint32Array;
  private readonly size: number;

  constructor(endpoints: readonly E[], tableSize = DEFAULT_MAGLEV_TABLE_SIZE) {
    this.endpoints = endpoints;
    this.size = tableSize;
    const n = endpoints.length;
    this.table = new Uint32Array(n === 0 ? 0 : tableSize);
    if (n === 0) return;

    let total = 0;
    for (const e of endpoints) total += e.weight;
    const share = new Float64Array(n);
    let maxShare = 0;
    for (let i = 0; i < n; i++) {
      share[i] = endpoints[i]!.weight / total;
      maxShare = Math.max(maxShare, share[i]!);
    }
    const offset = new Float64Array(n);
    const skip = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const address = endpoints[i]!.address;
      offset[i] = hash32(address, OFFSET_SEED) % tableSize;
      skip[i] = (hash32(address, SKIP_SEED) % (tableSize - 1)) + 1;
    }
    const nextProbe = new Float64Array(n);
    const target = new Float64Array(n);
    const filled = new Uint8Array(tableSize);
    let count = 0;
    for (let round = 0; count < tableSize; round++) {
      for (let i = 0; i < n && count < tableSize; i++) {
        if (round * share[i]! < target[i]!) continue;
        target[i]! += maxShare;
        let slot = (offset[i]! + skip[i]! * nextProbe[i]!) % tableSize;
        while (filled[slot] === 1) {
          nextProbe[i]!++;
          slot = (offset[i]! + skip[i]! * nextProbe[i]!) % tableSize;
        }
        filled[slot] = 1;
        this.table[slot] = i;
        nextProbe[i]!++;
        count++;
      }
    }
  }

  pick(hashKey?: string): E | undefined {
    const n = this.endpoints.length;
    if (n <= 1) return this.endpoints[0];
    const slot = hashKey === undefined ? Math.floor(Math.random() * this.size) : hash32(hashKey) % this.size;
    return this.endpoints[this.table[slot]!];
  }
}
