/**
 * Reads the server name (SNI) out of a TLS ClientHello without terminating TLS, the way Envoy's
 * `tls_inspector` listener filter does, so a TCP route can be chosen by host while the bytes are
 * passed through untouched. Everything read here comes from the network: every length is checked
 * against the bytes actually present and against fixed caps, and no input makes the parser throw.
 *
 * @module
 */

/** Largest TLS plaintext record fragment (RFC 8446 §5.1: 2^14 bytes). */
const MAX_RECORD_FRAGMENT = 16_384;
/** Default cap on the ClientHello bytes buffered before giving up (Envoy's tls_inspector uses 64 KiB). */
export const MAX_CLIENT_HELLO_BYTES = 65_536;
const RECORD_HEADER = 5;
const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const SNI_HOST_NAME = 0x00;

/** What the bytes seen so far say about the connection. */
export type ClientHelloResult =
  /** A prefix of a possible ClientHello: read more. */
  | { kind: 'need-more' }
  /** The first byte is not a TLS handshake record: plain TCP. */
  | { kind: 'not-tls' }
  /** A complete ClientHello; `serverName` is lower-case, absent when the client sent none. */
  | { kind: 'client-hello'; serverName?: string; alpn: string[] }
  /** A TLS handshake record that is malformed or too large; `reason` says what was wrong. */
  | { kind: 'invalid'; reason: string };

/** Thrown inside the parser only; turned into an `invalid` result before returning. */
class Malformed extends Error {}

/** A cursor over a buffer slice that refuses to read past its end. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(what: string): number {
    if (this.remaining < 1) throw new Malformed(`truncated ${what}`);
    return this.buf[this.pos++] as number;
  }

  u16(what: string): number {
    if (this.remaining < 2) throw new Malformed(`truncated ${what}`);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  skip(n: number, what: string): void {
    if (n < 0 || this.remaining < n)
      throw new Malformed(`${what} length ${n} exceeds the ${this.remaining} bytes left`);
    this.pos += n;
  }

  /** A sub-reader over the next `n` bytes (consumed from this one). */
  sub(n: number, what: string): Reader {
    if (n < 0 || this.remaining < n)
      throw new Malformed(`${what} length ${n} exceeds the ${this.remaining} bytes left`);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  bytes(n: number, what: string): Buffer {
    if (n < 0 || this.remaining < n)
      throw new Malformed(`${what} length ${n} exceeds the ${this.remaining} bytes left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * Classifies the first bytes of a connection. Call again with the grown buffer while the answer
 * is `need-more`. A ClientHello split over several handshake records is reassembled.
 *
 * @example
 * ```ts
 * const r = parseClientHello(firstBytes);
 * if (r.kind === 'client-hello') console.log(r.serverName); // 'api.example.com'
 * ```
 */
export function parseClientHello(data: Buffer, maxBytes = MAX_CLIENT_HELLO_BYTES): ClientHelloResult {
  if (data.length === 0) return { kind: 'need-more' };
  if (data[0] !== CONTENT_HANDSHAKE) return { kind: 'not-tls' };
  try {
    // Reassemble the handshake bytes carried by consecutive handshake records.
    const fragments: Buffer[] = [];
    let handshakeBytes = 0;
    let offset = 0;
    let wanted: number | undefined;
    while (offset + RECORD_HEADER <= data.length) {
      const type = data[offset] as number;
      const major = data[offset + 1] as number;
      const length = data.readUInt16BE(offset + 3);
      if (type !== CONTENT_HANDSHAKE)
        return invalid(`record of type ${type} before the ClientHello was complete`);
      if (major !== 3) return invalid(`record version ${major}.${data[offset + 2]} is not TLS`);
      if (length === 0 || length > MAX_RECORD_FRAGMENT)
        return invalid(`record length ${length} outside 1..${MAX_RECORD_FRAGMENT}`);
      if (offset + RECORD_HEADER + length > data.length) break;
      fragments.push(data.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + length));
      handshakeBytes += length;
      offset += RECORD_HEADER + length;
      if (wanted === undefined && handshakeBytes >= 4) {
        const head = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
        if (head[0] !== HANDSHAKE_CLIENT_HELLO)
          return invalid(`first handshake message has type ${head[0]}, expected ClientHello (1)`);
        wanted = 4 + head.readUIntBE(1, 3);
        if (wanted > maxBytes) return invalid(`ClientHello length ${wanted - 4} exceeds ${maxBytes} bytes`);
      }
      if (wanted !== undefined && handshakeBytes >= wanted) {
        const hello = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
        return parseHelloBody(new Reader(hello, 4, wanted));
      }
    }
    // Tiny records could make the buffer grow far past the ClientHello itself: cap it too.
    if (data.length > 2 * maxBytes) return invalid(`no complete ClientHello within ${2 * maxBytes} bytes`);
    return { kind: 'need-more' };
  } catch (err) {
    return invalid(err instanceof Malformed ? err.message : 'unparseable ClientHello');
  }
}

function invalid(reason: string): ClientHelloResult {
  return { kind: 'invalid', reason };
}

/** RFC 8446 §4.1.2 (same layout as TLS 1.0-1.2): version, random, session, suites, compression, extensions. */
function parseHelloBody(r: Reader): ClientHelloResult {
  const major = r.u8('client version');
  r.u8('client version');
  if (major !== 3) throw new Malformed(`ClientHello version major ${major} is not TLS`);
  r.skip(32, 'random');
  const sessionLength = r.u8('session id length');
  if (sessionLength > 32) throw new Malformed(`session id length ${sessionLength} exceeds 32`);
  r.skip(sessionLength, 'session id');
  const suites = r.u16('cipher suites length');
  if (suites < 2 || suites % 2 !== 0)
    throw new Malformed(`cipher suites length ${suites} is not a positive even number`);
  r.skip(suites, 'cipher suites');
  const compression = r.u8('compression methods length');
  if (compression < 1) throw new Malformed('no compression methods');
  r.skip(compression, 'compression methods');
  const out: { kind: 'client-hello'; serverName?: string; alpn: string[] } = {
    kind: 'client-hello',
    alpn: [],
  };
  // SSL 3.0-era hellos may stop here: no extensions, so no SNI.
  if (r.remaining === 0) return out;
  const extensions = r.sub(r.u16('extensions length'), 'extensions');
  const seen = new Set<number>();
  while (extensions.remaining > 0) {
    const type = extensions.u16('extension type');
    const body = extensions.sub(extensions.u16('extension length'), `extension ${type}`);
    if (seen.has(type)) throw new Malformed(`extension ${type} appears twice`);
    seen.add(type);
    if (type === EXT_SERVER_NAME) {
      const name = parseServerName(body);
      if (name !== undefined) out.serverName = name;
    } else if (type === EXT_ALPN) {
      out.alpn = parseAlpn(body);
    }
  }
  return out;
}

/** RFC 6066 §3: a list of (type, name); only host_name (0) is defined. */
function parseServerName(body: Reader): string | undefined {
  if (body.remaining === 0) return undefined; // allowed in a ServerHello; tolerate it here.
  const list = body.sub(body.u16('server name list length'), 'server name list');
  let found: string | undefined;
  while (list.remaining > 0) {
    const nameType = list.u8('server name type');
    const name = list.bytes(list.u16('server name length'), 'server name');
    if (nameType !== SNI_HOST_NAME || found !== undefined) continue;
    if (name.length === 0 || name.length > 255)
      throw new Malformed(`server name length ${name.length} outside 1..255`);
    for (const byte of name) {
      // Letters, digits, '-', '.', '_' (seen in the wild); anything else is not a host name.
      const ok =
        (byte >= 0x61 && byte <= 0x7a) ||
        (byte >= 0x41 && byte <= 0x5a) ||
        (byte >= 0x30 && byte <= 0x39) ||
        byte === 0x2d ||
        byte === 0x2e ||
        byte === 0x5f;
      if (!ok) throw new Malformed(`server name has byte 0x${byte.toString(16)}, not a host name character`);
    }
    found = name.toString('latin1').toLowerCase();
  }
  if (body.remaining !== 0) throw new Malformed('trailing bytes after the server name list');
  return found?.endsWith('.') ? found.slice(0, -1) : found;
}

/** RFC 7301 §3.1: a list of length-prefixed protocol names. */
function parseAlpn(body: Reader): string[] {
  const list = body.sub(body.u16('ALPN list length'), 'ALPN list');
  const out: string[] = [];
  while (list.remaining > 0) {
    const name = list.bytes(list.u8('ALPN protocol length'), 'ALPN protocol');
    if (name.length === 0) throw new Malformed('empty ALPN protocol name');
    out.push(name.toString('latin1'));
  }
  return out;
}
