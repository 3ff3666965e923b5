/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1): headers that describe one connection must not be
 * forwarded. Stripped: Connection and every token it lists, Keep-Alive, Proxy-Connection, TE,
 * Transfer-Encoding, Upgrade, and Proxy-Authorization/Proxy-Authenticate (they address this hop).
 * `te: trailers` is kept, because gRPC requires it and HTTP/2 allows exactly that value.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'host',
  'http2-settings',
]);

export type HeaderRecord = Record<string, string | string[]>;

/**
 * Copies request headers for the upstream, dropping hop-by-hop ones, HTTP/2 pseudo-headers and
 * `host` (the caller sets the authority). `te: trailers` survives.
 */
export function copyRequestHeaders(
  src: Readonly<Record<string, string | string[] | undefined>>,
): HeaderRecord {
  const out: HeaderRecord = {};
  const connection = src.connection;
  for (const name in src) {
    const value = src[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* : */) continue;
    if (HOP_BY_HOP.has(name)) {
      if (name === 'te' && isTrailersOnly(value)) out.te = 'trailers';
      continue;
    }
    out[name] = value;
  }
  if (connection !== undefined) removeConnectionTokens(out, connection, true);
  return out;
}

/** Copies response headers for the downstream, dropping hop-by-hop ones and pseudo-headers. */
export function copyResponseHeaders(
  src: Readonly<Record<string, string | string[] | undefined>>,
): HeaderRecord {
  const out: HeaderRecord = {};
  const connection = src.connection;
  for (const name in src) {
    const value = src[name];
    if (value === undefined || name.charCodeAt(0) === 58) continue;
    if (HOP_BY_HOP.has(name) && name !== 'host') continue;
    out[name] = value;
  }
  if (connection !== undefined) removeConnectionTokens(out, connection, false);
  return out;
}

function isTrailersOnly(value: string | string[]): boolean {
  const v = Array.isArray(value) ? value.join(',') : value;
  for (const token of v.split(',')) if (token.trim().toLowerCase() === 'trailers') return true;
  return false;
}

function removeConnectionTokens(out: HeaderRecord, connection: string | string[], keepTe: boolean): void {
  const v = Array.isArray(connection) ? connection.join(',') : connection;
  // The common values name no extra header (keep-alive is always stripped anyway).
  if (v.length <= 10) {
    const lower = v.toLowerCase();
    if (lower === 'keep-alive' || lower === 'close') return;
  }
  for (const raw of v.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || (keepTe && token === 'te')) continue;
    delete out[token];
  }
}
