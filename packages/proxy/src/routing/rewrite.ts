import type { IRPathMatch, IRPathRewrite } from '@gateway/core';
import { compileRegex, parseSubstitution } from './regex.js';

/**
 * Path rewrites, compiled once per route. Input is the normalised path (no query); the caller
 * re-attaches the query string.
 *
 * - `prefix`: for prefix and segment-prefix matches the matched prefix is replaced; for exact and
 *   regex matches the whole path is the "matched prefix" (Envoy semantics).
 * - `regex`: RE2 global replace with `\N` group references.
 * - `full`: the whole path is replaced.
 */
export type PathRewriter = (path: string) => string;

export type RewriteCompileResult =
  | { ok: true; rewrite: PathRewriter }
  | { ok: false; message: string; path: string };

export function compilePathRewrite(
  rewrite: IRPathRewrite,
  match: IRPathMatch | undefined,
  maxProgramSize: number,
): RewriteCompileResult {
  switch (rewrite.kind) {
    case 'prefix': {
      const value = rewrite.value;
      if (match && (match.kind === 'prefix' || match.kind === 'segment-prefix')) {
        const cut = match.value.length;
        return { ok: true, rewrite: (path) => value + path.slice(cut) };
      }
      return { ok: true, rewrite: () => value };
    }
    case 'full': {
      const value = rewrite.value;
      return { ok: true, rewrite: () => value };
    }
    case 'regex': {
      const compiled = compileRegex(rewrite.pattern, maxProgramSize);
      if (!compiled.ok) return { ok: false, message: compiled.message, path: 'pattern' };
      const re = compiled.regex;
      const substitution = parseSubstitution(rewrite.substitution);
      return { ok: true, rewrite: (path) => re.replaceAll(path, substitution) };
    }
    default:
      return { ok: false, message: 'expected kind prefix, regex or full', path: 'kind' };
  }
}
