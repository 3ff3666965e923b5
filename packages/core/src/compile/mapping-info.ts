import * as crypto from 'node:crypto';
import type { IRHeaderMatch, IRPathMatch, IRQueryMatch, IRStringMatch } from '../ir/types.js';
import type { Host } from '../model/host.js';
import type { Mapping, MappingSpec } from '../model/mapping.js';
import type { ModuleConfig } from '../model/module.js';
import { parseHostGlob } from '../util/globs.js';

/** One `name: value` match entry as Emissary's KeyValueDecorator sees it. */
export interface MatchEntry {
  name: string;
  /** undefined = presence. */
  value?: string;
  regex: boolean;
}

/** A Mapping with every match-relevant value resolved once. */
export interface MappingInfo {
  m: Mapping;
  /** `namespace/name`. */
  key: string;
  /** The spec with Module `defaults.httpmapping` applied. */
  spec: MappingSpec;
  path: IRPathMatch;
  caseSensitive: boolean;
  /** hostname / host as written (host wins), undefined when neither is set. */
  host?: string;
  hostRegex: boolean;
  headers: MatchEntry[];
  query: MatchEntry[];
  method?: string;
  precedence: number;
  /** What the group id hashes: Mappings with equal keys form one group (cleared once grouped). */
  groupKey: string;
  /** sha1 hex of `groupKey` (Emissary's group_id), set once per group by the caller. */
  groupId: string;
  /**
   * {@link routeWeight} packed for sorting (see `setRouteOrder`); {@link NO_ORDER_WEIGHT} when it
   * does not fit. Always a non-small number (never undefined), so the field keeps one
   * representation and optimised code that reads it is not invalidated when the first packed
   * weight is stored.
   */
  orderWeight: number;
  orderTail: string;
}

/** Fields Module `defaults.httpmapping` may supply (as in Emissary's AllowedKeys with defaults). */
const DEFAULTABLE = [
  'addRequestHeaders',
  'addResponseHeaders',
  'removeRequestHeaders',
  'removeResponseHeaders',
] as const;

export function applyMappingDefaults(spec: MappingSpec, module: ModuleConfig): MappingSpec {
  const d = module.defaults?.httpmapping;
  if (!d || typeof d !== 'object') return spec;
  let out = spec;
  for (const k of DEFAULTABLE) {
    if (out[k] === undefined && (d as MappingSpec)[k] !== undefined) {
      if (out === spec) out = { ...spec };
      (out as unknown as Record<string, unknown>)[k] = (d as MappingSpec)[k];
    }
  }
  return out;
}

function entryLength(e: MatchEntry): number {
  return e.name.length + (e.value ?? '*').length + (e.regex ? 1 : 0);
}

const NO_ENTRIES: MatchEntry[] = Object.freeze([]) as unknown as MatchEntry[];

/** An empty map to read entries of absent match maps from (never written). */
const NONE: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Resolves a Mapping's match. `hostLabels` returns the matchLabels of Hosts whose
 * mappingSelector selects this Mapping (used in the group id only when it has no host).
 * `groupId` is left empty: the caller groups Mappings by `groupKey` and hashes once per group.
 */
export function mappingInfo(
  m: Mapping,
  module: ModuleConfig,
  selectingHosts: (m: Mapping) => Host[],
  nameKey = `${m.metadata.namespace}/${m.metadata.name}`,
): MappingInfo {
  const spec = applyMappingDefaults(m.spec, module);
  const headers: MatchEntry[] = [];
  let host: string | undefined;
  let hostRegex = false;
  const exactHeaders = spec.headers ?? NONE;
  for (const name in exactHeaders) {
    const value = (exactHeaders as Record<string, string | boolean>)[name];
    if (value === true) headers.push({ name, regex: false });
    else {
      // An exact :authority header acts as the host (as in Emissary), unless host/hostname say otherwise.
      if (name.toLowerCase() === ':authority') {
        host = String(value);
        continue;
      }
      headers.push({ name, value: String(value), regex: false });
    }
  }
  const regexHeaders = spec.regexHeaders ?? NONE;
  for (const name in regexHeaders)
    headers.push({ name, value: (regexHeaders as Record<string, string>)[name], regex: true });
  if (spec.host !== undefined) {
    host = spec.host;
    hostRegex = spec.hostRegex === true;
  } else if (spec.hostname !== undefined) {
    host = spec.hostname;
  }
  const authority: MatchEntry | undefined =
    host !== undefined ? { name: ':authority', value: host, regex: hostRegex } : undefined;
  if (authority) headers.push(authority);
  if (spec.method !== undefined)
    headers.push({ name: ':method', value: spec.method, regex: spec.methodRegex === true });

  // Most Mappings match no query parameters: they share one (frozen) empty list.
  let query: MatchEntry[] = NO_ENTRIES;
  const exactQuery = spec.queryParameters ?? NONE;
  for (const name in exactQuery) {
    const value = (exactQuery as Record<string, string | boolean>)[name];
    if (query === NO_ENTRIES) query = [];
    query.push(value === true ? { name, regex: false } : { name, value: String(value), regex: false });
  }
  const regexQuery = spec.regexQueryParameters ?? NONE;
  for (const name in regexQuery) {
    if (query === NO_ENTRIES) query = [];
    query.push({ name, value: (regexQuery as Record<string, string>)[name], regex: true });
  }

  const prefix = spec.prefix;
  const path: IRPathMatch = spec.prefixRegex
    ? { kind: 'regex', value: prefix }
    : spec.prefixExact
      ? { kind: 'exact', value: prefix }
      : spec.gatewaySdk?.prefixMatch === 'segment'
        ? { kind: 'segment-prefix', value: prefix }
        : { kind: 'prefix', value: prefix };
  const precedence = spec.precedence ?? 0;

  // group_id = sha1("HTTP-" + method + prefix + headers + query [+ Host selector labels] [+ precedence])
  let key = `HTTP-${spec.method || 'GET'}${prefix}`;
  for (let i = 0; i < headers.length; i++) key += headers[i]!.name + (headers[i]!.value ?? '');
  for (let i = 0; i < query.length; i++) key += query[i]!.name + (query[i]!.value ?? '');
  if (host === undefined) {
    for (const hostRes of selectingHosts(m)) {
      const labels = (hostRes.spec.mappingSelector ?? hostRes.spec.selector)?.matchLabels ?? {};
      for (const [k, v] of Object.entries(labels)) key += k + v;
    }
  }
  if (path.kind === 'segment-prefix') key += '\u0000segment';
  if (precedence !== 0) key += String(precedence);

  const info: MappingInfo = {
    m,
    key: nameKey,
    spec,
    path,
    caseSensitive: spec.caseSensitive !== false,
    host,
    hostRegex,
    headers,
    query,
    method: spec.method,
    precedence,
    groupKey: key,
    groupId: '',
    orderWeight: NO_ORDER_WEIGHT,
    orderTail: '',
  };
  setRouteOrder(info);
  return info;
}

/** Every Mapping carries an :authority entry for ordering ("*" when it names no host). */
const ANY_AUTHORITY: MatchEntry = Object.freeze({ name: ':authority', value: '*', regex: false });

function weightedHeaders(info: MappingInfo): MatchEntry[] {
  return info.host !== undefined ? info.headers : [...info.headers, ANY_AUTHORITY];
}

/**
 * Emissary's route weight: `[precedence, len(prefix), len(headers), len(query), prefix, method,
 * header entries…, query entries…]`, compared element-wise (see {@link compareWeights}).
 */
export function routeWeight(info: MappingInfo): Array<number | string> {
  const weighted = weightedHeaders(info);
  const prefix = info.spec.prefix;
  const out: Array<number | string> = [
    info.precedence,
    prefix.length,
    weighted.reduce((n, e) => n + entryLength(e), 0),
    info.query.reduce((n, e) => n + entryLength(e), 0),
    prefix,
    info.spec.method ?? 'GET',
  ];
  for (const e of weighted) out.push(`${e.name}-${e.value ?? '*'}`);
  for (const e of info.query) out.push(`${e.name}-${e.value ?? '*'}`);
  return out;
}

/**
 * `orderWeight` of a Mapping whose weight does not pack (negative; packed weights never are). Out
 * of the small-integer range on purpose, like every packed weight, so the field's representation
 * never changes.
 */
export const NO_ORDER_WEIGHT = -(2 ** 53);

/** Bits per length field of the packed order weight; precedence gets the remaining 17. */
const LENGTH_BITS = 4096;
const PRECEDENCE_BIAS = 0x10000;

/**
 * {@link routeWeight} in a form that sorts fast: `orderWeight` packs the four numbers into one
 * exact integer (below 2^53) and `orderTail` holds the strings, each followed by U+0000, so
 * comparing (weight, tail) with `-` and `<` orders exactly as {@link compareWeights} orders the
 * lists. `orderWeight` stays {@link NO_ORDER_WEIGHT} when a number does not fit its field or a string holds
 * U+0000; such Mappings are ordered with compareWeights.
 */
function setRouteOrder(info: MappingInfo): void {
  const prefix = info.spec.prefix;
  const method = info.spec.method ?? 'GET';
  const p = info.precedence;
  if (!Number.isInteger(p) || p < -PRECEDENCE_BIAS || p >= PRECEDENCE_BIAS) return;
  let headerLen = 0;
  let tail = `${prefix}\u0000${method}\u0000`;
  for (let i = 0; i < info.headers.length; i++) {
    const e = info.headers[i]!;
    headerLen += entryLength(e);
    tail += `${e.name}-${e.value ?? '*'}\u0000`;
  }
  if (info.host === undefined) {
    headerLen += entryLength(ANY_AUTHORITY);
    tail += ':authority-*\u0000';
  }
  let queryLen = 0;
  for (let i = 0; i < info.query.length; i++) {
    const e = info.query[i]!;
    queryLen += entryLength(e);
    tail += `${e.name}-${e.value ?? '*'}\u0000`;
  }
  if (prefix.length >= LENGTH_BITS || headerLen >= LENGTH_BITS || queryLen >= LENGTH_BITS) return;
  // Each string must end at its separator: one holding U+0000 itself would compare differently.
  let zeros = 0;
  for (let i = tail.indexOf('\u0000'); i >= 0; i = tail.indexOf('\u0000', i + 1)) zeros++;
  if (zeros !== 2 + info.headers.length + (info.host === undefined ? 1 : 0) + info.query.length) return;
  info.orderWeight =
    (((p + PRECEDENCE_BIAS) * LENGTH_BITS + prefix.length) * LENGTH_BITS + headerLen) * LENGTH_BITS +
    queryLen;
  info.orderTail = tail;
}

const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
/** sha1 hex of a string (Node's one-shot `crypto.hash` when available: much cheaper per call). */
export function sha1Hex(s: string): string {
  return oneShot ? oneShot('sha1', s, 'hex') : crypto.createHash('sha1').update(s).digest('hex');
}

/** Element-wise comparison of route weights (Python list semantics). */
export function compareWeights(a: Array<number | string>, b: Array<number | string>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const sx = String(x);
    const sy = String(y);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  }
  return a.length - b.length;
}

/** RE2 `.*` on a header means "present with any value": emit a presence matcher instead. */
function valueMatch(e: MatchEntry, ignoreCase: boolean): IRStringMatch | undefined {
  if (e.value === undefined) return undefined;
  if (e.regex) return e.value === '.*' ? undefined : { regex: e.value };
  return ignoreCase ? { exact: e.value, ignoreCase: true } : { exact: e.value };
}

/** Header matchers excluding :authority (which depends on the virtual host). */
export function headerMatchers(info: MappingInfo): IRHeaderMatch[] {
  const out: IRHeaderMatch[] = [];
  for (let i = 0; i < info.headers.length; i++) {
    const e = info.headers[i]!;
    if (e.name === ':authority') continue;
    const match = valueMatch(e, false);
    out.push(match ? { match, name: e.name.toLowerCase() } : { name: e.name.toLowerCase() });
  }
  return out;
}

export function queryMatchers(info: MappingInfo): IRQueryMatch[] {
  if (info.query.length === 0) return NO_ENTRIES as unknown as IRQueryMatch[];
  return info.query.map((e) => {
    const match = valueMatch(e, false);
    return match ? { match, name: e.name } : { name: e.name };
  });
}

/** The :authority matcher for a Mapping's host, or undefined when it matches every host. */
export function authorityMatcher(info: MappingInfo): IRHeaderMatch | undefined {
  if (info.host === undefined) return undefined;
  if (info.hostRegex) return { match: { regex: info.host }, name: ':authority' };
  const g = parseHostGlob(info.host);
  switch (g.kind) {
    case 'any':
      return undefined;
    case 'exact':
      return { match: { exact: g.value, ignoreCase: true }, name: ':authority' };
    case 'suffix':
      return { match: { ignoreCase: true, suffix: g.value }, name: ':authority' };
    case 'prefix':
      return { match: { ignoreCase: true, prefix: g.value }, name: ':authority' };
  }
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (Math.abs(diff - 0.5) < 1e-9) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}
