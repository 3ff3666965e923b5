import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Gateway } from '../src/index.js';
import { forward, makeIR, route, startGateway, staticCluster } from './support/gateway-helpers.js';

describe('WebSocket upgrades', () => {
  let wss: WebSocketServer;
  let gateway: Gateway;
  let port: number;
  const upgradeRequests: Array<{ url: string; headers: Record<string, unknown> }> = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wss.on('connection', (socket, req) => {
      upgradeRequests.push({ url: req.url ?? '', headers: req.headers });
      socket.on('message', (data, isBinary) =>
        socket.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }),
      );
    });
    const wsPort = (wss.address() as AddressInfo).port;
    const ir = makeIR(
      [
        route(
          'ws',
          '/ws/',
          forward('ws_backend', { upgrades: ['websocket'], rewrite: { kind: 'prefix', value: '/socket/' } }),
          {
            requestHeaders: { add: [{ name: 'x-gw', value: 'yes', append: false }], remove: [] },
          },
        ),
        route('no-ws', '/plain/', forward('ws_backend')),
      ],
      [staticCluster('ws_backend', wsPort)],
    );
    ({ gateway, port } = await startGateway(ir));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('upgrades on routes that allow websocket and pipes frames both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat?room=1`);
    await once(ws, 'open');
    const replies: string[] = [];
    ws.on('message', (d) => replies.push(d.toString()));
    ws.send('hello');
    ws.send('world');
    const big = Buffer.alloc(200_000, 7);
    ws.send(big);
    for (let i = 0; i < 100 && replies.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(replies.slice(0, 2)).toEqual(['echo:hello', 'echo:world']);
    expect(replies[2]?.length).toBe(200_000);
    ws.close();
    await once(ws, 'close');
    const seen = upgradeRequests[upgradeRequests.length - 1];
    expect(seen?.url).toBe('/socket/chat?room=1');
    expect(seen?.headers['x-gw']).toBe('yes');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('refuses upgrades on routes without websocket (403)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/plain/x`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(403);
    ws.on('error', () => undefined);
    ws.terminate();
  });

  it('answers 404 for upgrades that match no route', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/nothing`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(404);
    ws.on('error', () => undefined);
    ws.terminate();
  });
});
