import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, DEFAULT_BREAKER_LIMITS } from '../../src/upstream/circuit-breaker.js';
import { createClusterManager } from '../../src/upstream/index.js';
import { call, cluster, endpoint, get, ir, policy, startHttp, type TestServer, waitFor } from './helpers.js';

describe('circuit breaker (unit)', () => {
  it('admits until a limit is reached and names the limit', () => {
    const b = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 1 });
    expect(b.admit()).toBeUndefined();
    b.activeRequests = 3;
    expect(b.admit()).toBe('max-requests');
    expect(b.describe('c1', 'max-requests')).toBe(
      'cluster c1: circuit breaker open: 3 active requests reached maxRequests 3',
    );
    b.activeRequests = 0;
    b.pendingRequests = 2;
    expect(b.admit()).toBe('max-pending-requests');
    expect(b.open).toBe(true);
    b.pendingRequests = 0;
    expect(b.admitRetry()).toBe(true);
    b.activeRetries = 1;
    expect(b.admitRetry()).toBe(false);
    expect(new CircuitBreaker().limits).toEqual(DEFAULT_BREAKER_LIMITS);
  });
});

describe('circuit breaker on real requests', () => {
  const held: Array<() => void> = [];
  let server: TestServer;

  beforeAll(async () => {
    server = await startHttp((req, res) => {
      if (req.url === '/hold') held.push(() => res.end('released'));
      else res.end('quick');
    });
  });
  afterAll(async () => {
    for (const h of held) h();
    await server.close();
  });

  async function drain(ps: Array<Promise<unknown>>) {
    while (held.length > 0) held.shift()!();
    const results = await Promise.all(ps);
    for (const r of results as Array<{ kind: string; body?: NodeJS.ReadableStream }>) {
      if (r.kind === 'response') r.body!.resume();
    }
  }

  it('refuses requests beyond maxRequests with circuit-open', async () => {
    const cm = createClusterManager();
    const opened: string[] = [];
    cm.on('circuit-open', (_c, d) => opened.push(d));
    cm.update(
      ir([
        cluster('cb', [endpoint(server.port)], {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 10,
              maxPendingRequests: 10,
              maxRequests: 2,
              maxRetries: 3,
            },
          ],
        }),
      ]),
    );
    const inflight = [cm.request('cb', get('/hold'), policy()), cm.request('cb', get('/hold'), policy())];
    await waitFor(() => held.length === 2, 5_000, 'two held requests');
    const refused = await call(cm, 'cb', get('/quick'));
    expect(refused).toMatchObject({ kind: 'failure', reason: 'circuit-open', status: 503 });
    expect(refused.message).toContain('maxRequests 2');
    expect(opened).toHaveLength(1);
    expect(cm.stats()[0]!.circuitBreaker).toMatchObject({ open: true, activeRequests: 2 });
    await drain(inflight);
    expect((await call(cm, 'cb', get('/quick'))).body).toBe('quick');
    expect(cm.stats()[0]!.circuitBreaker).toMatchObject({ open: false, activeRequests: 0 });
    await cm.close();
  });

  it('refuses requests beyond maxPendingRequests while connections are saturated', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('pending', [endpoint(server.port)], {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 1,
              maxPendingRequests: 1,
              maxRequests: 100,
              maxRetries: 3,
            },
          ],
        }),
      ]),
    );
    const first = cm.request('pending', get('/hold'), policy());
    await waitFor(() => held.length === 1, 5_000, 'held request');
    // One connection is busy: the second request waits for it (pending), the third overflows.
    const second = cm.request('pending', get('/quick'), policy());
    await waitFor(() => cm.stats()[0]!.circuitBreaker.pendingRequests === 1, 5_000, 'pending request');
    const third = await call(cm, 'pending', get('/quick'));
    expect(third).toMatchObject({ kind: 'failure', reason: 'circuit-open', status: 503 });
    expect(third.message).toContain('maxPendingRequests 1');
    await drain([first, second]);
    expect(cm.stats()[0]!.circuitBreaker.pendingRequests).toBe(0);
    await cm.close();
  });

  it('uses the high-priority thresholds for high-priority routes', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('prio', [endpoint(server.port)], {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 10,
              maxPendingRequests: 10,
              maxRequests: 1,
              maxRetries: 3,
            },
            { priority: 'high', maxConnections: 10, maxPendingRequests: 10, maxRequests: 5, maxRetries: 3 },
          ],
        }),
      ]),
    );
    const held1 = cm.request('prio', get('/hold'), policy());
    await waitFor(() => held.length === 1, 5_000, 'held request');
    expect((await call(cm, 'prio', get('/quick'))).reason).toBe('circuit-open');
    expect((await call(cm, 'prio', get('/quick'), policy({ priority: 'high' }))).body).toBe('quick');
    await drain([held1]);
    await cm.close();
  });

  it('counts a raw-connection pick as an active request until released', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('ws', [endpoint(server.port)], {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 10,
              maxPendingRequests: 10,
              maxRequests: 1,
              maxRetries: 3,
            },
          ],
        }),
      ]),
    );
    const lease = cm.pick('ws');
    expect('host' in lease && lease.host).toBe('127.0.0.1');
    if (!('release' in lease)) throw new Error('expected a lease');
    expect(lease).toMatchObject({ port: server.port, tls: false });
    expect(cm.pick('ws')).toMatchObject({ kind: 'failure', reason: 'circuit-open' });
    lease.release('success');
    lease.release('success'); // idempotent
    const again = cm.pick('ws');
    expect('release' in again).toBe(true);
    if ('release' in again) again.release('success');
    expect(cm.pick('nope')).toMatchObject({ kind: 'failure', reason: 'no-cluster' });
    await cm.close();
  });
});
