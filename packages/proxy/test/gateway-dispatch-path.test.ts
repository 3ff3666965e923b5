import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { createDispatchClusterManager } from './support/dispatch-cluster-manager.js';
import {
  forward,
  makeIR,
  type Origin,
  route,
  send,
  startGateway,
  startOrigin,
  staticCluster,
} from './support/gateway-helpers.js';

/** The UpstreamSink path (ClusterManager.dispatch): chunks go straight into the response. */
describe('cluster manager dispatch path', () => {
  const big = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const bigHash = createHash('sha256').update(big).digest('hex');
  let origin: Origin;
  let slow: Origin;
  let gateway: Gateway;
  let base: string;
  const cm = createDispatchClusterManager();
  let aborted = 0;

  beforeAll(async () => {
    origin = await startOrigin('o', (req, res, body) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
        res.end(big);
        return true;
      }
      if (req.url === '/upload') {
        res.end(createHash('sha256').update(body).digest('hex'));
        return true;
      }
      return false;
    });
    slow = await startOrigin('slow', (_req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) aborted++;
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      setTimeout(() => res.end('late\n'), 1500);
      return true;
    });
    const ir = makeIR(
      [
        route('slow', '/slow', forward('cslow', { timeoutMs: 300 })),
        route('stream', '/stream', forward('cslow', { timeoutMs: 0 })),
        route('all', '/', forward('c')),
      ],
      [staticCluster('c', origin.port), staticCluster('cslow', slow.port)],
    );
    ({ gateway, base } = await startGateway(ir, { clusterManager: cm }));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await Promise.all([origin.close(), slow.close()]);
  });

  it('forwards requests through dispatch', async () => {
    const before = cm.dispatched;
    const r = await send(`${base}/hello?x=1`, { headers: { 'x-test': 'y' } });
    expect(r.status).toBe(200);
    expect(r.json().url).toBe('/hello?x=1');
    expect(r.json().headers['x-test']).toBe('y');
    expect(cm.dispatched).toBe(before + 1);
  });

  it('streams a large response to a slow reader intact (backpressure)', async () => {
    const res = await request(`${base}/big`);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n % (1024 * 1024) < 65536) await new Promise((r) => setTimeout(r, 5));
    }
    expect(n).toBe(big.length);
    expect(hash.digest('hex')).toBe(bigHash);
  });

  it('streams a large request body upstream', async () => {
    const text = big.toString('base64');
    const r = await send(`${base}/upload`, { method: 'POST', body: text });
    expect(r.text).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('resets the downstream response when the route timeout fires after the headers went out', async () => {
    // The slow origin sends headers at once, so the timeout fires mid-body: the client sees a
    // reset, never a hang or a silently truncated 200.
    await expect(send(`${base}/slow`)).rejects.toThrow(/other side closed|terminated/);
  });

  it('cancels the upstream when the client goes away', async () => {
    const before = aborted;
    const controller = new AbortController();
    const res = await request(`${base}/stream`, { signal: controller.signal });
    const reader = res.body[Symbol.asyncIterator]();
    await reader.next();
    controller.abort();
    for (let i = 0; i < 100 && aborted === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBe(before + 1);
  });
});
