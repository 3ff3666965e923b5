/**
 * Parsing of Ambassador `service` strings: `[http://|https://]host[.namespace][:port]`, with
 * `[v6-literal]:port` for IPv6 (Emissary `ParsedService` / `normalize_service_name`).
 */
export interface ParsedService {
  /** `http`, `https`, or undefined when the user wrote no scheme. */
  scheme?: 'http' | 'https';
  /** Host as written (IPv6 without brackets). */
  host: string;
  /** Explicit port, if written. */
  port?: number;
  /** True for IPv4/IPv6 literals (never namespace-qualified). */
  isIp: boolean;
  ipv6: boolean;
}

export type ParseServiceResult = { ok: true; value: ParsedService } | { ok: false; message: string };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1] ?? '';
  const hasV4 = last.includes('.');
  if (hasV4 && !IPV4.test(last)) return false;
  const n = groups.length + (hasV4 ? 1 : 0);
  if (groups.some((g) => !g.includes('.') && !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? n < 8 : n === 8;
}

/**
 * Parses a service string.
 *
 * @example
 * ```ts
 * parseService('https://quote.ns:8443'); // { ok: true, value: { scheme: 'https', host: 'quote.ns', port: 8443, ... } }
 * ```
 */
export function parseService(service: string): ParseServiceResult {
  // Validation and compilation parse the same strings several times: reuse (frozen) results.
  let parsed = parsedServices.get(service);
  if (parsed === undefined) {
    parsed = parseUncached(service);
    if (parsed.ok) Object.freeze(parsed.value);
    Object.freeze(parsed);
    // The cap bounds memory for adversarial input; past it, parse every time.
    if (parsedServices.size < 100_000) parsedServices.set(service, parsed);
  }
  return parsed;
}

const parsedServices = new Map<string, ParseServiceResult>();

function parseUncached(service: string): ParseServiceResult {
  let rest = service.trim();
  let scheme: ParsedService['scheme'];
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (m) {
    const s = m[1]!.toLowerCase();
    if (s !== 'http' && s !== 'https')
      return { ok: false, message: `expected an http:// or https:// scheme, got "${m[1]}://"` };
    scheme = s;
    rest = rest.slice(m[0].length);
  }
  if (rest.endsWith('/')) rest = rest.replace(/\/+$/, '');
  if (rest.includes('/'))
    return { ok: false, message: `expected [scheme://]host[:port] without a path, got "${service}"` };
  let host: string;
  let portText: string | undefined;
  let ipv6 = false;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { ok: false, message: `unterminated IPv6 literal in "${service}"` };
    host = rest.slice(1, close);
    ipv6 = true;
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return { ok: false, message: `expected :port after ], got "${after}"` };
      portText = after.slice(1);
    }
    if (!isIPv6(host)) return { ok: false, message: `expected an IPv6 address inside [], got "${host}"` };
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) {
      if (isIPv6(rest)) {
        host = rest;
        ipv6 = true;
      } else
        return { ok: false, message: `expected host[:port], got "${service}" (write IPv6 as [addr]:port)` };
    } else if (colons === 1) {
      const idx = rest.indexOf(':');
      host = rest.slice(0, idx);
      portText = rest.slice(idx + 1);
    } else host = rest;
  }
  if (host === '') return { ok: false, message: `expected a host name, got "${service}"` };
  if (!ipv6 && !HOSTNAME.test(host))
    return { ok: false, message: `expected a DNS name or IP address, got "${host}"` };
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      return { ok: false, message: `expected a port from 1 to 65535, got "${portText}"` };
    port = Number(portText);
  }
  const isIp = ipv6 || isIPv4(host);
  return { ok: true, value: { scheme, host, port, isIp, ipv6 } };
}
