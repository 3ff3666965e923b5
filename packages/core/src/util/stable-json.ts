import { createHash, type Hash } from 'node:crypto';

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
  if (indent !== undefined && indent !== 0) return JSON.stringify(sortKeys(value), null, indent);
  return write(value) as string;
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

/**
 * True when native `JSON.stringify(value)` already yields the stable form: every object's keys
 * are in sorted order (and no object customises its JSON). The compiler builds IR objects with
 * sorted keys so hashing a large IR runs at native JSON speed; anything else takes the slow path.
 */
export function isCanonical(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isCanonical(value[i])) return false;
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  let prev: string | undefined;
  for (const key in value) {
    // Engines enumerate array-index keys first (ascending), as the reference form does too.
    if (prev !== undefined && !(prev < key) && !isArrayIndex(prev)) return false;
    prev = key;
    if (!isCanonical((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;
}

/**
 * The order `JSON.stringify(sortKeys(v))` emits: keys are inserted sorted, but JavaScript objects
 * enumerate array-index keys first in numeric order.
 */
function keyOrder(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some(isArrayIndex)) return keys;
  const idx = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...idx, ...keys.filter((k) => !isArrayIndex(k))];
}

/** Same output as `JSON.stringify(sortKeys(value))`; undefined where JSON.stringify omits a value. */
function write(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (isCanonical(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]) ?? 'null';
    }
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const key of keyOrder(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const text = write(v);
    if (text === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * First 16 hex chars of sha256 over the stable JSON of `value`, i.e.
 * `sha256(stableStringify(value))`. The JSON is fed to the hash in batches of bounded size (one
 * piece per canonical subtree), so hashing a large IR never materialises its whole text; a
 * subtree that occurs several times (an IR route served by several virtual hosts) is serialised
 * once.
 *
 * @example
 * ```ts
 * contentHash({ b: 1, a: 2 }) === contentHash({ a: 2, b: 1 }); // true
 * ```
 */
export function contentHash(value: unknown): string {
  return hashStable(value, undefined);
}

/**
 * {@link contentHash}, told which objects occur more than once in `value` (e.g. IR routes shared
 * by several virtual hosts): their text is kept and reused instead of serialised again.
 */
export function hashStable(value: unknown, repeated: ReadonlySet<object> | undefined): string {
  const hash = createHash('sha256');
  if (value === null || typeof value !== 'object') hash.update(stableStringify(value));
  else {
    const sink = new HashSink(hash);
    feed(sink, value, new Map(), repeated);
    sink.flush();
  }
  return hash.digest('hex').slice(0, 16);
}

/** Batches small pieces so the hash sees one `update` per ~64 KiB instead of one per token. */
class HashSink {
  private buffer = '';
  constructor(private readonly hash: Hash) {}
  put(s: string): void {
    this.buffer += s;
    if (this.buffer.length > 65536) this.flush();
  }
  flush(): void {
    if (this.buffer !== '') this.hash.update(this.buffer);
    this.buffer = '';
  }
}

/** Subtrees up to this many nodes are serialised in one native JSON.stringify call. */
const CHUNK_NODES = 4096;

/** Nodes in a canonical subtree, or -1 when not canonical, or Infinity above `budget`. */
function canonicalSize(value: unknown, budget: number): number {
  if (value === null || typeof value !== 'object') return 1;
  let n = 1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const c = canonicalSize(value[i], budget - n);
      if (c < 0) return -1;
      n += c;
      if (n > budget) return Number.POSITIVE_INFINITY;
    }
    return n;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return -1;
  let prev: string | undefined;
  for (const key in value) {
    if (prev !== undefined && !(prev < key) && !isArrayIndex(prev)) return -1;
    prev = key;
    const c = canonicalSize((value as Record<string, unknown>)[key], budget - n);
    if (c < 0) return -1;
    n += c;
    if (n > budget) return Number.POSITIVE_INFINITY;
  }
  return n;
}

/** Writes the stable JSON of `value` to `sink`; `memo` holds the text of subtrees already written. */
function feed(
  sink: HashSink,
  value: object,
  memo: Map<object, string>,
  repeated: ReadonlySet<object> | undefined,
): void {
  if (repeated?.has(value)) {
    const seen = memo.get(value);
    if (seen !== undefined) {
      sink.put(seen);
      return;
    }
  }
  const size = canonicalSize(value, CHUNK_NODES);
  if (size >= 0 && size <= CHUNK_NODES) {
    const text = JSON.stringify(value);
    if (repeated?.has(value)) memo.set(value, text);
    sink.put(text);
    return;
  }
  if (size < 0 && isSmall(value)) {
    const text = write(value) as string;
    if (repeated?.has(value)) memo.set(value, text);
    sink.put(text);
    return;
  }
  if (Array.isArray(value)) {
    sink.put('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) sink.put(',');
      const v = value[i];
      if (v !== null && typeof v === 'object') feed(sink, v, memo, repeated);
      else sink.put(JSON.stringify(v) ?? 'null');
    }
    sink.put(']');
    return;
  }
  sink.put('{');
  let first = true;
  for (const key of keyOrder(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') {
      sink.put(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      feed(sink, v, memo, repeated);
      continue;
    }
    const text = JSON.stringify(v);
    if (text === undefined) continue; // functions, symbols
    sink.put(`${first ? '' : ','}${JSON.stringify(key)}:${text}`);
    first = false;
  }
  sink.put('}');
}

/** True when a (non-canonical) subtree is small enough to serialise in one go. */
function isSmall(value: unknown, budget = { n: CHUNK_NODES }): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (--budget.n < 0) return false;
  for (const key in value) if (!isSmall((value as Record<string, unknown>)[key], budget)) return false;
  return true;
}
