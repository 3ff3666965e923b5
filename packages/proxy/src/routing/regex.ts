import { RE2JS } from 're2js';

/**
 * RE2 regexes for route matching and rewriting. Patterns come from configuration and are matched
 * against request data, so they must run in linear time: re2js is an RE2 port (no backtracking,
 * no backreferences), and a program-size cap mirrors Envoy's `re2.max_program_size` so a huge
 * pattern is rejected at load time instead of slowing every request.
 */

export interface CompiledRegex {
  readonly source: string;
  /** Full match (Envoy `safe_regex` semantics for paths and header values). */
  matches(input: string): boolean;
  /** Replaces every match (Envoy `regex_rewrite` uses RE2::GlobalReplace). */
  replaceAll(input: string, substitution: Substitution): string;
}

/** A parsed `\1`-style substitution: literal parts and group references, parsed once per config. */
export type Substitution = ReadonlyArray<string | number>;

export type RegexResult = { ok: true; regex: CompiledRegex } | { ok: false; message: string };

export function compileRegex(source: string, maxProgramSize: number, ignoreCase = false): RegexResult {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    return { ok: false, message: `invalid RE2 regex ${JSON.stringify(source)}: ${(err as Error).message}` };
  }
  const size = re.programSize();
  if (maxProgramSize > 0 && size > maxProgramSize) {
    return {
      ok: false,
      message: `regex ${JSON.stringify(source)} has RE2 program size ${size}, above the limit ${maxProgramSize} (settings.regexMaxProgramSize)`,
    };
  }
  return { ok: true, regex: new Re2Regex(source, re) };
}

class Re2Regex implements CompiledRegex {
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  matches(input: string): boolean {
    return this.re.testExact(input);
  }

  replaceAll(input: string, substitution: Substitution): string {
    return this.re.matcher(input).replaceAll((...args: unknown[]) => {
      let out = '';
      for (const part of substitution) {
        if (typeof part === 'string') out += part;
        else {
          const group = args[part];
          out += typeof group === 'string' ? group : '';
        }
      }
      return out;
    });
  }
}

/**
 * Parses an Envoy/RE2 substitution string: `\N` (N = 0–9) is capture group N, `\\` a backslash,
 * everything else literal.
 */
export function parseSubstitution(text: string): Substitution {
  const parts: Array<string | number> = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string;
      if (next >= '0' && next <= '9') {
        if (literal) parts.push(literal);
        literal = '';
        parts.push(Number(next));
        i++;
        continue;
      }
      if (next === '\\') {
        literal += '\\';
        i++;
        continue;
      }
    }
    literal += ch;
  }
  if (literal) parts.push(literal);
  return parts;
}
