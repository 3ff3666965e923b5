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
  groupId: string;
  routeWeight: Array<number | string>;
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

/**
 * Resolves a Mapping's match. `hostLabels` returns the matchLabels of Hosts whose
 * mappingSelector selects this Mapping (used in the group id only when it has no host).
 */
export function mappingInfo(
  m: Mapping,
  module: ModuleConfig,
  selectingHosts: (m: Mapping) => Host[],
): MappingInfo {
  const spec = applyMappingDefaults(m.spec, module);
  const headers: MatchEntry[] = [];
  let host: string | undefined;
  let hostRegex = false;
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
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
  for (const [name, value] of Object.entries(spec.regexHeaders ?? {}))
    headers.push({ name, value, regex: true });
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

  const query: MatchEntry[] = [];
  for (const [name, value] of Object.entries(spec.queryParameters ?? {}))
    query.push(value === true ? { name, regex: false } : { name, value: String(value), regex: false });
  for (const [name, value] of Object.entries(spec.regexQueryParameters ?? {}))
    query.push({ name, value, regex: true });

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
  for (const e of headers) key += e.name + (e.value ?? '');
  for (const e of query) key += e.name + (e.value ?? '');
  if (host === undefined) {
    for (const hostRes of selectingHosts(m)) {
      const labels = (hostRes.spec.mappingSelector ?? hostRes.spec.selector)?.matchLabels ?? {};
      for (const [k, v] of Object.entries(labels)) key += k + v;
    }
  }
  if (path.kind === 'segment-prefix') key += '\u0000segment';
  if (precedence !== 0) key += String(precedence);
  const groupId = sha1Hex(key);

  // Every Mapping carries an :authority entry for ordering ("*" when it names no host).
  const weighted = authority ? headers : [...headers, { name: ':authority', value: '*', regex: false }];
  const routeWeight: Array<number | string> = [
    precedence,
    prefix.length,
    weighted.reduce((n, e) => n + entryLength(e), 0),
    query.reduce((n, e) => n + entryLength(e), 0),
    prefix,
    spec.method ?? 'GET',
    ...weighted.map((e) => `${e.name}-${e.value ?? '*'}`),
    ...query.map((e) => `${e.name}-${e.value ?? '*'}`),
  ];

  return {
    m,
    key: `${m.metadata.namespace}/${m.metadata.name}`,
    spec,
    path,
    caseSensitive: spec.caseSensitive !== false,
    host,
    hostRegex,
    headers,
    query,
    method: spec.method,
    precedence,
    groupId,
    routeWeight,
  };
}

const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
/** sha1 hex of a string (Node's one-shot `crypto.hash` when available: much cheaper per call). */
function sha1Hex(s: string): string {
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
  for (const e of info.headers) {
    if (e.name === ':authority') continue;
    const match = valueMatch(e, false);
    out.push(match ? { match, name: e.name.toLowerCase() } : { name: e.name.toLowerCase() });
  }
  return out;
}

export function queryMatchers(info: MappingInfo): IRQueryMatch[] {
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
