/**
 * MurmurHash3 (x86, 32-bit) over the UTF-16 code units of a string, two units per block.
 *
 * Used for ring-hash and maglev placement and for hashing request keys on the hot path: it is
 * allocation-free (no `Buffer`, no `crypto`) and has good avalanche, which is all consistent
 * hashing needs. It is not a cryptographic hash.
 *
 * @example
 * ```ts
 * hash32('user-42') === hash32('user-42'); // stable across processes
 * ```
 */
export function hash32(key: string, seed = 0): number {
  let h = seed >>> 0;
  const len = key.length;
  const blocks = len & ~1;
  for (let i = 0; i < blocks; i += 2) {
    let k = (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (len & 1) {
    let k = key.charCodeAt(len - 1);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
