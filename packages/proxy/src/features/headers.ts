import type { IRHeaderOps } from '@gateway/core';
import {
  type HeaderDirection,
  type HeaderFormatContext,
  HeaderFormatter,
  parseHeaderFormat,
} from './header-formatters.js';

/**
 * Header add/remove operations (route, weighted-cluster and response level), compiled once per
 * config into flat arrays so applying them is a couple of property writes.
 *
 * Order follows Envoy's HeaderParser: removals first, then every value is evaluated (so `%REQ()%`
 * sees the headers as they were before this set of additions), then overwrites (`append: false`),
 * then appends. A value that is (or expands to) the empty string is skipped, as Envoy does with
 * `keep_empty_value: false`. Values with `%OPERATOR%`s are {@link HeaderFormatter}s; the others stay
 * strings.
 */
export interface CompiledHeaderOps {
  readonly remove: readonly string[];
  /** [lower-case name, value, append] triples. */
  readonly add: ReadonlyArray<readonly [string, string | HeaderFormatter, boolean]>;
  readonly empty: boolean;
  /** True when some value needs a {@link HeaderFormatContext} to be computed. */
  readonly dynamic: boolean;
}

export const NO_HEADER_OPS: CompiledHeaderOps = { remove: [], add: [], empty: true, dynamic: false };

/**
 * Compiles IR header ops. `report(path, message)` receives one call per value that is not a valid
 * Envoy header value (unknown operator, stray `%`); such a value is dropped from the result.
 */
export function compileHeaderOps(
  ops: IRHeaderOps | undefined,
  direction: HeaderDirection = 'request',
  report?: (path: string, message: string) => void,
): CompiledHeaderOps {
  if (!ops || (ops.add.length === 0 && ops.remove.length === 0)) return NO_HEADER_OPS;
  let dynamic = false;
  const add: Array<readonly [string, string | HeaderFormatter, boolean]> = [];
  ops.add.forEach((h, i) => {
    const parsed = parseHeaderFormat(h.value, direction);
    if (!parsed.ok) {
      report?.(`add[${i}].value`, `header ${JSON.stringify(h.name)}: ${parsed.message}`);
      return;
    }
    if (parsed.value === '') return;
    if (parsed.value instanceof HeaderFormatter) dynamic = true;
    add.push([h.name.toLowerCase(), parsed.value, h.append] as const);
  });
  return {
    remove: ops.remove.map((n) => n.toLowerCase()),
    add,
    empty: add.length === 0 && ops.remove.length === 0,
    dynamic,
  };
}

export type HeaderBag = Record<string, string | string[] | number | undefined>;

/**
 * Applies ops to a plain header object (upstream request headers or buffered response headers).
 * `ctx` is required when `ops.dynamic`; callers build it only then.
 */
export function applyHeaderOps(ops: CompiledHeaderOps, headers: HeaderBag, ctx?: HeaderFormatContext): void {
  if (ops.empty) return;
  for (const name of ops.remove) delete headers[name];
  if (!ops.dynamic || ctx === undefined) {
    for (const entry of ops.add) if (!entry[2] && typeof entry[1] === 'string') headers[entry[0]] = entry[1];
    for (const entry of ops.add)
      if (entry[2] && typeof entry[1] === 'string') append(headers, entry[0], entry[1]);
    return;
  }
  // Evaluate everything first (Envoy does), then write.
  const values: string[] = new Array(ops.add.length);
  for (let i = 0; i < ops.add.length; i++) {
    const v = (ops.add[i] as readonly [string, string | HeaderFormatter, boolean])[1];
    values[i] = typeof v === 'string' ? v : v.format(ctx);
  }
  for (let i = 0; i < ops.add.length; i++) {
    const entry = ops.add[i] as readonly [string, string | HeaderFormatter, boolean];
    const v = values[i] as string;
    if (!entry[2] && v !== '') headers[entry[0]] = v;
  }
  for (let i = 0; i < ops.add.length; i++) {
    const entry = ops.add[i] as readonly [string, string | HeaderFormatter, boolean];
    const v = values[i] as string;
    if (entry[2] && v !== '') append(headers, entry[0], v);
  }
}

function append(headers: HeaderBag, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[name] = [String(existing), value];
}
