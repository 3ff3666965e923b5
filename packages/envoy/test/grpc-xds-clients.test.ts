/**
 * Proof with real clients: @grpc/grpc-js-xds channels resolve `xds:///echo.test` through our ADS
 * server and call real grpc-js backends on 127.0.0.1.
 */
import { createIR, type GatewayIR } from '@gateway/core';
import { register } from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsServer, createSnapshot, type JsonObject, type NackEvent, translate } from '../src/index.js';
import {
  call,
  callUntil,
  type EchoBackend,
  startEchoBackend,
  xdsEchoClient,
} from './fixtures/echo-backend.js';
import { cluster, endpoint, forward, httpListener, prefix, route, vhost } from './fixtures/ir.js';

const TARGET = 'echo.test';
const quietLogger = { info() {}, warn() {}, error() {} };

let backends: Record<'a' | 'b' | 'gold', EchoBackend>;
let server: AdsServer;
let adsPort: number;
const clients: Array<{ close(): void }> = [];

function client() {
  const c = xdsEchoClient(TARGET, adsPort);
  clients.push(c);
  return c;
}

function backendCluster(name: string, b: EchoBackend) {
  return cluster(name, {
    protocol: 'http2',
    discovery: { kind: 'static', endpoints: [endpoint('127.0.0.1', b.port)] },
  });
}

/** Routes for echo.test: header match → gold; exact Hello path → `hello`; the service prefix → `rest`. */
function echoIR(opts: { hello: Array<[string, number]>; rest?: string }): GatewayIR {
  return createIR({
    listeners: [
      httpListener(8080, [
        vhost(
          `listener-8080/${TARGET}`,
          [TARGET],
          [
            route('default/gold', prefix('/gateway.test.Echo/'), forward('cluster_gold', { grpc: true }), {
              match: { headers: [{ name: 'x-tier', match: { exact: 'gold' } }] },
            }),
            route(
              'default/hello',
              { kind: 'exact', value: '/gateway.test.Echo/Hello' },
              forward(opts.hello, { grpc: true, timeoutMs: 5000 }),
            ),
            route(
              'default/rest',
              { kind: 'segment-prefix', value: '/gateway.test.Echo' },
              forward(opts.rest ?? 'cluster_b', { grpc: true }),
            ),
          ],
        ),
      ]),
    ],
    clusters: [
      backendCluster('cluster_a', backends.a),
      backendCluster('cluster_b', backends.b),
      backendCluster('cluster_gold', backends.gold),
    ],
  });
}

beforeAll(async () => {
  register();
  backends = {
    a: await startEchoBackend('a'),
    b: await startEchoBackend('b'),
    gold: await startEchoBackend('gold'),
  };
  server = new AdsServer({ logger: quietLogger });
  ({ port: adsPort } = await server.listen('127.0.0.1:0'));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

describe('grpc-js-xds clients against the ADS server', () => {
  it('routes by exact path, segment prefix and header match to the right backend', async () => {
    const applied = await server.apply(echoIR({ hello: [['cluster_a', 100]] }));
    expect(applied.accepted).toBe(true);
    const c = client();
    expect(await call(c, 'Hello')).toEqual({ backend: 'a', path: '/gateway.test.Echo/Hello', message: 'hi' });
    expect((await call(c, 'Other')).backend).toBe('b');
    expect((await call(c, 'Hello', { 'x-tier': 'gold' })).backend).toBe('gold');
    expect((await call(c, 'Other', { 'x-tier': 'silver' })).backend).toBe('b');
  });

  it('splits an 80/20 canary: 80% ± 5% of 1,000 calls reach the first backend', async () => {
    await server.apply(
      echoIR({
        hello: [
          ['cluster_a', 80],
          ['cluster_b', 20],
        ],
      }),
    );
    const c = client();
    await call(c, 'Hello');
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => call(c, 'Hello')));
      for (const r of replies) counts[r.backend] = (counts[r.backend] ?? 0) + 1;
    }
    expect((counts.a ?? 0) + (counts.b ?? 0)).toBe(1000);
    expect(counts.a).toBeGreaterThanOrEqual(750);
    expect(counts.a).toBeLessThanOrEqual(850);
  });

  it('moves traffic when a new config is published, without restarting the client', async () => {
    await server.apply(echoIR({ hello: [['cluster_a', 100]] }));
    const c = client();
    expect((await call(c, 'Hello')).backend).toBe('a');
    await server.apply(echoIR({ hello: [['cluster_b', 100]] }));
    expect((await callUntil(c, (r) => r.backend === 'b')).backend).toBe('b');
    for (let i = 0; i < 20; i++) expect((await call(c, 'Hello')).backend).toBe('b');
  });

  it('NACKs an invalid resource, reports it, and keeps serving the last good config', async () => {
    await server.apply(echoIR({ hello: [['cluster_a', 100]] }));
    const c = client();
    expect((await call(c, 'Hello')).backend).toBe('a');

    // A route table gRPC clients must reject: it sends Hello to b, but carries a redirect route.
    const next = translate(echoIR({ hello: [['cluster_b', 100]] }));
    const routes = next.resources.routes.map((r) => structuredClone(r));
    const grpcRoutes = routes.find((r) => r.name === `grpc/${TARGET}`);
    if (!grpcRoutes) throw new Error('the gRPC route configuration is missing');
    const vh = (grpcRoutes.virtual_hosts as JsonObject[])[0] as JsonObject;
    (vh.routes as JsonObject[]).unshift({
      name: 'moved',
      match: { prefix: '/old.Service/' },
      redirect: { host_redirect: 'elsewhere.test' },
    });
    const { snapshot, diagnostics } = createSnapshot({
      version: 'with-redirect',
      resources: { ...next.resources, routes },
      explicitOnly: next.explicitOnly,
    });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const nack = new Promise<NackEvent>((resolve) => server.once('nack', resolve));
    const nacksBefore = server.metrics().nacks;
    server.setSnapshot('default', snapshot as NonNullable<typeof snapshot>);

    const event = await nack;
    expect(event).toMatchObject({ nodeId: 'grpc-test-node', flavor: 'sotw', kind: 'route' });
    expect(event.message).toMatch(/redirect/);
    expect(event.version).not.toBe(event.rejectedVersion);
    expect(server.metrics().nacks).toBe(nacksBefore + 1);
    for (let i = 0; i < 10; i++) expect((await call(c, 'Hello')).backend).toBe('a');
  });

  it('reconnects after the ADS server restarts and picks up the current config', async () => {
    await server.apply(echoIR({ hello: [['cluster_a', 100]] }));
    const c = client();
    expect((await call(c, 'Hello')).backend).toBe('a');
    await server.close(500);
    // Cached config keeps working while the control plane is away.
    expect((await call(c, 'Hello')).backend).toBe('a');

    server = new AdsServer({ logger: quietLogger });
    await server.listen(`127.0.0.1:${adsPort}`);
    await server.apply(echoIR({ hello: [['cluster_b', 100]] }));
    expect((await callUntil(c, (r) => r.backend === 'b', 20_000)).backend).toBe('b');
    expect(server.clients().some((i) => i.nodeId === 'grpc-test-node')).toBe(true);
  });
});
