import { createHash } from 'node:crypto';

/**
 * JSON with object keys in sorted order and no `undefined` members, so equal values always
 * serialise to equal bytes. Used for IR bytes, IR versions and golden files.
 *
 * @example
 * ```ts
 * stableStringify({ b: 1, a: [2, { d: undefined, c: 3 }] }); // '{"a":[2,{"c":3}],"b":1}'
 * ```
 */
export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** First 16 hex chars of sha256 over the stable JSON of `value`. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}
