import { once } from 'node:events';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Gateway } from '../src/index.js';
import { forward, makeIR, route, startGateway, staticCluster } from './support/gateway-helpers.js';

/**
 * WebSocket over HTTP/2 (RFC 8441). `ws` has no RFC 8441 client, so the test speaks it by hand:
 * an extended CONNECT on a raw `http2.connect` session, then hand-made WebSocket frames.
 */

/** One masked client frame (RFC 6455 §5.2), payloads under 64 KiB. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, 0x80 | len])
      : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, body]);
}

/** Reads unmasked server frames from a byte stream. */
class FrameReader {
  private buffered = Buffer.alloc(0);
  readonly frames: Array<{ opcode: number; payload: Buffer }> = [];

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      let len = (b[1] as number) & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + len) return;
      this.frames.push({ opcode: (b[0] as number) & 0x0f, payload: b.subarray(offset, offset + len) });
      this.buffered = b.subarray(offset + len);
    }
  }
}

interface Tunnel {
  session: http2.ClientHttp2Session;
  stream: http2.ClientHttp2Stream;
  status: number;
  headers: http2.IncomingHttpHeaders;
}

async function openTunnel(port: number, path: string, extra: Record<string, string> = {}): Promise<Tunnel> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  const settings = await new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
  expect(settings.enableConnectProtocol).toBe(true);
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':path': path,
    ':authority': `127.0.0.1:${port}`,
    'sec-websocket-version': '13',
    ...extra,
  });
  stream.on('error', () => undefined);
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  return { session, stream, status: Number(headers[':status']), headers };
}

describe('WebSocket over HTTP/2 (RFC 8441 extended CONNECT)', () => {
  let wss: WebSocketServer;
  let liar: net.Server;
  let gateway: Gateway;
  let port: number;
  const handshakes: Array<{ url: string; headers: Record<string, unknown> }> = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => [...p][0] ?? false });
    await once(wss, 'listening');
    wss.on('connection', (socket, req) => {
      handshakes.push({ url: req.url ?? '', headers: req.headers });
      socket.on('message', (data, isBinary) =>
        socket.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }),
      );
    });
    const wsPort = (wss.address() as AddressInfo).port;
    // An upstream that answers 101 with an accept that does not match the key.
    liar = net.createServer((socket) => {
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: bm90LXRoZS1yaWdodC1vbmU=\r\n\r\n',
        ),
      );
      socket.on('error', () => undefined);
    });
    liar.listen(0, '127.0.0.1');
    await once(liar, 'listening');
    const ir = makeIR(
      [
        route(
          'ws',
          '/ws/',
          forward('ws_backend', { upgrades: ['websocket'], rewrite: { kind: 'prefix', value: '/socket/' } }),
          {
            requestHeaders: {
              add: [{ name: 'x-via', value: 'gw-%PROTOCOL%', append: false }],
              remove: [],
            },
          },
        ),
        route('no-ws', '/plain/', forward('ws_backend')),
        route('liar', '/liar/', forward('liar', { upgrades: ['websocket'] })),
      ],
      [staticCluster('ws_backend', wsPort), staticCluster('liar', (liar.address() as AddressInfo).port)],
    );
    ({ gateway, port } = await startGateway(ir));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => liar.close(() => resolve()));
  });

  it('accepts the stream with 200 and relays frames both ways (h2c)', async () => {
    const t = await openTunnel(port, '/ws/chat?room=2', { 'sec-websocket-protocol': 'chat.v1' });
    expect(t.status).toBe(200);
    expect(t.headers['sec-websocket-protocol']).toBe('chat.v1');
    expect(t.headers['sec-websocket-accept']).toBeUndefined();
    const reader = new FrameReader();
    t.stream.on('data', (chunk: Buffer) => reader.push(chunk));
    t.stream.write(clientFrame(0x1, Buffer.from('hello')));
    t.stream.write(clientFrame(0x2, Buffer.alloc(1000, 9)));
    for (let i = 0; i < 200 && reader.frames.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(reader.frames[0]).toEqual({ opcode: 0x1, payload: Buffer.from('echo:hello') });
    expect(reader.frames[1]?.opcode).toBe(0x2);
    expect(reader.frames[1]?.payload.equals(Buffer.alloc(1000, 9))).toBe(true);

    const seen = handshakes[handshakes.length - 1];
    expect(seen?.url).toBe('/socket/chat?room=2');
    expect(seen?.headers['x-via']).toBe('gw-HTTP/2');
    expect(typeof seen?.headers['sec-websocket-key']).toBe('string');

    // A close frame from the client gets the server's close back, then the tunnel ends.
    t.stream.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    for (let i = 0; i < 200 && !reader.frames.some((f) => f.opcode === 0x8); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(reader.frames.some((f) => f.opcode === 0x8)).toBe(true);
    t.session.close();
  });

  it('refuses extended CONNECT on routes without websocket upgrades, and unknown paths', async () => {
    const refused = await openTunnel(port, '/plain/x');
    expect(refused.status).toBe(403);
    refused.session.close();
    const missing = await openTunnel(port, '/nowhere');
    expect(missing.status).toBe(404);
    missing.session.close();
  });

  it('answers 502 when the upstream handshake has the wrong sec-websocket-accept', async () => {
    const t = await openTunnel(port, '/liar/x');
    expect(t.status).toBe(502);
    t.session.close();
  });

  it('still serves ordinary HTTP/2 requests on the same session', async () => {
    const t = await openTunnel(port, '/plain/x');
    const req = t.session.request({ ':path': '/nowhere' });
    const [headers] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
    req.resume();
    expect(headers[':status']).toBe(404);
    t.session.close();
  });
});
