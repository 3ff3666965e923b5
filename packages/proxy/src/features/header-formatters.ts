import type { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import type { HeaderBag } from './headers.js';

/**
 * Envoy header value substitutions (`%COMMAND%` operators) for `add_request_headers` /
 * `add_response_headers`, so the same IR adds the same header values on the in-process proxy as
 * on Envoy.
 *
 * A value is parsed once per config into literal parts and operator parts. Values without `%`
 * stay plain strings (no per-request work); operators whose result cannot change per request
 * (`%HOSTNAME%`, `%ENVIRONMENT(X)%`, `%UPSTREAM_METADATA(..)%`) are folded into literals at parse
 * time, so `x: "%HOSTNAME%"` costs nothing per request either.
 *
 * Syntax (Envoy's substitution format): `%NAME%`, `%NAME(arg)%`, `%NAME(arg):N%` with NAME made of
 * `A-Z`, `0-9` and `_`; `:N` truncates the result to N characters; `%%` is a literal `%`. Any other
 * `%` is an error, like an unknown operator: Envoy rejects such a config, so the proxy rejects the
 * IR (the previous config keeps serving).
 *
 * Semantics that follow Envoy:
 * - A header whose whole value expands to the empty string is not added (Envoy's
 *   `keep_empty_value` defaults to false, and the Envoy adapter never sets it).
 * - `%REQ(x?y)%` reads request header `x`, else `y`; missing → empty. Several values are joined
 *   with `,`. `%RESP(..)%` reads response headers and is empty in request headers.
 * - `%UPSTREAM_REMOTE_ADDRESS%` is empty in request headers (the endpoint is not chosen yet).
 * - `%DOWNSTREAM_REMOTE_ADDRESS%` is the client address after `x-forwarded-for` processing (port
 *   0 when it came from the header, as in Envoy); `%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%` is the peer.
 * - `%START_TIME%` is UTC; the default format is ISO 8601 with milliseconds.
 *
 * @example
 * ```ts
 * const parsed = parseHeaderFormat('gw-%PROTOCOL%', 'request');
 * if (parsed.ok && typeof parsed.value !== 'string') parsed.value.format(ctx); // "gw-HTTP/2"
 * ```
 *
 * @module
 */

/** The socket facts a formatter may read (a `net.Socket`, `tls.TLSSocket` or HTTP/2 proxy socket). */
export interface DownstreamSocketInfo {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** TLS only. */
  readonly servername?: string | false | null;
  getProtocol?(): string | null;
  getPeerX509Certificate?(): X509Certificate | undefined;
}

/**
 * Per-request facts for formatting. Built only when a route has a dynamic header value, and
 * reused for its request and response headers.
 */
export class HeaderFormatContext {
  /** Response headers being decorated (`%RESP()%`); undefined in the request phase. */
  responseHeaders: HeaderBag | undefined = undefined;
  /** `host:port` of the chosen endpoint; '' until one answered. */
  upstreamAddress = '';
  /** Cluster the request goes to; '' before one is picked. */
  cluster = '';

  constructor(
    /** Downstream connection. */
    readonly socket: DownstreamSocketInfo | undefined,
    /** Client address after `x-forwarded-for` processing (no port). */
    readonly clientAddress: string,
    /** Request headers `%REQ()%` reads: the upstream request headers once built. */
    public requestHeaders: HeaderBag | IncomingHttpHeaders,
    /** Pseudo-headers for `%REQ(:authority)%` and friends. */
    readonly authority: string,
    readonly method: string,
    readonly path: string,
    readonly scheme: string,
    /** `HTTP/1.1` or `HTTP/2`. */
    readonly protocol: string,
    /** Epoch milliseconds when the request started. */
    readonly startTime: number,
    readonly routeName: string,
  ) {}
}

type Evaluator = (ctx: HeaderFormatContext) => string;

/** A header value with operators; `format` never throws. */
export class HeaderFormatter {
  constructor(
    /** Literal strings and operator evaluators, in order. */
    private readonly parts: ReadonlyArray<string | Evaluator>,
    /** The configured text, for diagnostics. */
    readonly source: string,
  ) {}

  format(ctx: HeaderFormatContext): string {
    let out = '';
    for (const part of this.parts) out += typeof part === 'string' ? part : part(ctx);
    return out;
  }
}

export type ParsedHeaderFormat =
  | { ok: true; value: string | HeaderFormatter }
  | { ok: false; message: string };

/** Where a value is used: request headers cannot see the response or the upstream address. */
export type HeaderDirection = 'request' | 'response';

const HOSTNAME = safeHostname();

/** Parses one header value. Plain values (no `%`) come back as the same string. */
export function parseHeaderFormat(
  value: string,
  direction: HeaderDirection,
  env: NodeJS.ProcessEnv = process.env,
): ParsedHeaderFormat {
  if (!value.includes('%')) return { ok: true, value };
  const parts: Array<string | Evaluator> = [];
  let literal = '';
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value[i] as string;
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      literal += '%';
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < n && isNameChar(value.charCodeAt(j))) j++;
    const name = value.slice(i + 1, j);
    if (name === '')
      return {
        ok: false,
        message: `unescaped "%" at offset ${i} of ${JSON.stringify(value)} (write "%%" for a literal percent sign)`,
      };
    let arg: string | undefined;
    if (value[j] === '(') {
      const close = value.indexOf(')', j);
      if (close === -1) return { ok: false, message: `operator %${name}( at offset ${i} has no closing ")"` };
      arg = value.slice(j + 1, close);
      j = close + 1;
    }
    let max: number | undefined;
    if (value[j] === ':') {
      let k = j + 1;
      while (k < n && value.charCodeAt(k) >= 48 && value.charCodeAt(k) <= 57) k++;
      if (k === j + 1)
        return { ok: false, message: `operator %${name}% at offset ${i}: expected digits after ":"` };
      max = Number(value.slice(j + 1, k));
      j = k;
    }
    if (value[j] !== '%')
      return {
        ok: false,
        message: `operator %${name} at offset ${i} of ${JSON.stringify(value)} is not closed by "%"`,
      };
    i = j + 1;
    const op = compileOperator(name, arg, direction, env);
    if (typeof op === 'object') return { ok: false, message: op.error };
    if (typeof op === 'string') {
      literal += max === undefined ? op : op.slice(0, max);
      continue;
    }
    if (literal !== '') {
      parts.push(literal);
      literal = '';
    }
    parts.push(max === undefined ? op : (ctx) => op(ctx).slice(0, max));
  }
  if (literal !== '') parts.push(literal);
  if (parts.every((p) => typeof p === 'string')) return { ok: true, value: parts.join('') };
  return { ok: true, value: new HeaderFormatter(parts, value) };
}

function isNameChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** Operators that take no argument. */
const SIMPLE: Record<string, (direction: HeaderDirection) => Evaluator> = {
  DOWNSTREAM_REMOTE_ADDRESS: () => (c) => joinHostPort(c.clientAddress, remotePort(c)),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: () => (c) => c.clientAddress,
  DOWNSTREAM_REMOTE_PORT: () => (c) => (c.clientAddress === '' ? '' : String(remotePort(c))),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: () => (c) =>
    joinHostPort(unmapped(c.socket?.remoteAddress), c.socket?.remotePort ?? 0),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: () => (c) => unmapped(c.socket?.remoteAddress),
  DOWNSTREAM_DIRECT_REMOTE_PORT: () => (c) => portText(c.socket?.remotePort),
  DOWNSTREAM_LOCAL_ADDRESS: () => (c) =>
    joinHostPort(unmapped(c.socket?.localAddress), c.socket?.localPort ?? 0),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: () => (c) => unmapped(c.socket?.localAddress),
  DOWNSTREAM_LOCAL_PORT: () => (c) => portText(c.socket?.localPort),
  REQUESTED_SERVER_NAME: () => (c) => {
    const sni = c.socket?.servername;
    return typeof sni === 'string' ? sni : '';
  },
  DOWNSTREAM_TLS_VERSION: () => (c) => tlsCall(c, (s) => s.getProtocol?.() ?? ''),
  DOWNSTREAM_PEER_URI_SAN: () => (c) =>
    tlsCall(c, (s) => uriSans(s.getPeerX509Certificate?.()?.subjectAltName)),
  DOWNSTREAM_PEER_SUBJECT: () => (c) => tlsCall(c, (s) => rfc2253(s.getPeerX509Certificate?.()?.subject)),
  PROTOCOL: () => (c) => c.protocol,
  UPSTREAM_CLUSTER: () => (c) => c.cluster,
  ROUTE_NAME: () => (c) => c.routeName,
  UPSTREAM_REMOTE_ADDRESS: (d) => (d === 'request' ? EMPTY : (c) => c.upstreamAddress),
  UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (d) =>
    d === 'request' ? EMPTY : (c) => splitHostPort(c.upstreamAddress)[0],
  UPSTREAM_REMOTE_PORT: (d) => (d === 'request' ? EMPTY : (c) => splitHostPort(c.upstreamAddress)[1]),
};

const EMPTY: Evaluator = () => '';

/** Operators that are empty on the proxy (no metadata or filter state model). */
const ALWAYS_EMPTY = new Set(['UPSTREAM_METADATA', 'DYNAMIC_METADATA', 'CLUSTER_METADATA']);

/**
 * An evaluator, a constant string (folded into the literal), or an error. Operators the proxy
 * does not implement are errors even when Envoy knows them: serving a wrong value silently would
 * be worse than refusing the config.
 */
function compileOperator(
  name: string,
  arg: string | undefined,
  direction: HeaderDirection,
  env: NodeJS.ProcessEnv,
): Evaluator | string | { error: string } {
  const simple = SIMPLE[name];
  if (simple !== undefined) {
    if (arg !== undefined) return { error: `%${name}% takes no argument, got (${arg})` };
    return simple(direction);
  }
  switch (name) {
    case 'HOSTNAME':
      return HOSTNAME;
    case 'ENVIRONMENT':
      if (!arg) return { error: '%ENVIRONMENT(NAME)% needs a variable name' };
      // Read once, when the config is compiled (as Envoy does).
      return env[arg] ?? '';
    case 'REQ':
    case 'RESP': {
      if (!arg) return { error: `%${name}(header)% needs a header name` };
      const q = arg.indexOf('?');
      const main = (q === -1 ? arg : arg.slice(0, q)).trim().toLowerCase();
      const alt =
        q === -1
          ? undefined
          : arg
              .slice(q + 1)
              .trim()
              .toLowerCase();
      if (main === '' || alt === '') return { error: `%${name}(${arg})%: empty header name` };
      if (name === 'RESP') {
        if (direction === 'request') return EMPTY;
        return (c) => {
          const h = c.responseHeaders;
          if (h === undefined) return '';
          const v = headerText(h[main]);
          return v !== '' || alt === undefined ? v : headerText(h[alt]);
        };
      }
      return (c) => {
        const v = requestHeader(c, main);
        return v !== '' || alt === undefined ? v : requestHeader(c, alt);
      };
    }
    case 'START_TIME': {
      if (arg === undefined || arg === '') return (c) => new Date(c.startTime).toISOString();
      const fmt = compileTimeFormat(arg);
      if (typeof fmt === 'object') return fmt;
      return (c) => fmt(c.startTime);
    }
    default:
      if (ALWAYS_EMPTY.has(name)) return '';
      return {
        error: `unknown or unsupported header operator %${name}% (supported: ${SUPPORTED_OPERATORS.join(', ')})`,
      };
  }
}

/** Every operator name the proxy accepts, for messages and docs. */
export const SUPPORTED_OPERATORS: readonly string[] = [
  ...Object.keys(SIMPLE),
  'HOSTNAME',
  'ENVIRONMENT',
  'REQ',
  'RESP',
  'START_TIME',
  ...ALWAYS_EMPTY,
];

function requestHeader(c: HeaderFormatContext, name: string): string {
  switch (name) {
    case ':authority':
    case 'host':
      return c.authority;
    case ':path':
      return c.path;
    case ':method':
      return c.method;
    case ':scheme':
      return c.scheme;
    default:
      return headerText(c.requestHeaders[name]);
  }
}

function headerText(v: string | string[] | number | undefined): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

/** Envoy: the XFF-derived client address has port 0; the peer's own address keeps its port. */
function remotePort(c: HeaderFormatContext): number {
  const s = c.socket;
  return s !== undefined && unmapped(s.remoteAddress) === c.clientAddress ? (s.remotePort ?? 0) : 0;
}

function unmapped(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function portText(port: number | undefined): string {
  return port === undefined ? '' : String(port);
}

function joinHostPort(host: string, port: number): string {
  if (host === '') return '';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function splitHostPort(address: string): [string, string] {
  const colon = address.lastIndexOf(':');
  if (colon === -1) return [address, ''];
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, address.slice(colon + 1)];
}

/** TLS getters may throw on a socket that went away; a header value must not. */
function tlsCall(c: HeaderFormatContext, read: (s: DownstreamSocketInfo) => string | undefined): string {
  const s = c.socket;
  if (s === undefined || typeof s.getProtocol !== 'function') return '';
  try {
    return read(s) ?? '';
  } catch {
    return '';
  }
}

/** `URI:a, DNS:b, URI:c` → `a,c` (Envoy joins several URI SANs with commas). */
function uriSans(san: string | undefined): string {
  if (!san) return '';
  const out: string[] = [];
  for (const entry of san.split(', ')) if (entry.startsWith('URI:')) out.push(entry.slice(4));
  return out.join(',');
}

/** Node's `C=US\nO=Acme\nCN=client` → RFC 2253 order `CN=client,O=Acme,C=US` (Envoy's form). */
function rfc2253(subject: string | undefined): string {
  if (!subject) return '';
  return subject.split('\n').reverse().join(',');
}

function safeHostname(): string {
  try {
    return os.hostname();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// START_TIME(format)

type TimePart = string | ((d: Date, ms: number) => string);

/**
 * A subset of strftime, in UTC: `%Y %y %m %d %e %H %M %S %j %z %Z %F %T %D %R %s %f %1f…%9f
 * %E3S`-style seconds with fraction (`%E<n>S`) and `%%`. Other conversions (`%a %A %b %B %c %p
 * %x %X %U %W %G %V ...`) are rejected rather than rendered differently from Envoy.
 */
export function compileTimeFormat(format: string): ((ms: number) => string) | { error: string } {
  const parts: TimePart[] = [];
  let literal = '';
  const push = (p: TimePart) => {
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(p);
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const spec = format[i + 1];
    i++;
    switch (spec) {
      case '%':
        literal += '%';
        break;
      case 'Y':
        push((d) => String(d.getUTCFullYear()));
        break;
      case 'y':
        push((d) => pad(d.getUTCFullYear() % 100, 2));
        break;
      case 'm':
        push((d) => pad(d.getUTCMonth() + 1, 2));
        break;
      case 'd':
        push((d) => pad(d.getUTCDate(), 2));
        break;
      case 'e':
        push((d) => String(d.getUTCDate()).padStart(2, ' '));
        break;
      case 'H':
        push((d) => pad(d.getUTCHours(), 2));
        break;
      case 'M':
        push((d) => pad(d.getUTCMinutes(), 2));
        break;
      case 'S':
        push((d) => pad(d.getUTCSeconds(), 2));
        break;
      case 'j':
        push((d) => pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3));
        break;
      case 'z':
        literal += '+0000';
        break;
      case 'Z':
        literal += 'UTC';
        break;
      case 'F':
        push((d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`);
        break;
      case 'T':
        push((d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`);
        break;
      case 'R':
        push((d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`);
        break;
      case 'D':
        push(
          (d) =>
            `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad(d.getUTCFullYear() % 100, 2)}`,
        );
        break;
      case 's':
        push((_d, ms) => String(Math.floor(ms / 1000)));
        break;
      case 'f':
        push((_d, ms) => fraction(ms, 9));
        break;
      case 'E': {
        // %E<n>S: seconds with n fractional digits; %E*S: Envoy's "as many as needed" (we have ms).
        const digits = format[i + 1];
        if (format[i + 2] !== 'S' || digits === undefined || !/^[0-9*]$/.test(digits))
          return { error: `START_TIME format ${JSON.stringify(format)}: unsupported %E conversion` };
        i += 2;
        const n = digits === '*' ? 3 : Number(digits);
        push((d, ms) =>
          n === 0 ? pad(d.getUTCSeconds(), 2) : `${pad(d.getUTCSeconds(), 2)}.${fraction(ms, n)}`,
        );
        break;
      }
      default:
        if (spec !== undefined && spec >= '1' && spec <= '9' && format[i + 1] === 'f') {
          const n = Number(spec);
          i++;
          push((_d, ms) => fraction(ms, n));
          break;
        }
        return {
          error: `START_TIME format ${JSON.stringify(format)}: %${spec ?? ''} is not supported by the in-process proxy`,
        };
    }
  }
  if (literal !== '') parts.push(literal);
  return (ms) => {
    const d = new Date(ms);
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(d, ms);
    return out;
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Fractional seconds with `digits` digits; the clock has millisecond resolution. */
function fraction(ms: number, digits: number): string {
  const millis = pad(((ms % 1000) + 1000) % 1000, 3);
  return digits <= 3 ? millis.slice(0, digits) : millis.padEnd(digits, '0');
}
