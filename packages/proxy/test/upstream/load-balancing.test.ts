import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterManager } from '../../src/upstream/index.js';
import {
  type LbEndpoint,
  LeastRequestBalancer,
  MaglevBalancer,
  RandomBalancer,
  RingHashBalancer,
  RoundRobinBalancer,
} from '../../src/upstream/load-balancers/index.js';
import {
  call,
  cluster,
  endpoint,
  get,
  ir,
  namedServer,
  startHttp,
  type TestServer,
  waitFor,
} from './helpers.js';

function eps(n: number, weights?: number[]): Array<LbEndpoint & { activeRequests: number }> {
  return Array.from({ length: n }, (_, i) => ({
    address: `10.0.0.${i + 1}:8080`,
    weight: weights?.[i] ?? 1,
    activeRequests: 0,
  }));
}

function countPicks(pick: () => LbEndpoint | undefined, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const e = pick()!;
    counts.set(e.address, (counts.get(e.address) ?? 0) + 1);
  }
  return counts;
}

const KEYS = Array.from({ length: 2000 }, (_, i) => `session-${i}`);

describe('balancers (unit)', () => {
  it('round robin visits every endpoint equally', () => {
    const lb = new RoundRobinBalancer(eps(3));
    expect([...countPicks(() => lb.pick(), 30).values()]).toEqual([10, 10, 10]);
  });

  it('weighted round robin follows the weights exactly over a full cycle', () => {
    const lb = new RoundRobinBalancer(eps(2, [1, 3]));
    const counts = countPicks(() => lb.pick(), 400);
    expect(counts.get('10.0.0.1:8080')).toBe(100);
    expect(counts.get('10.0.0.2:8080')).toBe(300);
  });

  it('least request prefers the endpoint with fewest requests in flight', () => {
    const list = eps(3);
    list[0]!.activeRequests = 2;
    list[1]!.activeRequests = 0;
    list[2]!.activeRequests = 1;
    const lb = new LeastRequestBalancer(list);
    for (let i = 0; i < 10; i++) expect(lb.pick()!.address).toBe('10.0.0.2:8080');
  });

  it('least request rotates among idle endpoints', () => {
    const lb = new LeastRequestBalancer(eps(3));
    expect(countPicks(() => lb.pick(), 30).size).toBe(3);
  });

  it('least request uses two random choices on large sets and still avoids the busiest', () => {
    const list = eps(40);
    for (const e of list) e.activeRequests = 5;
    list[7]!.activeRequests = 100;
    const lb = new LeastRequestBalancer(list);
    for (let i = 0; i < 500; i++) expect(lb.pick()!.address).not.toBe('10.0.0.8:8080');
  });

  it('random covers every endpoint', () => {
    const lb = new RandomBalancer(eps(4));
    expect(countPicks(() => lb.pick(), 400).size).toBe(4);
    const weighted = new RandomBalancer(eps(3, [1, 1, 8]));
    const counts = countPicks(() => weighted.pick(), 2000);
    expect(counts.size).toBe(3);
    expect(counts.get('10.0.0.3:8080')!).toBeGreaterThan(1200);
  });

  for (const [name, make] of [
    ['ring hash', (e: LbEndpoint[]) => new RingHashBalancer(e)],
    ['maglev', (e: LbEndpoint[]) => new MaglevBalancer(e)],
  ] as const) {
    it(`${name}: the same key always maps to the same endpoint`, () => {
      const a = make(eps(5));
      const b = make(eps(5));
      for (const k of KEYS) {
        const first = a.pick(k)!.address;
        expect(a.pick(k)!.address).toBe(first);
        expect(b.pick(k)!.address).toBe(first); // independent of instance / process
      }
    });

    it(`${name}: spreads keys over all endpoints`, () => {
      const lb = make(eps(4));
      const counts = new Map<string, number>();
      for (const k of KEYS) {
        const a = lb.pick(k)!.address;
        counts.set(a, (counts.get(a) ?? 0) + 1);
      }
      expect(counts.size).toBe(4);
      for (const c of counts.values()) expect(c).toBeGreaterThan(KEYS.length * 0.1);
    });

    it(`${name}: removing an endpoint remaps few of the other endpoints' keys`, () => {
      const all = eps(5);
      const before = make(all);
      const removed = all[2]!.address;
      const after = make(all.filter((e) => e.address !== removed));
      let kept = 0;
      let moved = 0;
      for (const k of KEYS) {
        const was = before.pick(k)!.address;
        const now = after.pick(k)!.address;
        expect(now).not.toBe(removed);
        if (was === removed) continue;
        if (was === now) kept++;
        else moved++;
      }
      // A modulo hash would move ~80% of them; consistent hashing keeps nearly all in place.
      expect(kept / (kept + moved)).toBeGreaterThan(0.85);
    });

    it(`${name}: honours endpoint weights`, () => {
      const lb = make(eps(2, [1, 3]));
      let heavy = 0;
      for (const k of KEYS) if (lb.pick(k)!.address === '10.0.0.2:8080') heavy++;
      expect(heavy / KEYS.length).toBeGreaterThan(0.65);
      expect(heavy / KEYS.length).toBeLessThan(0.85);
    });
  }
});

describe('balancing real requests', () => {
  const servers: TestServer[] = [];
  const held: Array<() => void> = [];
  let slowA: TestServer;
  let slowB: TestServer;

  beforeAll(async () => {
    for (const name of ['a', 'b', 'c']) servers.push(await namedServer(name));
    const holding = (name: string) =>
      startHttp((req, res) => {
        if (req.url === '/hold') held.push(() => res.end(name));
        else res.end(name);
      });
    slowA = await holding('slow-a');
    slowB = await holding('slow-b');
  });

  afterAll(async () => {
    for (const release of held) release();
    await Promise.all([...servers, slowA, slowB].map((s) => s.close()));
  });

  const ports = () => servers.map((s) => s.port);

  it('round robin spreads sequential requests evenly', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster(
          'rr',
          ports().map((p) => endpoint(p)),
        ),
      ]),
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const r = await call(cm, 'rr');
      counts[r.body] = (counts[r.body] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 10, b: 10, c: 10 });
    await cm.close();
  });

  it('weighted endpoints get their share', async () => {
    const cm = createClusterManager();
    const [pa, pb] = ports();
    cm.update(ir([cluster('w', [endpoint(pa!, 1), endpoint(pb!, 3)])]));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const r = await call(cm, 'w');
      counts[r.body] = (counts[r.body] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 10, b: 30 });
    await cm.close();
  });

  it('least request sends new requests to the idle endpoint', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([cluster('lr', [endpoint(slowA.port), endpoint(slowB.port)], { lbPolicy: 'least_request' })]),
    );
    const busy = cm.request('lr', get('/hold'), {
      timeoutMs: 20_000,
      idleTimeoutMs: 0,
      idempotent: true,
      grpc: false,
    });
    await waitFor(() => held.length === 1, 5_000, 'held request');
    const busyServer = slowA.requests === 1 ? 'slow-a' : 'slow-b';
    for (let i = 0; i < 6; i++) {
      const r = await call(cm, 'lr', get('/fast'));
      expect(r.body).not.toBe(busyServer);
    }
    held.shift()!();
    const done = await busy;
    expect(done.kind).toBe('response');
    if (done.kind === 'response') done.body.resume();
    await cm.close();
  });

  for (const lbPolicy of ['ring_hash', 'maglev'] as const) {
    it(`${lbPolicy} keeps a hash key on one endpoint`, async () => {
      const cm = createClusterManager();
      cm.update(
        ir([
          cluster(
            'h',
            ports().map((p) => endpoint(p)),
            { lbPolicy },
          ),
        ]),
      );
      const seen = new Set<string>();
      for (let user = 0; user < 12; user++) {
        const first = await call(cm, 'h', get('/', { hashKey: `user-${user}` }));
        seen.add(first.body);
        for (let i = 0; i < 4; i++) {
          const again = await call(cm, 'h', get('/', { hashKey: `user-${user}` }));
          expect(again.body).toBe(first.body);
        }
      }
      expect(seen.size).toBeGreaterThan(1);
      await cm.close();
    });
  }

  it('random reaches every endpoint', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster(
          'rnd',
          ports().map((p) => endpoint(p)),
          { lbPolicy: 'random' },
        ),
      ]),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add((await call(cm, 'rnd')).body);
    expect(seen).toEqual(new Set(['a', 'b', 'c']));
    await cm.close();
  });
});
