/**
 * A strict HTTP/1.1 response parser for upstream connections (RFC 9112). It frames responses by
 * `Content-Length`, chunked transfer coding or connection close, refuses what could desynchronise a
 * keep-alive connection (`Content-Length` with `Transfer-Encoding`, differing `Content-Length`s,
 * obsolete line folding, bare CR or LF, control characters, oversized heads or chunk-size lines),
 * skips interim 1xx responses, and hands header names lower-cased with values as latin1 strings,
 * so bytes relay downstream unchanged. Pure computation over Buffers, no regular expressions.
 *
 * @module
 */

/** A malformed response. `code` follows llhttp's `HPE_*` names, which the exchange classifies. */
export class ResponseParseError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** What the parser reports; implemented by the connection (no closures per response). */
export interface ResponseParserSink {
  /** A final (non-1xx) response head; `raw` is [name, value, …] with lower-case names. */
  onResponseHead(
    status: number,
    raw: string[],
    statusText: string,
    keepAlive: boolean,
    keepAliveMs: number,
  ): void;
  onResponseBody(chunk: Buffer): void;
  /** The response ended; `trailers` as [name, value, …] or null. */
  onResponseComplete(trailers: string[] | null): void;
}

enum State {
  /** Not expecting a response (between requests). */
  Idle = 0,
  Head = 1,
  Length = 2,
  ChunkSize = 3,
  ChunkData = 4,
  ChunkDataEnd = 5,
  Trailers = 6,
  UntilClose = 7,
}

/** Default cap on a response head (Envoy's `max_response_headers_kb` default is 60 KiB). */
export const MAX_RESPONSE_HEAD_BYTES = 60 * 1024;
const MAX_CHUNK_SIZE_LINE = 256;

/** RFC 9110 `tchar` lookup for header names. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** True when `s` is a non-empty RFC 9110 token (header names, methods). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Field values: visible characters, SP, HTAB and obs-text; no other controls (NUL, CR, LF, DEL…). */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** True when a comma-separated header value lists `token` (case-insensitive). */
function hasToken(value: string, token: string): boolean {
  const v = value.toLowerCase();
  let start = 0;
  while (start <= v.length) {
    let end = v.indexOf(',', start);
    if (end < 0) end = v.length;
    if (trimOws(v.slice(start, end)) === token) return true;
    start = end + 1;
  }
  return false;
}

/** `timeout=N` from a `Keep-Alive` header, in ms; 0 when absent or malformed. */
function keepAliveTimeoutMs(value: string): number {
  const v = value.toLowerCase();
  const i = v.indexOf('timeout=');
  if (i < 0) return 0;
  let n = 0;
  let j = i + 8;
  let digits = 0;
  while (j < v.length && digits < 9) {
    const c = v.charCodeAt(j);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    j++;
    digits++;
  }
  return digits === 0 ? 0 : n * 1000;
}

/**
 * Parses the responses of one connection, one at a time: call {@link expect} before each
 * request, {@link execute} with every chunk read, {@link finish} at end of stream.
 *
 * @example
 * ```ts
 * const parser = new ResponseParser(sink);
 * parser.expect('GET');
 * parser.execute(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')); // sink.onResponseHead(204, …), sink.onResponseComplete(null)
 * ```
 */
export class ResponseParser {
  private readonly sink: ResponseParserSink;
  private readonly maxHeadBytes: number;
  private state = State.Idle;
  private head = false;
  /** Bytes of an incomplete head (or trailer section / chunk-size line) carried between reads. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private trailerRaw: string[] = [];
  private trailerBytes = 0;
  /** The request was HEAD: whatever the headers say, no body follows. */
  private noBody = false;
  /** Bytes left over after the response ended (the server sent more than one response). */
  extra = false;

  constructor(sink: ResponseParserSink, maxHeadBytes = MAX_RESPONSE_HEAD_BYTES) {
    this.sink = sink;
    this.maxHeadBytes = maxHeadBytes;
  }

  /** True while a response is expected or being read. */
  get busy(): boolean {
    return this.state !== State.Idle;
  }

  /** True once the current response's head was reported. */
  get started(): boolean {
    return this.head;
  }

  /** Prepares for the response to a request with `method`. */
  expect(method: string): void {
    this.state = State.Head;
    this.noBody = method === 'HEAD';
    this.head = false;
    this.pending = null;
    this.extra = false;
  }

  /** Feeds bytes read from the connection. Throws {@link ResponseParseError} on malformed input. */
  execute(data: Buffer): void {
    let buf = data;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, data]);
      this.pending = null;
    }
    let off = 0;
    while (off < buf.length) {
      switch (this.state) {
        case State.Idle:
          // Bytes with no request outstanding: the connection can't be trusted any more.
          this.extra = true;
          return;
        case State.Head: {
          const end = buf.indexOf('\r\n\r\n', off, 'latin1');
          if (end < 0) {
            if (buf.length - off > this.maxHeadBytes)
              throw new ResponseParseError(
                'HPE_HEADER_OVERFLOW',
                `response head larger than ${this.maxHeadBytes} bytes`,
              );
            this.pending = off === 0 ? buf : buf.subarray(off);
            return;
          }
          if (end - off > this.maxHeadBytes)
            throw new ResponseParseError(
              'HPE_HEADER_OVERFLOW',
              `response head larger than ${this.maxHeadBytes} bytes`,
            );
          const text = buf.toString('latin1', off, end);
          off = end + 4;
          this.parseHead(text);
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, buf.length - off);
          const chunk = off === 0 && n === buf.length ? buf : buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = State.Idle;
            if (off < buf.length) this.extra = true;
            this.sink.onResponseBody(chunk);
            this.sink.onResponseComplete(null);
            return;
          }
          this.sink.onResponseBody(chunk);
          break;
        }
        case State.UntilClose: {
          const chunk = off === 0 ? buf : buf.subarray(off);
          off = buf.length;
          this.sink.onResponseBody(chunk);
          break;
        }
        case State.ChunkSize: {
          const end = buf.indexOf('\r\n', off, 'latin1');
          if (end < 0) {
            if (buf.length - off > MAX_CHUNK_SIZE_LINE)
              throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'chunk-size line too long');
            this.pending = buf.subarray(off);
            return;
          }
          if (end - off > MAX_CHUNK_SIZE_LINE)
            throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'chunk-size line too long');
          const size = parseChunkSize(buf, off, end);
          off = end + 2;
          if (size === 0) {
            this.state = State.Trailers;
            this.trailerRaw = [];
            this.trailerBytes = 0;
          } else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - off);
          const chunk = buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          this.sink.onResponseBody(chunk);
          break;
        }
        case State.ChunkDataEnd: {
          if (buf.length - off < 2) {
            this.pending = buf.subarray(off);
            return;
          }
          if (buf[off] !== 13 || buf[off + 1] !== 10)
            throw new ResponseParseError('HPE_STRICT', 'chunk data not followed by CRLF');
          off += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const end = buf.indexOf('\r\n', off, 'latin1');
          if (end < 0) {
            if (this.trailerBytes + buf.length - off > this.maxHeadBytes)
              throw new ResponseParseError('HPE_HEADER_OVERFLOW', 'response trailers too large');
            this.pending = buf.subarray(off);
            return;
          }
          this.trailerBytes += end - off + 2;
          if (this.trailerBytes > this.maxHeadBytes)
            throw new ResponseParseError('HPE_HEADER_OVERFLOW', 'response trailers too large');
          const line = buf.toString('latin1', off, end);
          off = end + 2;
          if (line === '') {
            this.state = State.Idle;
            if (off < buf.length) this.extra = true;
            const t = this.trailerRaw;
            this.trailerRaw = [];
            this.sink.onResponseComplete(t.length > 0 ? t : null);
            return;
          }
          this.parseField(line, 0, line.length, this.trailerRaw);
          break;
        }
      }
    }
  }

  /**
   * The connection reached end of stream. Completes a response framed by connection close;
   * throws if a response was cut short.
   */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Idle;
      this.sink.onResponseComplete(null);
      return;
    }
    if (this.state !== State.Idle) {
      const what = this.head ? 'response body' : 'response';
      this.state = State.Idle;
      throw new ResponseParseError(
        'UND_ERR_SOCKET',
        `upstream closed the connection before the ${what} ended`,
      );
    }
  }

  /** Drops any partial state (the connection is being discarded). */
  reset(): void {
    this.state = State.Idle;
    this.pending = null;
    this.head = false;
  }

  /**
   * Parses the field line `text[start, end)` into `raw` (lower-case name, value without OWS) in one
   * pass, without slicing the line first.
   */
  private parseField(text: string, start: number, end: number, raw: string[]): void {
    const c0 = text.charCodeAt(start);
    if (c0 === 32 || c0 === 9)
      throw new ResponseParseError('HPE_INVALID_HEADER_TOKEN', 'obsolete line folding in a response header');
    let i = start;
    let upper = false;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 58) break; // ':'
      if (c === 10 || c === 13)
        throw new ResponseParseError('HPE_LF_EXPECTED', 'bare CR or LF in a response head');
      if (c > 127 || TOKEN[c] === 0)
        throw new ResponseParseError(
          'HPE_INVALID_HEADER_TOKEN',
          `invalid response header name ${JSON.stringify(text.slice(start, Math.min(end, start + 64)))}`,
        );
      if (c >= 65 && c <= 90) upper = true;
    }
    if (i === start || i === end)
      throw new ResponseParseError('HPE_INVALID_HEADER_TOKEN', 'response header line without a name');
    const name = upper ? text.slice(start, i).toLowerCase() : text.slice(start, i);
    let a = i + 1;
    while (a < end && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
    let b = a;
    for (let j = a; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === 32 || c === 9) continue;
      if (c === 10 || c === 13)
        throw new ResponseParseError('HPE_LF_EXPECTED', 'bare CR or LF in a response head');
      if (c < 32 || c === 127)
        throw new ResponseParseError(
          'HPE_INVALID_HEADER_TOKEN',
          `invalid character in response header ${name}`,
        );
      b = j + 1;
    }
    raw.push(name, text.slice(a, b));
  }

  private parseHead(text: string): void {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const c = (i: number) => text.charCodeAt(i);
    if (
      eol < 12 ||
      !text.startsWith('HTTP/1.') ||
      (c(7) !== 49 && c(7) !== 48) ||
      c(8) !== 32 ||
      c(9) < 49 ||
      c(9) > 53 ||
      c(10) < 48 ||
      c(10) > 57 ||
      c(11) < 48 ||
      c(11) > 57 ||
      (eol > 12 && c(12) !== 32)
    )
      throw new ResponseParseError(
        'HPE_INVALID_STATUS',
        `invalid status line ${JSON.stringify(text.slice(0, Math.min(eol, 40)))}`,
      );
    const http10 = c(7) === 48;
    const status = (c(9) - 48) * 100 + (c(10) - 48) * 10 + (c(11) - 48);
    const statusText = eol > 13 ? text.slice(13, eol) : '';
    if (!isFieldValue(statusText))
      throw new ResponseParseError('HPE_INVALID_STATUS', 'invalid reason phrase');

    const raw: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let connectionClose = http10;
    let keepAliveMs = 0;
    let pos = eol + 2;
    while (pos < text.length) {
      let end = text.indexOf('\r\n', pos);
      if (end < 0) end = text.length;
      const before = raw.length;
      this.parseField(text, pos, end, raw);
      pos = end + 2;
      const name = raw[before]!;
      const value = raw[before + 1]!;
      // Framing-relevant headers (names are lower-case now).
      switch (name) {
        case 'content-length': {
          const n = parseContentLength(value);
          if (n < 0)
            throw new ResponseParseError(
              'HPE_INVALID_CONTENT_LENGTH',
              `invalid Content-Length ${JSON.stringify(value)}`,
            );
          if (contentLength >= 0 && contentLength !== n)
            throw new ResponseParseError(
              'HPE_UNEXPECTED_CONTENT_LENGTH',
              'conflicting Content-Length headers',
            );
          contentLength = n;
          break;
        }
        case 'transfer-encoding': {
          transferEncoding = true;
          // Chunked must be the final coding; anything else is read until close (RFC 9112 §6.3).
          const last = value.lastIndexOf(',');
          chunked = trimOws(value.slice(last + 1)).toLowerCase() === 'chunked';
          break;
        }
        case 'connection':
          if (hasToken(value, 'close')) connectionClose = true;
          else if (http10 && hasToken(value, 'keep-alive')) connectionClose = false;
          break;
        case 'keep-alive':
          keepAliveMs = keepAliveTimeoutMs(value);
          break;
      }
    }
    if (status < 200) {
      if (status === 101)
        throw new ResponseParseError(
          'HPE_UNEXPECTED_UPGRADE',
          'upstream switched protocols without an upgrade request',
        );
      // Interim response (100 Continue, 103 Early Hints): the final one follows.
      return;
    }
    if (transferEncoding && contentLength >= 0)
      throw new ResponseParseError(
        'HPE_UNEXPECTED_CONTENT_LENGTH',
        'response has both Content-Length and Transfer-Encoding',
      );
    this.head = true;
    const noBody = this.noBody || status === 204 || status === 304;
    let keepAlive = !connectionClose;
    if (noBody) this.state = State.Idle;
    else if (transferEncoding) {
      if (chunked) this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        keepAlive = false;
      }
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      this.state = contentLength === 0 ? State.Idle : State.Length;
    } else {
      this.state = State.UntilClose;
      keepAlive = false;
    }
    this.sink.onResponseHead(status, raw, statusText, keepAlive, keepAliveMs);
    if (this.state === State.Idle) this.sink.onResponseComplete(null);
  }
}

/** Digits only (after OWS trimming by the caller), a comma-separated list of equal values allowed. */
function parseContentLength(value: string): number {
  let n = -1;
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    const part = trimOws(value.slice(start, end));
    if (part.length === 0 || part.length > 15) return -1;
    let v = 0;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
    if (n >= 0 && v !== n) return -1;
    n = v;
    start = end + 1;
  }
  return n;
}

/** Hex chunk size, then optional `;ext` (ignored), between `start` and the CRLF at `end`. */
function parseChunkSize(buf: Buffer, start: number, end: number): number {
  let size = 0;
  let i = start;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else break;
    if (++digits > 12) throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size too large');
    size = size * 16 + d;
  }
  if (digits === 0) throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'missing chunk size');
  // Optional whitespace then extensions; nothing else (no bare CR/LF, no garbage).
  while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
  if (i < end && buf[i] !== 59 /* ; */)
    throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size line');
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 13 || c === 10 || c === 0)
      throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE', 'invalid chunk extension');
  }
  return size;
}
