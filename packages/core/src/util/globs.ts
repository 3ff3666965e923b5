/**
 * Hostname globs as Ambassador uses them: `*` alone matches anything; a leading `*` is a suffix
 * match, a trailing `*` a prefix match; either must match at least one character and may span
 * dots. Anything else is exact (case-insensitive).
 */

export type HostGlob =
  | { kind: 'any' }
  | { kind: 'exact'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'prefix'; value: string };

/** Validates a hostname glob; returns an error message or undefined. */
const GLOB_BODY = /^[A-Za-z0-9_.:-]+$/;
const GLOB_IPV6_BODY = /^\[[0-9a-fA-F:.]+\](:\d+)?$/;

export function checkHostGlob(glob: string): string | undefined {
  if (glob === '*') return undefined;
  const star = glob.indexOf('*');
  const stars = star < 0 ? 0 : glob.indexOf('*', star + 1) < 0 ? 1 : 2;
  if (stars > 1 || (stars === 1 && !glob.startsWith('*') && !glob.endsWith('*')))
    return `expected a hostname glob with at most one * at the start or end, got "${glob}"`;
  const bare = stars === 0 ? glob : glob.replace('*', '');
  if (!GLOB_BODY.test(bare) && !GLOB_IPV6_BODY.test(bare))
    return `expected a hostname glob (letters, digits, '-', '.', optional :port), got "${glob}"`;
  return undefined;
}

const parsedGlobs = new Map<string, HostGlob>();

export function parseHostGlob(glob: string): HostGlob {
  let parsed = parsedGlobs.get(glob);
  if (parsed === undefined) {
    parsed = parseUncached(glob);
    // Hostnames repeat across many Mappings; the cap bounds memory for adversarial input.
    if (parsedGlobs.size < 10_000) parsedGlobs.set(glob, parsed);
  }
  return parsed;
}

function parseUncached(glob: string): HostGlob {
  const g = glob.toLowerCase();
  if (g === '*' || g === '') return { kind: 'any' };
  if (g.startsWith('*')) return { kind: 'suffix', value: g.slice(1) };
  if (g.endsWith('*')) return { kind: 'prefix', value: g.slice(0, -1) };
  return { kind: 'exact', value: g };
}

/**
 * True when `name` (a concrete host) matches `glob`.
 *
 * @example
 * ```ts
 * hostMatches('*.example.com', 'a.b.example.com'); // true (a leading * may span dots)
 * hostMatches('*.example.com', 'example.com');     // false
 * ```
 */
export function hostMatches(glob: string, name: string): boolean {
  const g = parseHostGlob(glob);
  const n = name.toLowerCase();
  switch (g.kind) {
    case 'any':
      return true;
    case 'exact':
      return n === g.value;
    case 'suffix':
      return n.length > g.value.length && n.endsWith(g.value);
    case 'prefix':
      return n.length > g.value.length && n.startsWith(g.value);
  }
}

/**
 * True when two globs can match a common hostname (Emissary `hostglob_matches`).
 *
 * @example
 * ```ts
 * hostGlobsOverlap('*.example.com', 'api.*'); // true: both match api.example.com
 * hostGlobsOverlap('a.example.com', 'b.example.com'); // false
 * ```
 */
export function hostGlobsOverlap(a: string, b: string): boolean {
  return memoPair(overlapMemo, a, b, overlapUncached);
}

/**
 * Results per pair of globs: compilation asks the same few questions once per Mapping and Host
 * (a handful of Host names against a few hundred Mapping hostnames).
 */
function memoPair(
  memo: Map<string, Map<string, boolean>>,
  a: string,
  b: string,
  fn: (a: string, b: string) => boolean,
): boolean {
  let inner = memo.get(a);
  if (inner === undefined) {
    // The cap bounds memory for adversarial input; past it, compute every time.
    if (memo.size >= 1_000) return fn(a, b);
    inner = new Map();
    memo.set(a, inner);
  }
  let r = inner.get(b);
  if (r === undefined) {
    r = fn(a, b);
    if (inner.size < 10_000) inner.set(b, r);
  }
  return r;
}

const overlapMemo = new Map<string, Map<string, boolean>>();
const coversMemo = new Map<string, Map<string, boolean>>();

function overlapUncached(a: string, b: string): boolean {
  const x = parseHostGlob(a);
  const y = parseHostGlob(b);
  if (x.kind === 'any' || y.kind === 'any') return true;
  if (x.kind === 'exact') return hostMatches(b, x.value);
  if (y.kind === 'exact') return hostMatches(a, y.value);
  if (x.kind === 'suffix' && y.kind === 'suffix')
    return x.value.endsWith(y.value) || y.value.endsWith(x.value);
  if (x.kind === 'prefix' && y.kind === 'prefix')
    return x.value.startsWith(y.value) || y.value.startsWith(x.value);
  // One prefix, one suffix: `p*` and `*s` always share a name p + "x" + s.
  return true;
}

/** True when every name `inner` matches is also matched by `outer`. */
export function hostGlobCovers(outer: string, inner: string): boolean {
  return memoPair(coversMemo, outer, inner, coversUncached);
}

function coversUncached(outer: string, inner: string): boolean {
  const o = parseHostGlob(outer);
  const i = parseHostGlob(inner);
  if (o.kind === 'any') return true;
  if (i.kind === 'any') return false;
  if (i.kind === 'exact') return hostMatches(outer, i.value);
  if (o.kind === 'exact') return false;
  if (o.kind === 'suffix' && i.kind === 'suffix') return i.value.endsWith(o.value);
  if (o.kind === 'prefix' && i.kind === 'prefix') return i.value.startsWith(o.value);
  return false;
}
