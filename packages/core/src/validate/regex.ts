import { RE2JS } from 're2js';

/** Default RE2 program-size cap (Ambassador Module `regex_max_size`). */
export const DEFAULT_REGEX_MAX_SIZE = 200;

/**
 * Checks that `pattern` is valid RE2 syntax within the program-size cap. Returns an error
 * message or undefined. RE2 has no backreferences or lookaround, so matching is linear time.
 */
export function checkRegex(pattern: string, maxProgramSize: number): string | undefined {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const msg = (err as Error).message.replace(/^error parsing regexp: /, '');
    return `expected an RE2 regular expression, got "${pattern}" (${msg})`;
  }
  const size = re.programSize();
  if (size > maxProgramSize)
    return `regular expression "${pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern}" has program size ${size}, over the limit of ${maxProgramSize} (Module regex_max_size)`;
  return undefined;
}
