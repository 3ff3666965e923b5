import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRateLimitFilterFactory } from '../../src/filters/local-ratelimit.js';
import { RedisRateLimiter, redactUrl } from '../../src/filters/redis-ratelimit.js';
import type { FilterOutcome } from '../../src/filters/types.js';
import { freePort, makeCtx, makeDeps, makeIR, makeRoute, RedisProcess, sleep } from './helpers.js';

let redis: RedisProcess;
const limiters: RedisRateLimiter[] = [];
function limiter(opts: Partial<ConstructorParameters<typeof RedisRateLimiter>[0]> = {}): RedisRateLimiter {
  const l = new RedisRateLimiter({ url: redis.url, prefix: 'test:', ...opts });
  limiters.push(l);
  return l;
}

beforeAll(async () => {
  redis = new RedisProcess(await freePort());
  await redis.start();
});

afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
  await redis.dispose();
});

describe('RedisRateLimiter (real redis-server)', () => {
  it('two gateways sharing one bucket together admit exactly maxTokens', async () => {
    const a = limiter();
    const b = limiter();
    expect(await a.ready()).toBe(true);
    expect(await b.ready()).toBe(true);
    const cfg = { maxTokens: 25, tokensPerFill: 25, fillIntervalMs: 60_000 };
    // 100 concurrent takes, interleaved across both replicas.
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).take('shared-exact', cfg)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(25);
    expect(results.every((r) => r.source === 'redis')).toBe(true);
    expect(Math.min(...results.map((r) => r.remaining))).toBe(0);
  });

  it('refills by whole intervals on the Redis clock', async () => {
    const a = limiter();
    await a.ready();
    const cfg = { maxTokens: 2, tokensPerFill: 2, fillIntervalMs: 1000 };
    const first = [await a.take('refill', cfg), await a.take('refill', cfg), await a.take('refill', cfg)];
    expect(first.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(first[2]!.resetMs).toBeLessThanOrEqual(1000);
    await sleep(1100);
    expect((await a.take('refill', cfg)).allowed).toBe(true);
  });

  it('sets an expiry so idle buckets disappear', async () => {
    const a = limiter();
    await a.ready();
    await a.take('ttl', { maxTokens: 5, tokensPerFill: 1, fillIntervalMs: 1000 });
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis.url);
    try {
      const ttl = await raw.pttl('test:ttl');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
    } finally {
      raw.disconnect();
    }
  });

  it('redacts passwords in log output', () => {
    expect(redactUrl('redis://user:secret@127.0.0.1:6379/0')).toBe('redis://user:***@127.0.0.1:6379/0');
  });
});

describe('Redis unavailable', () => {
  it('fails open by default (counted and logged), fails closed when configured, and recovers', async () => {
    const port = await freePort();
    const down = new RedisProcess(port);
    await down.start();
    const deps = makeDeps({});
    const open = new RedisRateLimiter({ url: down.url, prefix: 't:', log: deps.log, commandTimeoutMs: 200 });
    const closed = new RedisRateLimiter({
      url: down.url,
      prefix: 't:',
      failureMode: 'closed',
      commandTimeoutMs: 200,
    });
    limiters.push(open, closed);
    await open.ready();
    await closed.ready();
    const cfg = { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 60_000 };
    expect((await open.take('k', cfg)).source).toBe('redis');

    await down.stop();
    const whileDown = await Promise.all([open.take('k', cfg), open.take('k', cfg), closed.take('k', cfg)]);
    expect(whileDown.map((r) => [r.allowed, r.source])).toEqual([
      [true, 'fail-open'],
      [true, 'fail-open'],
      [false, 'fail-closed'],
    ]);
    expect(open.stats.failedOpen).toBe(2);
    expect(closed.stats.failedClosed).toBe(1);
    expect(
      deps.logs.some((l) => l.level === 'warn' && /allowing requests|reconnecting/.test(l.msg ?? '')),
    ).toBe(true);

    // Same port again: ioredis reconnects by itself and limits apply again.
    await down.start();
    for (let i = 0; i < 100 && !open.connected; i++) await sleep(50);
    expect(open.connected).toBe(true);
    const after = [await open.take('k2', cfg), await open.take('k2', cfg)];
    expect(after.map((r) => [r.allowed, r.source])).toEqual([
      [true, 'redis'],
      [false, 'redis'],
    ]);
    await open.close();
    await closed.close();
    await down.dispose();
  });

  it('never blocks a request for long when Redis was never reachable', async () => {
    const port = await freePort(); // nothing listens here
    const l = new RedisRateLimiter({ url: `redis://127.0.0.1:${port}`, prefix: 'x:', commandTimeoutMs: 100 });
    limiters.push(l);
    const r = await l.take('k', { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1000 });
    expect(r).toMatchObject({ allowed: true, source: 'fail-open' });
    await l.close();
  });
});

describe('local_ratelimit with shared (Redis) limits', () => {
  const statusOf = (o: FilterOutcome) => (o.kind === 'continue' ? 'continue' : o.status);

  it('two gateway instances share a route limit', async () => {
    const route = makeRoute({
      name: 'default/shared',
      localRateLimit: {
        maxTokens: 3,
        tokensPerFill: 3,
        fillIntervalMs: 60_000,
        descriptors: [{ kind: 'remote-address' }],
        shared: { backend: 'redis', url: redis.url, prefix: `gw-${Date.now()}:` },
        responseHeaders: true,
      },
    });
    const ir = makeIR({}, [route]);
    const gw1 = createLocalRateLimitFilterFactory()(ir, makeDeps({}))!;
    const gw2 = createLocalRateLimitFilterFactory()(ir, makeDeps({}))!;
    try {
      const out: Array<number | 'continue'> = [];
      for (let i = 0; i < 6; i++) {
        const gw = i % 2 === 0 ? gw1 : gw2;
        out.push(statusOf(await gw.onRequest(makeCtx(ir, route, { remoteAddress: '10.1.1.1' }))));
      }
      expect(out).toEqual(['continue', 'continue', 'continue', 429, 429, 429]);
      const ctx = makeCtx(ir, route, { remoteAddress: '10.1.1.2' });
      expect(statusOf(await gw2.onRequest(ctx))).toBe('continue');
      expect(ctx.responseHeaders.get('x-ratelimit-remaining')).toBe('2');
    } finally {
      await gw1.close?.();
      await gw2.close?.();
    }
  });

  it('honours failureModeDeny from the IR when Redis is down', async () => {
    const port = await freePort();
    const route = makeRoute({
      localRateLimit: {
        maxTokens: 3,
        tokensPerFill: 3,
        fillIntervalMs: 60_000,
        descriptors: [],
        shared: { backend: 'redis', url: `redis://127.0.0.1:${port}`, prefix: 'p:', failureModeDeny: true },
        responseHeaders: true,
      },
    });
    const ir = makeIR({}, [route]);
    const filter = createLocalRateLimitFilterFactory()(ir, makeDeps({}))!;
    try {
      const out = await filter.onRequest(makeCtx(ir, route));
      // No counters from a failure decision: no x-ratelimit-* headers.
      expect(out).toEqual({
        kind: 'respond',
        status: 429,
        headers: {},
        body: 'local_rate_limited',
        reason: 'local-rate-limited',
      });
    } finally {
      await filter.close?.();
    }
  });
});
