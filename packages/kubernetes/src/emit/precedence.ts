/**
 * Match-order analysis shared by the Ingress and Gateway API emitters. The IR lists routes in
 * Ambassador order (first match wins: precedence, then longest prefix, then header lengths…).
 * Kubernetes APIs rank matches themselves, so after translation a different route can win for
 * some requests; these helpers find those pairs so the emitters can report them.
 *
 * @module
 */

export type PathSelector =
  | { kind: 'exact'; value: string }
  /** Element-wise prefix (Ingress `Prefix`, Gateway API `PathPrefix`). */
  | { kind: 'prefix'; value: string }
  /** Character prefix (Ambassador `prefix`, what most controllers do for ImplementationSpecific). */
  | { kind: 'string-prefix'; value: string }
  | { kind: 'regex'; value: string };

export interface MatchSelector {
  path: PathSelector;
  method?: string;
  /** Header conditions; `exact` undefined = some non-exact condition (regex, presence…). */
  headers: Array<{ name: string; exact?: string }>;
  query: Array<{ name: string; exact?: string }>;
}

const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Does element-wise prefix `prefix` match request path `path`? */
export function segmentPrefixMatches(prefix: string, path: string): boolean {
  const p = trimSlash(prefix);
  if (p === '/') return true;
  const q = trimSlash(path);
  return q === p || path.startsWith(`${p}/`);
}

/** A request path both selectors match, if one can be named; `undefined` = no overlap. `'*'` = unknown (regex). */
export function overlappingPath(a: PathSelector, b: PathSelector): string | undefined {
  if (a.kind === 'regex' || b.kind === 'regex') return '*';
  const [x, y] = a.kind === 'exact' ? [a, b] : [b, a];
  if (x.kind === 'exact') {
    if (y.kind === 'exact') return x.value === y.value ? x.value : undefined;
    if (y.kind === 'prefix') return segmentPrefixMatches(y.value, x.value) ? x.value : undefined;
    return x.value.startsWith(y.value) ? x.value : undefined;
  }
  if (a.kind === 'prefix' && b.kind === 'prefix') {
    if (segmentPrefixMatches(a.value, b.value)) return b.value;
    if (segmentPrefixMatches(b.value, a.value)) return a.value;
    return undefined;
  }
  if (a.kind === 'string-prefix' && b.kind === 'string-prefix') {
    if (a.value.startsWith(b.value)) return a.value;
    if (b.value.startsWith(a.value)) return b.value;
    return undefined;
  }
  const s = a.kind === 'string-prefix' ? a.value : b.value;
  const p = a.kind === 'prefix' ? a.value : b.value;
  const pt = trimSlash(p);
  if (pt === '/' || segmentPrefixMatches(p, s)) return s;
  if (pt.startsWith(s)) return pt;
  return undefined;
}

function conditionsDisjoint(a: MatchSelector['headers'], b: MatchSelector['headers'], ci: boolean): boolean {
  for (const x of a) {
    for (const y of b) {
      const same = ci ? x.name.toLowerCase() === y.name.toLowerCase() : x.name === y.name;
      if (same && x.exact !== undefined && y.exact !== undefined && x.exact !== y.exact) return true;
    }
  }
  return false;
}

/** An example request path matched by both, or undefined when no request can match both. */
export function overlap(a: MatchSelector, b: MatchSelector): string | undefined {
  if (a.method && b.method && a.method !== b.method) return undefined;
  if (conditionsDisjoint(a.headers, b.headers, true) || conditionsDisjoint(a.query, b.query, false))
    return undefined;
  return overlappingPath(a.path, b.path);
}

/** Ingress ranking: longest path wins, Exact beats Prefix on equal length. */
export function ingressRank(m: MatchSelector): number[] {
  return [m.path.value.length, m.path.kind === 'exact' ? 1 : 0];
}

/**
 * Gateway API ranking: Exact path, then longest PathPrefix, then method, then most header
 * matches, then most query matches. RegularExpression paths rank below both (their order is
 * implementation-specific).
 */
export function gatewayRank(m: MatchSelector): number[] {
  const pathClass = m.path.kind === 'exact' ? 2 : m.path.kind === 'regex' ? 0 : 1;
  return [
    pathClass,
    m.path.kind === 'regex' ? 0 : m.path.value.length,
    m.method ? 1 : 0,
    m.headers.length,
    m.query.length,
  ];
}

export function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A pair where the translation changes the winner: `loser` won in Ambassador order, `winner` wins now. */
export interface OrderChange<T> {
  loser: T;
  winner: T;
  /** A request path both match (`*` when a regex is involved and no example can be named). */
  example: string;
}

/**
 * Finds pairs whose winner changes: `items` are in IR order (earlier wins); under `rank` a later
 * item with a strictly higher rank that can match the same request takes it over.
 */
export function orderChanges<T>(
  items: T[],
  selector: (t: T) => MatchSelector,
  rank: (m: MatchSelector) => number[],
): OrderChange<T>[] {
  const out: OrderChange<T>[] = [];
  const sels = items.map(selector);
  const ranks = sels.map(rank);
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (compareRank(ranks[j]!, ranks[i]!) <= 0) continue;
      const example = overlap(sels[i]!, sels[j]!);
      if (example !== undefined) out.push({ loser: items[i]!, winner: items[j]!, example });
    }
  }
  return out;
}

export function describeSelector(m: MatchSelector): string {
  const parts = [`${m.path.kind} ${m.path.value}`];
  if (m.method) parts.push(`method ${m.method}`);
  if (m.headers.length) parts.push(`${m.headers.length} header match(es)`);
  if (m.query.length) parts.push(`${m.query.length} query match(es)`);
  return parts.join(', ');
}
