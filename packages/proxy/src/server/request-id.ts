/**
 * `x-request-id` values: random (version 4) UUIDs, as Envoy generates them.
 *
 * `crypto.randomUUID()` builds each id by concatenating 20 small strings (about 600 bytes of
 * garbage per request on the proxy's hottest path). Here random bytes come from the CSPRNG in
 * batches, the 36 characters are written into one scratch buffer, and a single string is made
 * from it.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

const IDS_PER_BATCH = 256;
const random = Buffer.alloc(16 * IDS_PER_BATCH);
let next = IDS_PER_BATCH;
const out = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in the 36-character form (dashes at 8, 13, 18, 23). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
out[8] = out[13] = out[18] = out[23] = 0x2d;

/**
 * A new random UUID (RFC 9562 version 4), lower-case.
 *
 * @example
 * ```ts
 * newRequestId(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 * ```
 */
export function newRequestId(): string {
  if (next === IDS_PER_BATCH) {
    randomFillSync(random);
    next = 0;
  }
  const base = next++ * 16;
  random[base + 6] = (random[base + 6]! & 0x0f) | 0x40; // version 4
  random[base + 8] = (random[base + 8]! & 0x3f) | 0x80; // RFC 9562 variant
  for (let i = 0; i < 16; i++) {
    const b = random[base + i]!;
    const at = AT[i]!;
    out[at] = HEX[b >> 4]!;
    out[at + 1] = HEX[b & 15]!;
  }
  return out.toString('latin1', 0, 36);
}
