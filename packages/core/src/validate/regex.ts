import { RE2JS } from 're2js';

/** Default RE2 program-size cap (Ambassador Module `regex_max_size`). */
export const DEFAULT_REGEX_MAX_SIZE = 200;

/**
 * Checks that `pattern` is valid RE2 syntax within the program-size cap. Returns an error
 * message or undefined. RE2 has no backreferences or lookaround, so matching is linear time.
 */
export function checkRegex(pattern: string, maxProgramSize: number): string | undefined {
  const compiled = compileCached(pattern);
  if (typeof compiled === 'string') return compiled;
  const size = compiled;
  if (size > maxProgramSize)
    return `regular expression "${pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern}" has program size ${size}, over the limit of ${maxProgramSize} (Module regex_max_size)`;
  return undefined;
}

/**
 * Program size of `pattern`, or the syntax error message. Many Mappings share patterns, and
 * compiling is the costly part of a check, so results are cached per pattern.
 */
const programSizes = new Map<string, number | string>();

function compileCached(pattern: string): number | string {
  let r = programSizes.get(pattern);
  if (r !== undefined) return r;
  try {
    r = RE2JS.compile(pattern).programSize();
  } catch (err) {
    const msg = (err as Error).message.replace(/^error parsing regexp: /, '');
    r = `expected an RE2 regular expression, got "${pattern}" (${msg})`;
  }
  // The cap bounds memory for adversarial input; past it, compile every time.
  if (programSizes.size < 10_000) programSizes.set(pattern, r);
  return r;
}
