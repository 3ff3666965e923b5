/**
 * Go `time.Duration` text, which MetalLB uses for BGP timers (`hold-time: 90s`, `holdTime: 1m30s`).
 * Values are nanoseconds as JS numbers: exact for every duration below 104 days.
 */

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export type DurationResult = { ok: true; ns: number } | { ok: false; error: string };

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses like Go's `time.ParseDuration`: a sign, then one or more `<number><unit>` terms
 * (`1h30m`, `1.5s`, `300ms`); `0` alone needs no unit.
 *
 * @example
 * ```ts
 * parseGoDuration('1m30s'); // { ok: true, ns: 90e9 }
 * parseGoDuration('90');    // { ok: false, error: 'missing unit in duration "90"' }
 * ```
 */
export function parseGoDuration(text: string): DurationResult {
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0 };
  if (s === '') return { ok: false, error: `invalid duration ${JSON.stringify(text)}` };
  let total = 0;
  let i = 0;
  while (i < s.length) {
    const numStart = i;
    while (isDigit(s[i])) i++;
    const intPart = s.slice(numStart, i);
    let fracPart = '';
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      while (isDigit(s[i])) i++;
      fracPart = s.slice(fracStart, i);
    }
    if (intPart === '' && fracPart === '')
      return { ok: false, error: `invalid duration ${JSON.stringify(text)}` };
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    const unit = s.slice(unitStart, i);
    if (unit === '') return { ok: false, error: `missing unit in duration ${JSON.stringify(text)}` };
    const scale = UNITS[unit];
    if (scale === undefined) {
      return { ok: false, error: `unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}` };
    }
    const value = Number(intPart || '0') * scale + (fracPart ? Number(`0.${fracPart}`) * scale : 0);
    total += Math.trunc(value);
  }
  if (total > 9.223372036854776e18) return { ok: false, error: `invalid duration ${JSON.stringify(text)}` };
  return { ok: true, ns: negative ? -total : total };
}

/** Truncates toward zero to whole seconds, as MetalLB does with `int(d.Seconds())`. */
export function truncateToSeconds(ns: number): number {
  return Math.trunc(ns / 1e9) * 1e9;
}

function fraction(value: number, digits: number): { int: number; frac: string } {
  const scale = 10 ** digits;
  const int = Math.floor(value / scale);
  const frac = String(value % scale)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return { int, frac: frac ? `.${frac}` : '' };
}

/**
 * Formats like Go's `Duration.String()`: `1m30s`, `2m0s`, `1h0m0s`, `500ms`, `0s`.
 *
 * @example
 * ```ts
 * formatGoDuration(90e9); // '1m30s'
 * ```
 */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const u = Math.abs(Math.trunc(ns));
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) {
    const f = fraction(u, 3);
    return `${sign}${f.int}${f.frac}µs`;
  }
  if (u < 1e9) {
    const f = fraction(u, 6);
    return `${sign}${f.int}${f.frac}ms`;
  }
  const f = fraction(u, 9);
  let secs = f.int;
  const s = secs % 60;
  secs = Math.floor(secs / 60);
  let out = `${s}${f.frac}s`;
  if (secs > 0) {
    const m = secs % 60;
    const h = Math.floor(secs / 60);
    out = `${m}m${out}`;
    if (h > 0) out = `${h}h${out}`;
  }
  return sign + out;
}
