/**
 * IR string, header and query matchers → Envoy `StringMatcher`, `HeaderMatcher` and
 * `QueryParameterMatcher` (never the deprecated `exact_match`/`prefix_match`/... forms).
 *
 * @module
 */
import type { IRHeaderMatch, IRQueryMatch, IRStringMatch } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

/** Escapes RE2 metacharacters so a literal can sit inside a regex. */
export function re2Escape(literal: string): string {
  let out = '';
  for (const ch of literal) out += '\\^$.|?*+()[]{}'.includes(ch) ? `\\${ch}` : ch;
  return out;
}

/** An Envoy `RegexMatcher` (RE2 is Envoy's default engine, so no engine field is written). */
export function regexMatcher(regex: string): JsonObject {
  return { regex };
}

/**
 * IRStringMatch → `envoy.type.matcher.v3.StringMatcher`. Empty prefix/suffix/contains values
 * (which Envoy refuses) become the equivalent "anything" regex.
 */
export function stringMatcher(m: IRStringMatch): JsonObject {
  if ('regex' in m) return { safe_regex: regexMatcher(m.regex) };
  const ignoreCase: JsonObject = m.ignoreCase ? { ignore_case: true } : {};
  if ('exact' in m) return { exact: m.exact, ...ignoreCase };
  if ('prefix' in m)
    return m.prefix === '' ? { safe_regex: regexMatcher('.*') } : { prefix: m.prefix, ...ignoreCase };
  if ('suffix' in m)
    return m.suffix === '' ? { safe_regex: regexMatcher('.*') } : { suffix: m.suffix, ...ignoreCase };
  return m.contains === '' ? { safe_regex: regexMatcher('.*') } : { contains: m.contains, ...ignoreCase };
}

/** IRHeaderMatch → `envoy.config.route.v3.HeaderMatcher` (presence when no value matcher). */
export function headerMatcher(h: IRHeaderMatch): JsonObject {
  const out: JsonObject = { name: h.name };
  if (h.match) out.string_match = stringMatcher(h.match);
  else out.present_match = true;
  if (h.invert) out.invert_match = true;
  return out;
}

/** IRQueryMatch → `envoy.config.route.v3.QueryParameterMatcher`. */
export function queryMatcher(q: IRQueryMatch): JsonObject {
  return q.match
    ? { name: q.name, string_match: stringMatcher(q.match) }
    : { name: q.name, present_match: true };
}
