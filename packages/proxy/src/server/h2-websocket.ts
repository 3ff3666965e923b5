import { createHash, randomBytes } from 'node:crypto';
import type { Http2ServerRequest, ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import type { ListenerContext } from './request-handler.js';
import { runUpgrade, type UpgradeDownstream } from './upgrade.js';

/**
 * WebSocket over HTTP/2 (RFC 8441): the client opens a stream with `:method: CONNECT` and
 * `:protocol: websocket` (allowed because the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL),
 * and the stream then carries ordinary WebSocket frames. Upstream the gateway speaks the HTTP/1.1
 * handshake through the same path as HTTP/1.1 upgrades ({@link runUpgrade}); only the handshake
 * differs:
 *
 * - the HTTP/2 side has no `sec-websocket-key`/`sec-websocket-accept`: the gateway makes a key for
 *   the upstream request and checks the upstream's accept before answering the stream `200`;
 * - `sec-websocket-protocol` / `sec-websocket-extensions` pass both ways unchanged (framing and
 *   extensions are the same on both sides).
 *
 * Routes without websocket upgrades get 403, as HTTP/1.1 upgrades do (and as Envoy answers an
 * upgrade its route does not allow); no route is 404.
 */
export function handleExtendedConnect(lc: ListenerContext, req: Http2ServerRequest): void {
  const stream = req.stream as ServerHttp2Stream;
  stream.on('error', noop);
  const protocol = String(req.headers[':protocol'] ?? '').toLowerCase();
  let key = '';
  const downstream: UpgradeDownstream = {
    stream,
    method: 'GET',
    protocol,
    reject(status, message, location, extra) {
      if (stream.destroyed || stream.closed) return;
      if (stream.headersSent) {
        stream.close();
        return;
      }
      const body = `${message}\n`;
      const headers: Record<string, string | number> = {
        ...extra,
        ':status': status,
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      };
      if (location !== undefined) headers.location = location;
      try {
        stream.respond(headers);
        stream.end(body);
      } catch {
        stream.close();
      }
    },
    prepareHeaders(headers) {
      key = randomBytes(16).toString('base64');
      headers['sec-websocket-key'] = key;
      if (headers['sec-websocket-version'] === undefined) headers['sec-websocket-version'] = '13';
    },
    connected(upstream, fail) {
      readUpgradeResponse(upstream, (answer) => {
        if (answer.kind === 'invalid') {
          fail(502, `upstream WebSocket handshake failed: ${answer.reason}`);
          return;
        }
        if (answer.status !== 101) {
          fail(
            answer.status >= 400 ? answer.status : 502,
            `upstream refused the WebSocket upgrade (${answer.status})`,
          );
          return;
        }
        if (answer.headers.get('sec-websocket-accept') !== acceptFor(key)) {
          fail(502, 'upstream WebSocket handshake failed: wrong sec-websocket-accept');
          return;
        }
        if (stream.destroyed) {
          upstream.destroy();
          return;
        }
        const headers: Record<string, string | number> = { ':status': 200 };
        for (const name of ['sec-websocket-protocol', 'sec-websocket-extensions']) {
          const v = answer.headers.get(name);
          if (v !== undefined) headers[name] = v;
        }
        stream.respond(headers);
        if (answer.rest.length > 0) stream.write(answer.rest);
        upstream.pipe(stream);
        stream.pipe(upstream);
      });
    },
  };
  runUpgrade(lc, req, true, downstream);
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `sec-websocket-accept` for a key (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

type UpgradeAnswer =
  | { kind: 'head'; status: number; headers: Map<string, string>; rest: Buffer }
  | { kind: 'invalid'; reason: string };

const MAX_HEAD = 16 * 1024;

/** Reads the upstream's HTTP/1.1 response head; bytes after it (early frames) come back in `rest`. */
function readUpgradeResponse(upstream: net.Socket, done: (answer: UpgradeAnswer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (answer: UpgradeAnswer) => {
    if (finished) return;
    finished = true;
    upstream.off('data', onData);
    upstream.off('end', onEnd);
    upstream.pause();
    done(answer);
  };
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buffered.length > MAX_HEAD) finish({ kind: 'invalid', reason: 'response head too large' });
      return;
    }
    const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const first = lines[0] ?? '';
    const status = Number(first.slice(9, 12));
    if (
      !(first.startsWith('HTTP/1.1 ') || first.startsWith('HTTP/1.0 ')) ||
      !(status >= 100 && status <= 999)
    ) {
      finish({ kind: 'invalid', reason: 'not an HTTP/1.1 response' });
      return;
    }
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    }
    finish({ kind: 'head', status, headers, rest: buffered.subarray(end + 4) });
  };
  const onEnd = () => finish({ kind: 'invalid', reason: 'connection closed before the response head' });
  upstream.on('data', onData);
  upstream.once('end', onEnd);
}

function noop(): void {}
