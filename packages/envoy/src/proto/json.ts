/** Plain JSON values, the shape every emitted Envoy resource has (proto3 canonical JSON). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Formats milliseconds as a proto3 JSON Duration the way the decoder prints it (canonical form:
 * whole seconds, or 3/6/9 fractional digits), so emitted JSON and decoded JSON compare equal.
 *
 * @example
 * ```ts
 * duration(1500); // '1.500s'
 * duration(3000); // '3s'
 * ```
 */
export function duration(ms: number): string {
  if (Number.isInteger(ms) && ms >= 0 && ms < 1e15) {
    // Fast path (every IR duration): integer milliseconds.
    const secs = Math.floor(ms / 1000);
    const rest = ms - secs * 1000;
    return rest === 0 ? `${secs}s` : `${secs}.${String(rest).padStart(3, '0')}s`;
  }
  const totalNanos = BigInt(Math.round(ms * 1_000_000));
  return formatDuration(totalNanos / 1_000_000_000n, Number(totalNanos % 1_000_000_000n));
}

/** Whole seconds as a Duration string. */
export function seconds(s: number): string {
  return duration(s * 1000);
}

/** Canonical proto3 JSON text for a Duration given as seconds and nanos. */
export function formatDuration(secs: bigint, nanos: number): string {
  const negative = secs < 0n || nanos < 0;
  const absSecs = secs < 0n ? -secs : secs;
  const absNanos = Math.abs(nanos);
  let frac = '';
  if (absNanos !== 0) {
    if (absNanos % 1_000_000 === 0) frac = `.${String(absNanos / 1_000_000).padStart(3, '0')}`;
    else if (absNanos % 1000 === 0) frac = `.${String(absNanos / 1000).padStart(6, '0')}`;
    else frac = `.${String(absNanos).padStart(9, '0')}`;
  }
  return `${negative ? '-' : ''}${absSecs}${frac}s`;
}

/** Parses a proto3 JSON Duration (`"1.5s"`, `"-0.001s"`); undefined when malformed. */
export function parseDuration(text: string): { seconds: bigint; nanos: number } | undefined {
  // Hand-rolled instead of a RegExp: this also parses text that came from the network.
  if (text.length < 2 || text.length > 40 || !text.endsWith('s')) return undefined;
  let body = text.slice(0, -1);
  let negative = false;
  if (body.startsWith('-')) {
    negative = true;
    body = body.slice(1);
  }
  const dot = body.indexOf('.');
  const whole = dot === -1 ? body : body.slice(0, dot);
  const frac = dot === -1 ? '' : body.slice(dot + 1);
  if (!isDigits(whole) || (dot !== -1 && (!isDigits(frac) || frac.length > 9))) return undefined;
  const secs = BigInt(whole);
  const nanos = frac === '' ? 0 : Number(frac.padEnd(9, '0'));
  return negative ? { seconds: -secs, nanos: -nanos } : { seconds: secs, nanos };
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `type.googleapis.com/<full name>`. */
export function typeUrl(fullName: string): string {
  return `type.googleapis.com/${fullName}`;
}

/** Wraps a message as a proto3 JSON Any. */
export function any(fullName: string, body: JsonObject = {}): JsonObject {
  return { '@type': typeUrl(fullName), ...body };
}
