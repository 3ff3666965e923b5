import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { IRRetryPolicy } from '@gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterManager } from '../../src/upstream/index.js';
import { backoffDelay, compileRetry, shouldRetryError, shouldRetryStatus } from '../../src/upstream/retry.js';
import {
  call,
  closedPort,
  cluster,
  endpoint,
  get,
  ir,
  policy,
  startHttp,
  type TestServer,
} from './helpers.js';

function retry(extra: Partial<IRRetryPolicy> = {}): IRRetryPolicy {
  return {
    retryOn: ['5xx'],
    numRetries: 2,
    perTryTimeoutMs: 0,
    retriableStatusCodes: [],
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    retryNonIdempotent: false,
    ...extra,
  };
}

describe('retry policy (unit)', () => {
  it('maps retryOn conditions to statuses and errors', () => {
    const fiveXx = compileRetry(retry({ retryOn: ['5xx'] }));
    expect(shouldRetryStatus(fiveXx, 500, {})).toBe(true);
    expect(shouldRetryStatus(fiveXx, 404, {})).toBe(false);
    expect(shouldRetryError(fiveXx, 'connect-failure')).toBe(true);

    const gw = compileRetry(retry({ retryOn: ['gateway-error'] }));
    expect(shouldRetryStatus(gw, 502, {})).toBe(true);
    expect(shouldRetryStatus(gw, 500, {})).toBe(false);

    const connect = compileRetry(retry({ retryOn: ['connect-failure'] }));
    expect(shouldRetryStatus(connect, 503, {})).toBe(false);
    expect(shouldRetryError(connect, 'connect-failure')).toBe(true);
    expect(shouldRetryError(connect, 'reset')).toBe(false);

    const reset = compileRetry(retry({ retryOn: ['reset'] }));
    expect(shouldRetryError(reset, 'reset')).toBe(true);
    expect(shouldRetryError(reset, 'refused-stream')).toBe(true);
    expect(shouldRetryError(reset, 'connect-failure')).toBe(false);

    const refused = compileRetry(retry({ retryOn: ['refused-stream'] }));
    expect(shouldRetryError(refused, 'refused-stream')).toBe(true);
    expect(shouldRetryError(refused, 'reset')).toBe(false);

    const codes = compileRetry(
      retry({ retryOn: ['retriable-status-codes', 'retriable-4xx'], retriableStatusCodes: [418] }),
    );
    expect(shouldRetryStatus(codes, 418, {})).toBe(true);
    expect(shouldRetryStatus(codes, 409, {})).toBe(true);
    expect(shouldRetryStatus(codes, 500, {})).toBe(false);

    const grpc = compileRetry(retry({ retryOn: ['unavailable', 'resource-exhausted', 'bogus'] }));
    expect(shouldRetryStatus(grpc, 200, { 'grpc-status': '14' })).toBe(true);
    expect(shouldRetryStatus(grpc, 200, { 'grpc-status': '8' })).toBe(true);
    expect(shouldRetryStatus(grpc, 200, { 'grpc-status': '13' })).toBe(false);
    expect(shouldRetryStatus(grpc, 200, {})).toBe(false);
    expect(grpc.unknown).toEqual(['bogus']);
  });

  it('backs off with full jitter below an exponentially growing, capped bound', () => {
    const c = compileRetry(retry({ backoffBaseMs: 10, backoffMaxMs: 35 }));
    for (let i = 0; i < 500; i++) {
      expect(backoffDelay(c, 0)).toBeLessThan(10);
      expect(backoffDelay(c, 1)).toBeLessThan(20);
      const d = backoffDelay(c, 5);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(35);
    }
    expect(compileRetry(retry({ backoffBaseMs: 10, backoffMaxMs: 0 })).backoffMaxMs).toBe(100);
  });
});

describe('timeouts', () => {
  let silent: TestServer;
  let blackhole: NetServer;
  let blackholePort: number;
  const held = new Set<Socket>();

  beforeAll(async () => {
    silent = await startHttp(() => {});
    // Accepts TCP connections and never speaks: a TLS handshake to it never completes.
    blackhole = createNetServer((s) => {
      held.add(s);
      s.on('close', () => held.delete(s));
    });
    blackhole.listen(0, '127.0.0.1');
    await once(blackhole, 'listening');
    blackholePort = (blackhole.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => blackhole.close(() => r()));
    await silent.close();
  });

  it('fails fast with connect-failure on a closed port', async () => {
    const cm = createClusterManager();
    const port = await closedPort();
    cm.update(ir([cluster('closed', [endpoint(port)])]));
    const a = await call(cm, 'closed');
    expect(a).toMatchObject({ kind: 'failure', reason: 'connect-failure', status: 503, retries: 0 });
    expect(a.message).toContain('ECONNREFUSED');
    expect(a.endpoint).toBe(`127.0.0.1:${port}`);
    await cm.close();
  });

  it('applies the cluster connect timeout to a handshake that never completes', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('stall', [endpoint(blackholePort)], {
          connectTimeoutMs: 150,
          tls: { verify: false, alpnProtocols: [] },
        }),
      ]),
    );
    const a = await call(cm, 'stall', get(), policy({ timeoutMs: 10_000 }));
    expect(a).toMatchObject({ kind: 'failure', reason: 'connect-failure', status: 503 });
    expect(a.message.toLowerCase()).toContain('timeout');
    await cm.close();
  });

  it('applies the connect timeout to HTTP/2 clusters too', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('stall2', [endpoint(blackholePort)], {
          protocol: 'http2',
          connectTimeoutMs: 150,
          tls: { verify: false, alpnProtocols: ['h2'] },
        }),
      ]),
    );
    const a = await call(cm, 'stall2');
    expect(a).toMatchObject({ kind: 'failure', reason: 'connect-failure', status: 503 });
    await cm.close();
  });

  it('gives up with 504 when the whole-request timeout passes', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('silent', [endpoint(silent.port)])]));
    const a = await call(cm, 'silent', get(), policy({ timeoutMs: 150 }));
    expect(a).toMatchObject({ kind: 'failure', reason: 'timeout', status: 504 });
    expect(a.message).toContain('request timeout after 150 ms');
    expect(cm.stats()[0]!.circuitBreaker.activeRequests).toBe(0);
    await cm.close();
  });

  it('applies the stream idle timeout to a body that stalls', async () => {
    const stalling = await startHttp((_req, res) => {
      res.writeHead(200);
      res.write('first');
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('stalling', [endpoint(stalling.port)])]));
    const res = await cm.request('stalling', get(), policy({ timeoutMs: 0, idleTimeoutMs: 150 }));
    expect(res.kind).toBe('response');
    if (res.kind !== 'response') return;
    const chunks: string[] = [];
    const err = await new Promise<Error>((resolve) => {
      res.body.on('data', (c: Buffer) => chunks.push(c.toString()));
      res.body.on('error', resolve);
    });
    expect(chunks).toEqual(['first']);
    expect((err as Error & { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(await res.trailers).toEqual({});
    await cm.close();
    await stalling.close();
  });

  it('retries after a per-try timeout and stops at the overall deadline', async () => {
    let n = 0;
    const slowFirst = await startHttp((_req, res) => {
      n++;
      if (n > 1) res.end('second try');
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('slow-first', [endpoint(slowFirst.port)])]));
    const a = await call(cm, 'slow-first', get(), policy({ retry: retry({ perTryTimeoutMs: 100 }) }));
    expect(a).toMatchObject({ kind: 'response', status: 200, body: 'second try', retries: 1 });

    // Always silent: per-try 100 ms, retries allowed, but the whole request has 330 ms.
    const b = await call(
      cm,
      'silent-retry',
      get(),
      policy({ timeoutMs: 330, retry: retry({ perTryTimeoutMs: 100, numRetries: 10 }) }),
    );
    expect(b.reason).toBe('no-cluster');
    cm.update(
      ir([
        cluster('slow-first', [endpoint(slowFirst.port)]),
        cluster('silent-retry', [endpoint(silent.port)]),
      ]),
    );
    const c = await call(
      cm,
      'silent-retry',
      get(),
      policy({ timeoutMs: 330, retry: retry({ perTryTimeoutMs: 100, numRetries: 10 }) }),
    );
    expect(c).toMatchObject({ kind: 'failure', reason: 'timeout', status: 504 });
    expect(c.retries).toBeGreaterThanOrEqual(1);
    expect(c.retries).toBeLessThan(10);
    await cm.close();
    await slowFirst.close();
  });
});

describe('retries', () => {
  it('retries 503s up to numRetries and relays the last response', async () => {
    let n = 0;
    const failing = await startHttp((_req, res) => {
      n++;
      res.statusCode = 503;
      res.end(`nope ${n}`);
    });
    const cm = createClusterManager();
    const retried: string[] = [];
    cm.on('retry', (c, detail) => retried.push(`${c}: ${detail}`));
    cm.update(ir([cluster('fail', [endpoint(failing.port)])]));
    const a = await call(cm, 'fail', get(), policy({ retry: retry({ numRetries: 3 }) }));
    expect(a).toMatchObject({ kind: 'response', status: 503, body: 'nope 4', retries: 3 });
    expect(n).toBe(4);
    expect(retried).toHaveLength(3);
    expect(retried[0]).toContain('fail: retry 1/3 after');
    expect(cm.stats()[0]!.circuitBreaker).toMatchObject({
      activeRequests: 0,
      pendingRequests: 0,
      activeRetries: 0,
    });
    await cm.close();
    await failing.close();
  });

  it('recovers from 503 on a later try', async () => {
    let n = 0;
    const flaky = await startHttp((_req, res) => {
      n++;
      res.statusCode = n < 3 ? 503 : 200;
      res.end(n < 3 ? 'busy' : 'ok');
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('flaky', [endpoint(flaky.port)])]));
    const a = await call(cm, 'flaky', get(), policy({ retry: retry({ numRetries: 5 }) }));
    expect(a).toMatchObject({ status: 200, body: 'ok', retries: 2 });
    await cm.close();
    await flaky.close();
  });

  it('retries connect failures on another endpoint', async () => {
    const good = await startHttp((_req, res) => res.end('good'));
    const dead = await closedPort();
    const cm = createClusterManager();
    cm.update(ir([cluster('half', [endpoint(dead), endpoint(good.port)])]));
    for (let i = 0; i < 6; i++) {
      const a = await call(
        cm,
        'half',
        get(),
        policy({ retry: retry({ retryOn: ['connect-failure'], numRetries: 1 }) }),
      );
      expect(a).toMatchObject({ status: 200, body: 'good' });
    }
    // Without a retry policy half of them fail.
    const outcomes = new Set<string>();
    for (let i = 0; i < 4; i++) outcomes.add((await call(cm, 'half')).kind);
    expect(outcomes).toEqual(new Set(['response', 'failure']));
    await cm.close();
    await good.close();
  });

  it('gives up on a dead cluster after numRetries', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('dead', [endpoint(await closedPort())])]));
    const a = await call(
      cm,
      'dead',
      get(),
      policy({ retry: retry({ retryOn: ['connect-failure'], numRetries: 2 }) }),
    );
    expect(a).toMatchObject({ kind: 'failure', reason: 'connect-failure', retries: 2 });
    await cm.close();
  });

  it('retries a connection reset before the response', async () => {
    let n = 0;
    const resetting = await startHttp((req, res) => {
      n++;
      if (n === 1) req.socket.destroy();
      else res.end('after reset');
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('reset', [endpoint(resetting.port)])]));
    const noRetry = await call(cm, 'reset');
    expect(noRetry).toMatchObject({ kind: 'failure', reason: 'reset', status: 502 });
    n = 0;
    const a = await call(cm, 'reset', get(), policy({ retry: retry({ retryOn: ['reset'] }) }));
    expect(a).toMatchObject({ status: 200, body: 'after reset', retries: 1 });
    await cm.close();
    await resetting.close();
  });

  it('retries retriable-status-codes and retriable-4xx only', async () => {
    let n = 0;
    const teapot = await startHttp((_req, res) => {
      n++;
      res.statusCode = n === 1 ? 418 : n === 2 ? 409 : 404;
      res.end(String(res.statusCode));
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('teapot', [endpoint(teapot.port)])]));
    const a = await call(
      cm,
      'teapot',
      get(),
      policy({
        retry: retry({
          retryOn: ['retriable-status-codes', 'retriable-4xx'],
          retriableStatusCodes: [418],
          numRetries: 5,
        }),
      }),
    );
    expect(a).toMatchObject({ status: 404, retries: 2 });
    await cm.close();
    await teapot.close();
  });

  describe('request bodies and methods', () => {
    let bodies: string[] = [];
    let server: TestServer;
    beforeAll(async () => {
      server = await startHttp((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          bodies.push(`${req.method} ${Buffer.concat(parts).toString()}`);
          res.statusCode = 503;
          res.end();
        });
      });
    });
    afterAll(() => server.close());

    it('does not retry a non-idempotent POST by default', async () => {
      bodies = [];
      const cm = createClusterManager();
      cm.update(ir([cluster('post', [endpoint(server.port)])]));
      const a = await call(
        cm,
        'post',
        get('/', { method: 'POST', bodyBuffer: Buffer.from('payload') }),
        policy({ idempotent: false, retry: retry() }),
      );
      expect(a).toMatchObject({ status: 503, retries: 0 });
      expect(bodies).toEqual(['POST payload']);
      await cm.close();
    });

    it('replays a buffered body on every try when non-idempotent retries are allowed', async () => {
      bodies = [];
      const cm = createClusterManager();
      cm.update(ir([cluster('post', [endpoint(server.port)])]));
      const a = await call(
        cm,
        'post',
        get('/', { method: 'POST', body: null, bodyBuffer: Buffer.from('payload') }),
        policy({ idempotent: false, retry: retry({ retryNonIdempotent: true, numRetries: 2 }) }),
      );
      expect(a).toMatchObject({ status: 503, retries: 2 });
      expect(bodies).toEqual(['POST payload', 'POST payload', 'POST payload']);
      await cm.close();
    });

    it('never retries a streamed (unbuffered) body', async () => {
      bodies = [];
      const cm = createClusterManager();
      cm.update(ir([cluster('put', [endpoint(server.port)])]));
      const body = new PassThrough();
      body.end('streamed');
      const a = await call(cm, 'put', get('/', { method: 'PUT', body }), policy({ retry: retry() }));
      expect(a).toMatchObject({ status: 503, retries: 0 });
      expect(bodies).toEqual(['PUT streamed']);
      await cm.close();
    });
  });
});
