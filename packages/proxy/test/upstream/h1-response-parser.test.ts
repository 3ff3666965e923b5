import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ResponseParseError,
  ResponseParser,
  type ResponseParserSink,
} from '../../src/upstream/h1-response-parser.js';

interface Parsed {
  status: number;
  statusText: string;
  headers: string[];
  keepAlive: boolean;
  keepAliveMs: number;
  body: string;
  trailers: string[] | null;
  complete: boolean;
}

function collector(): { sink: ResponseParserSink; responses: Parsed[] } {
  const responses: Parsed[] = [];
  const sink: ResponseParserSink = {
    onResponseHead(status, raw, statusText, keepAlive, keepAliveMs) {
      responses.push({
        status,
        statusText,
        headers: raw,
        keepAlive,
        keepAliveMs,
        body: '',
        trailers: null,
        complete: false,
      });
    },
    onResponseBody(chunk) {
      responses.at(-1)!.body += chunk.toString('latin1');
    },
    onResponseComplete(trailers) {
      const r = responses.at(-1)!;
      r.trailers = trailers;
      r.complete = true;
    },
  };
  return { sink, responses };
}

/** Parses `text` fed in the given piece sizes (to cover every split point). */
function parse(
  text: string,
  method = 'GET',
  pieces: number[] = [],
): { parser: ResponseParser; responses: Parsed[] } {
  const { sink, responses } = collector();
  const parser = new ResponseParser(sink);
  parser.expect(method);
  const buf = Buffer.from(text, 'latin1');
  let off = 0;
  for (const n of pieces) {
    if (off >= buf.length) break;
    parser.execute(buf.subarray(off, off + n));
    off += n;
  }
  if (off < buf.length) parser.execute(buf.subarray(off));
  return { parser, responses };
}

function parseError(text: string, method = 'GET'): ResponseParseError {
  try {
    parse(text, method);
  } catch (err) {
    expect(err).toBeInstanceOf(ResponseParseError);
    return err as ResponseParseError;
  }
  throw new Error('expected a parse error');
}

describe('ResponseParser', () => {
  it('frames a Content-Length response and lower-cases header names, keeping values as sent', () => {
    const { responses, parser } = parse(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Multi: a\r\nx-multi: b\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(responses).toEqual([
      {
        status: 200,
        statusText: 'OK',
        headers: ['content-type', 'text/plain', 'x-multi', 'a', 'x-multi', 'b', 'content-length', '5'],
        keepAlive: true,
        keepAliveMs: 0,
        body: 'hello',
        trailers: null,
        complete: true,
      },
    ]);
    expect(parser.busy).toBe(false);
    expect(parser.extra).toBe(false);
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const { responses } = parse(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nGrpc-Status: 0\r\nx-t: v\r\n\r\n',
    );
    expect(responses[0]).toMatchObject({
      body: 'hello!',
      trailers: ['grpc-status', '0', 'x-t', 'v'],
      complete: true,
    });
  });

  it('gives the same result however the bytes are split', () => {
    const text =
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5, max=100\r\n\r\na\r\n0123456789\r\n3\r\nabc\r\n0\r\nx-done: yes\r\n\r\n';
    const whole = parse(text).responses;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 40 }), (pieces) => {
        expect(parse(text, 'GET', pieces).responses).toEqual(whole);
      }),
      { numRuns: 200 },
    );
    expect(whole[0]).toMatchObject({ status: 201, keepAliveMs: 5000, body: '0123456789abc' });
  });

  it('skips interim 1xx responses', () => {
    const { responses } = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    );
    expect(responses.map((r) => r.status)).toEqual([204]);
    expect(responses[0]!.complete).toBe(true);
  });

  it('reads no body for HEAD, 204 and 304 whatever the headers say', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'HEAD').responses[0]).toMatchObject({
      body: '',
      complete: true,
      keepAlive: true,
    });
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').responses[0]!.complete).toBe(
      true,
    );
  });

  it('reads until close without framing headers, and then refuses keep-alive', () => {
    const { parser, responses } = parse('HTTP/1.1 200 OK\r\n\r\npartial');
    expect(responses[0]).toMatchObject({ keepAlive: false, complete: false, body: 'partial' });
    parser.execute(Buffer.from(' rest'));
    parser.finish();
    expect(responses[0]).toMatchObject({ body: 'partial rest', complete: true });
  });

  it('honours Connection: close and HTTP/1.0 keep-alive rules', () => {
    expect(
      parse('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n').responses[0]!.keepAlive,
    ).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').responses[0]!.keepAlive).toBe(false);
    expect(
      parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').responses[0]!.keepAlive,
    ).toBe(true);
  });

  it('flags bytes after the end of a response', () => {
    const { parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n');
    expect(parser.extra).toBe(true);
  });

  it('reports a response cut short at end of stream', () => {
    const { parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    expect(() => parser.finish()).toThrow(/before the response body ended/);
  });

  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HPE_UNEXPECTED_CONTENT_LENGTH',
    ],
    [
      'differing Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'HPE_UNEXPECTED_CONTENT_LENGTH',
    ],
    [
      'a non-numeric Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    [
      'a signed Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a bare LF inside the head', 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n', 'HPE_LF_EXPECTED'],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a bad status line', 'HTTP/2.0 200 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    [
      'a 101 without an upgrade request',
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
      'HPE_UNEXPECTED_UPGRADE',
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a huge chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'chunk data without CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY',
      'HPE_STRICT',
    ],
  ])('refuses %s', (_what, text, code) => {
    expect(parseError(text).code).toBe(code);
  });

  it('refuses an oversized head, complete or still arriving', () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}`;
    expect(parseError(big).code).toBe('HPE_HEADER_OVERFLOW');
    expect(parseError(`${big}\r\n\r\n`).code).toBe('HPE_HEADER_OVERFLOW');
  });

  it('never throws anything but a ResponseParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefixed) => {
        const { sink } = collector();
        const parser = new ResponseParser(sink, 1024);
        parser.expect('GET');
        try {
          if (prefixed) parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
          parser.execute(Buffer.from(bytes));
          parser.finish();
        } catch (err) {
          expect(err).toBeInstanceOf(ResponseParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
