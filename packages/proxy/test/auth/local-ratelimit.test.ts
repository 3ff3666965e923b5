import { describe, expect, it } from 'vitest';
import { createLocalRateLimitFilterFactory } from '../../src/filters/local-ratelimit.js';
import { TokenBucketStore } from '../../src/filters/token-bucket.js';
import type { FilterOutcome } from '../../src/filters/types.js';
import { makeCtx, makeDeps, makeIR, makeRoute } from './helpers.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('TokenBucketStore', () => {
  it('starts full, then refills tokensPerFill per whole interval up to maxTokens', () => {
    const c = clock();
    const store = new TokenBucketStore(
      { maxTokens: 3, tokensPerFill: 2, fillIntervalMs: 1000 },
      { now: c.now },
    );
    expect([1, 2, 3, 4].map(() => store.take('k').allowed)).toEqual([true, true, true, false]);
    c.advance(999);
    expect(store.take('k').allowed).toBe(false);
    c.advance(1);
    expect(store.take('k')).toMatchObject({ allowed: true, remaining: 1, limit: 3, resetMs: 1000 });
    c.advance(10_000);
    expect(store.take('k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps separate buckets per key', () => {
    const store = new TokenBucketStore(
      { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1000 },
      { now: () => 0 },
    );
    expect(store.take('a').allowed).toBe(true);
    expect(store.take('a').allowed).toBe(false);
    expect(store.take('b').allowed).toBe(true);
  });

  it('holds at most maxBuckets buckets and drops refilled ones first', () => {
    const c = clock();
    const store = new TokenBucketStore(
      { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1000 },
      { now: c.now, maxBuckets: 100 },
    );
    for (let i = 0; i < 1000; i++) store.take(`k${i}`);
    expect(store.size).toBeLessThanOrEqual(100);
    c.advance(5000);
    for (let i = 0; i < 50; i++) store.take(`fresh${i}`);
    // Refilled buckets at the LRU end were dropped as new ones arrived.
    expect(store.size).toBeLessThanOrEqual(100);
    expect(store.take('fresh0').allowed).toBe(false);
  });

  it('rejects nonsensical configurations', () => {
    expect(() => new TokenBucketStore({ maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 0 })).toThrow(
      RangeError,
    );
  });
});

function statusOf(o: FilterOutcome): number | 'continue' {
  return o.kind === 'continue' ? 'continue' : o.status;
}

describe('local_ratelimit filter', () => {
  const perClient = makeRoute({
    name: 'default/api',
    localRateLimit: {
      maxTokens: 2,
      tokensPerFill: 2,
      fillIntervalMs: 60_000,
      descriptors: [{ kind: 'remote-address' }],
      responseHeaders: true,
    },
  });
  const plain = makeRoute({ name: 'default/plain' });

  it('is not built when nothing is limited', () => {
    expect(createLocalRateLimitFilterFactory()(makeIR({}, [plain]), makeDeps({}))).toBeUndefined();
  });

  it('limits per client address with x-ratelimit headers and 429', async () => {
    const c = clock();
    const ir = makeIR({}, [perClient, plain]);
    const filter = createLocalRateLimitFilterFactory({ now: c.now })(ir, makeDeps({}))!;
    const a1 = makeCtx(ir, perClient, { remoteAddress: '10.0.0.1' });
    expect(statusOf(await filter.onRequest(a1))).toBe('continue');
    expect(Object.fromEntries(a1.responseHeaders)).toEqual({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '60',
    });
    expect(statusOf(await filter.onRequest(makeCtx(ir, perClient, { remoteAddress: '10.0.0.1' })))).toBe(
      'continue',
    );
    const limited = await filter.onRequest(makeCtx(ir, perClient, { remoteAddress: '10.0.0.1' }));
    expect(limited).toMatchObject({
      kind: 'respond',
      status: 429,
      body: 'local_rate_limited',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '2' },
    });
    // Another client has its own bucket; an unlimited route is untouched.
    expect(statusOf(await filter.onRequest(makeCtx(ir, perClient, { remoteAddress: '10.0.0.2' })))).toBe(
      'continue',
    );
    expect(statusOf(await filter.onRequest(makeCtx(ir, plain, { remoteAddress: '10.0.0.1' })))).toBe(
      'continue',
    );
    c.advance(60_000);
    expect(statusOf(await filter.onRequest(makeCtx(ir, perClient, { remoteAddress: '10.0.0.1' })))).toBe(
      'continue',
    );
  });

  it('answers synchronously for in-memory buckets', () => {
    const ir = makeIR({}, [perClient]);
    const filter = createLocalRateLimitFilterFactory()(ir, makeDeps({}))!;
    const out = filter.onRequest(makeCtx(ir, perClient));
    expect(out instanceof Promise).toBe(false);
  });

  it('applies the gateway-wide limit before the route limit', async () => {
    const ir = makeIR(
      {
        localRateLimit: {
          maxTokens: 3,
          tokensPerFill: 3,
          fillIntervalMs: 60_000,
          descriptors: [],
          responseHeaders: false,
        },
      },
      [perClient, plain],
    );
    const filter = createLocalRateLimitFilterFactory({ now: () => 0 })(ir, makeDeps({}))!;
    const results: Array<number | 'continue'> = [];
    for (const r of [plain, plain, perClient, perClient])
      results.push(statusOf(await filter.onRequest(makeCtx(ir, r))));
    expect(results).toEqual(['continue', 'continue', 'continue', 429]);
  });

  it('uses header descriptors; a missing header skips the limit unless omitIfNotPresent', async () => {
    const byHeader = (omit: boolean) =>
      makeRoute({
        name: `default/h-${omit}`,
        localRateLimit: {
          maxTokens: 1,
          tokensPerFill: 1,
          fillIntervalMs: 60_000,
          descriptors: [
            { kind: 'generic', key: 'tier', value: 'free' },
            { kind: 'request-header', header: 'X-API-Key', key: 'api_key', omitIfNotPresent: omit },
          ],
          responseHeaders: false,
        },
      });
    const strict = byHeader(false);
    const lenient = byHeader(true);
    const ir = makeIR({}, [strict, lenient]);
    const filter = createLocalRateLimitFilterFactory({ now: () => 0 })(ir, makeDeps({}))!;
    const run = async (route = strict, key?: string) =>
      statusOf(await filter.onRequest(makeCtx(ir, route, { headers: key ? { 'x-api-key': key } : {} })));
    expect([await run(strict, 'k1'), await run(strict, 'k1'), await run(strict, 'k2')]).toEqual([
      'continue',
      429,
      'continue',
    ]);
    // No header and not optional: the descriptor is not produced, the request is not counted.
    expect([await run(strict), await run(strict)]).toEqual(['continue', 'continue']);
    // Optional header: the entry is dropped and all header-less requests share one bucket.
    expect([await run(lenient), await run(lenient)]).toEqual(['continue', 429]);
  });

  it('keeps buckets across config reloads when the limit is unchanged', async () => {
    const factory = createLocalRateLimitFilterFactory({ now: () => 0 });
    const ir1 = makeIR({}, [perClient]);
    const f1 = factory(ir1, makeDeps({}))!;
    await f1.onRequest(makeCtx(ir1, perClient));
    await f1.onRequest(makeCtx(ir1, perClient));
    const ir2 = makeIR({}, [perClient, plain]);
    const f2 = factory(ir2, makeDeps({}))!;
    expect(statusOf(await f2.onRequest(makeCtx(ir2, perClient)))).toBe(429);
    // A changed limit starts with a fresh bucket.
    const changed = { ...perClient, localRateLimit: { ...perClient.localRateLimit!, maxTokens: 5 } };
    const ir3 = makeIR({}, [changed]);
    const f3 = factory(ir3, makeDeps({}))!;
    expect(statusOf(await f3.onRequest(makeCtx(ir3, changed)))).toBe('continue');
  });

  it('ignores (and reports) a limit with a zero fill interval instead of crashing', () => {
    const deps = makeDeps({});
    const bad = makeRoute({
      localRateLimit: {
        maxTokens: 1,
        tokensPerFill: 1,
        fillIntervalMs: 0,
        descriptors: [],
        responseHeaders: false,
      },
    });
    const ir = makeIR({}, [bad]);
    const filter = createLocalRateLimitFilterFactory()(ir, deps)!;
    expect(filter.onRequest(makeCtx(ir, bad))).toEqual({ kind: 'continue' });
    expect(deps.logs[0]).toMatchObject({ level: 'error', obj: { scope: 'route:default/r1' } });
  });
});
