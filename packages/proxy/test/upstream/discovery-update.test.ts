import { promises as dns } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overrideFor, resolveAddresses } from '../../src/upstream/dns.js';
import { createClusterManager } from '../../src/upstream/index.js';
import { serviceHost } from '../../src/upstream/tls.js';
import {
  call,
  closedPort,
  cluster,
  endpoint,
  get,
  ir,
  namedServer,
  policy,
  startHttp,
  type TestServer,
  waitFor,
} from './helpers.js';

describe('service strings and --resolve (unit)', () => {
  it('extracts the host of a service', () => {
    expect(serviceHost('quote.default:80')).toBe('quote.default');
    expect(serviceHost('https://quote:443/')).toBe('quote');
    expect(serviceHost('[::1]:8080')).toBe('::1');
    expect(serviceHost('quote')).toBe('quote');
  });

  it('matches the DNS host, its first label, or the service string', () => {
    const to = { host: '127.0.0.1', port: 9 };
    const dnsCluster = cluster('c', [], {
      service: 'quote.default:80',
      discovery: {
        kind: 'dns',
        host: 'quote.default.svc.cluster.local',
        port: 80,
        mode: 'strict',
        respectDnsTtl: false,
      },
    });
    expect(overrideFor(dnsCluster, new Map([['quote', to]]))).toEqual(to);
    expect(overrideFor(dnsCluster, new Map([['quote.default.svc.cluster.local', to]]))).toEqual(to);
    expect(overrideFor(dnsCluster, new Map([['quote.default:80', to]]))).toEqual(to);
    expect(overrideFor(dnsCluster, new Map([['billing', to]]))).toBeUndefined();
  });

  it('resolves strict to every address and logical to the first', async () => {
    const all = (await dns.lookup('localhost', { all: true, family: 4 })).map((a) => a.address);
    expect(await resolveAddresses('localhost', 'strict', 'v4')).toEqual([...new Set(all)]);
    expect(await resolveAddresses('localhost', 'logical', 'v4')).toEqual([all[0]]);
    expect(await resolveAddresses('10.1.2.3', 'strict', 'all')).toEqual(['10.1.2.3']);
  });
});

describe('DNS clusters and overrides', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHttp((req, res) => res.end(`hello ${req.headers.host}`));
  });
  afterAll(() => server.close());

  it('sends a --resolve override cluster to the given address', async () => {
    const cm = createClusterManager({
      resolve: new Map([['quote', { host: '127.0.0.1', port: server.port }]]),
    });
    cm.update(
      ir([
        cluster('cluster_quote', [], {
          service: 'quote.default:80',
          discovery: {
            kind: 'dns',
            host: 'quote.default.svc.cluster.local',
            port: 80,
            mode: 'strict',
            respectDnsTtl: false,
          },
        }),
      ]),
    );
    expect((await call(cm, 'cluster_quote')).body).toBe('hello test.local');
    expect(cm.stats()[0]!.endpoints.map((e) => e.address)).toEqual([`127.0.0.1:${server.port}`]);
    await cm.close();
  });

  it('overrides a static cluster by its service string', async () => {
    const cm = createClusterManager({
      resolve: new Map([['billing.default:80', { host: '127.0.0.1', port: server.port }]]),
    });
    cm.update(
      ir([cluster('cluster_billing', [endpoint(await closedPort())], { service: 'billing.default:80' })]),
    );
    expect((await call(cm, 'cluster_billing')).status).toBe(200);
    await cm.close();
  });

  for (const mode of ['strict', 'logical'] as const) {
    it(`resolves localhost (${mode}) before the first request and uses the DNS name for auto host rewrite`, async () => {
      const cm = createClusterManager({ dnsRefreshMs: 50 });
      cm.update(
        ir([
          cluster('local', [], {
            discovery: {
              kind: 'dns',
              host: 'localhost',
              port: server.port,
              mode,
              respectDnsTtl: mode === 'logical',
            },
          }),
        ]),
      );
      const a = await call(cm, 'local', get('/', { autoHostRewrite: true }));
      expect(a.body).toBe('hello localhost');
      const expected = await resolveAddresses('localhost', mode, 'v4');
      expect(cm.stats()[0]!.endpoints.map((e) => e.address)).toEqual(
        expected.map((h) => `${h}:${server.port}`),
      );
      // Re-resolution every 50 ms keeps the same endpoints (and pools).
      await new Promise((r) => setTimeout(r, 150));
      expect((await call(cm, 'local')).body).toBe('hello test.local');
      expect(server.connections).toBeGreaterThan(0);
      await cm.close();
    });
  }

  it('fails clearly when the name does not resolve', async () => {
    const cm = createClusterManager();
    const errors: string[] = [];
    cm.on('upstream-error', (_c, d) => errors.push(d));
    cm.update(
      ir([
        cluster('nxdomain', [], {
          discovery: {
            kind: 'dns',
            host: 'does-not-exist.invalid',
            port: 80,
            mode: 'strict',
            respectDnsTtl: false,
          },
        }),
      ]),
    );
    const a = await call(cm, 'nxdomain');
    expect(a).toMatchObject({ kind: 'failure', reason: 'no-healthy-endpoint', status: 503 });
    expect(a.message).toContain('DNS lookup of does-not-exist.invalid failed');
    expect(errors[0]).toContain('does-not-exist.invalid');
    await cm.close();
  });
});

describe('update()', () => {
  let a: TestServer;
  let b: TestServer;
  const held: Array<() => void> = [];
  let holding: TestServer;

  beforeAll(async () => {
    a = await namedServer('a');
    b = await namedServer('b');
    holding = await startHttp((req, res) => {
      if (req.url === '/hold') held.push(() => res.end('finished'));
      else res.end('holding-server');
    });
  });
  afterAll(async () => {
    for (const h of held) h();
    await Promise.all([a.close(), b.close(), holding.close()]);
  });

  it('keeps the pool (and its connection) of an unchanged cluster, and of unchanged endpoints', async () => {
    const cm = createClusterManager();
    const clusters = () => [cluster('keep', [endpoint(a.port)])];
    cm.update(ir(clusters()));
    for (let i = 0; i < 3; i++) await call(cm, 'keep');
    const warm = a.connections;
    // A new IR object with the same content: nothing changes.
    cm.update(ir(clusters()));
    for (let i = 0; i < 3; i++) await call(cm, 'keep');
    expect(a.connections).toBe(warm);
    // The cluster changes (policy and a new endpoint): endpoint a keeps its pool.
    cm.update(ir([cluster('keep', [endpoint(a.port), endpoint(b.port)], { lbPolicy: 'random' })]));
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await call(cm, 'keep')).body);
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(a.connections).toBe(warm);
    await cm.close();
  });

  it('drains a removed cluster: in-flight requests finish, new ones get no-cluster, the pool closes', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('gone', [endpoint(holding.port)]), cluster('stay', [endpoint(a.port)])]));
    const inflight = cm.request('gone', get('/hold'), policy());
    await waitFor(() => held.length === 1, 5_000, 'held request');
    cm.update(ir([cluster('stay', [endpoint(a.port)])]));
    expect((await call(cm, 'gone')).reason).toBe('no-cluster');
    expect(cm.stats().map((s) => s.name)).toEqual(['stay']);
    held.shift()!();
    const res = await inflight;
    expect(res.kind).toBe('response');
    if (res.kind !== 'response') return;
    let text = '';
    for await (const c of res.body) text += (c as Buffer).toString();
    expect(text).toBe('finished');
    // The drained pool closes its connection once the response is done.
    await waitFor(() => holding.open() === 0, 5_000, 'drained connection closed');
    await cm.close();
  });
});
