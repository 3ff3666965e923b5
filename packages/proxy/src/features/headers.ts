import type { IRHeaderOps } from '@gateway/core';

/**
 * Header add/remove operations (route, weighted-cluster and response level), compiled once per
 * config into flat arrays so applying them is a couple of property writes.
 *
 * Order follows Envoy's HeaderParser: removals first, then additions; `append: false` overwrites.
 */
export interface CompiledHeaderOps {
  readonly remove: readonly string[];
  /** [lower-case name, value, append] triples. */
  readonly add: ReadonlyArray<readonly [string, string, boolean]>;
  readonly empty: boolean;
}

export const NO_HEADER_OPS: CompiledHeaderOps = { remove: [], add: [], empty: true };

export function compileHeaderOps(ops: IRHeaderOps | undefined): CompiledHeaderOps {
  if (!ops || (ops.add.length === 0 && ops.remove.length === 0)) return NO_HEADER_OPS;
  return {
    remove: ops.remove.map((n) => n.toLowerCase()),
    add: ops.add.map((h) => [h.name.toLowerCase(), h.value, h.append] as const),
    empty: false,
  };
}

export type HeaderBag = Record<string, string | string[] | number | undefined>;

/** Applies ops to a plain header object (upstream request headers or buffered response headers). */
export function applyHeaderOps(ops: CompiledHeaderOps, headers: HeaderBag): void {
  if (ops.empty) return;
  for (const name of ops.remove) delete headers[name];
  for (const [name, value, append] of ops.add) {
    const existing = headers[name];
    if (!append || existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [String(existing), value];
  }
}
