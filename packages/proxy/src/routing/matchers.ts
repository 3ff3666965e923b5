import type { IRHeaderMatch, IRQueryMatch, IRStringMatch } from '@gateway/core';
import { compileRegex } from './regex.js';

/**
 * Request matchers compiled once per config. Matching a request never compiles anything and
 * never runs a backtracking regex.
 */

/** A compiled string matcher; `null` input means "absent". */
export type StringMatcher = (value: string) => boolean;

export type CompileResult<T> = { ok: true; value: T } | { ok: false; message: string; path: string };

export function compileStringMatch(m: IRStringMatch, maxProgramSize: number): CompileResult<StringMatcher> {
  if ('regex' in m) {
    const r = compileRegex(m.regex, maxProgramSize);
    if (!r.ok) return { ok: false, message: r.message, path: 'regex' };
    const re = r.regex;
    return { ok: true, value: (v) => re.matches(v) };
  }
  const ignoreCase = m.ignoreCase === true;
  if ('exact' in m) {
    const want = ignoreCase ? m.exact.toLowerCase() : m.exact;
    return { ok: true, value: ignoreCase ? (v) => v.toLowerCase() === want : (v) => v === want };
  }
  if ('prefix' in m) {
    const want = ignoreCase ? m.prefix.toLowerCase() : m.prefix;
    return {
      ok: true,
      value: ignoreCase ? (v) => v.toLowerCase().startsWith(want) : (v) => v.startsWith(want),
    };
  }
  if ('suffix' in m) {
    const want = ignoreCase ? m.suffix.toLowerCase() : m.suffix;
    return { ok: true, value: ignoreCase ? (v) => v.toLowerCase().endsWith(want) : (v) => v.endsWith(want) };
  }
  if ('contains' in m) {
    const want = ignoreCase ? m.contains.toLowerCase() : m.contains;
    return { ok: true, value: ignoreCase ? (v) => v.toLowerCase().includes(want) : (v) => v.includes(want) };
  }
  return { ok: false, message: 'expected one of exact, prefix, suffix, contains, regex', path: '' };
}

/** What header and query matchers read from a request. */
export interface MatchInput {
  method: string;
  /** Host as matched against virtual hosts (lower-case, port stripped per settings). */
  authority: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw query string without `?`. */
  query: string;
}

export type HeaderMatcher = (input: MatchInput) => boolean;

function headerValue(input: MatchInput, name: string): string | undefined {
  if (name === ':method') return input.method;
  if (name === ':authority' || name === 'host') return input.authority;
  const v = input.headers[name];
  if (v === undefined) return undefined;
  // Envoy joins repeated headers with ',' before matching.
  return typeof v === 'string' ? v : v.join(',');
}

export function compileHeaderMatch(m: IRHeaderMatch, maxProgramSize: number): CompileResult<HeaderMatcher> {
  const name = m.name.toLowerCase();
  const invert = m.invert === true;
  if (!m.match) {
    return { ok: true, value: (input) => (headerValue(input, name) !== undefined) !== invert };
  }
  const compiled = compileStringMatch(m.match, maxProgramSize);
  if (!compiled.ok) return { ok: false, message: compiled.message, path: `match.${compiled.path}` };
  const test = compiled.value;
  return {
    ok: true,
    value: (input) => {
      const v = headerValue(input, name);
      // Envoy: an absent header never matches a value matcher; `invert` flips the result, so an
      // inverted matcher matches when the header is absent.
      const hit = v !== undefined && test(v);
      return hit !== invert;
    },
  };
}

/** Parsed query parameters (first value wins, percent-decoded once), computed lazily per request. */
export type QueryParams = ReadonlyMap<string, string>;

export function parseQuery(query: string): QueryParams {
  const out = new Map<string, string>();
  if (query === '') return out;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (end > start) {
      const pair = query.slice(start, end);
      const eq = pair.indexOf('=');
      const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
      if (!out.has(name)) out.set(name, value);
    }
    start = end + 1;
  }
  return out;
}

function safeDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type QueryMatcher = (params: QueryParams) => boolean;

export function compileQueryMatch(m: IRQueryMatch, maxProgramSize: number): CompileResult<QueryMatcher> {
  const name = m.name;
  if (!m.match) return { ok: true, value: (params) => params.has(name) };
  const compiled = compileStringMatch(m.match, maxProgramSize);
  if (!compiled.ok) return { ok: false, message: compiled.message, path: `match.${compiled.path}` };
  const test = compiled.value;
  return {
    ok: true,
    value: (params) => {
      const v = params.get(name);
      return v !== undefined && test(v);
    },
  };
}
