import type { GatewayIR } from '@gateway/core';
import { createIR } from '@gateway/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdsServer, type NackEvent, TYPE_URLS } from '../src/index.js';
import { DeltaClient, SotwClient } from './fixtures/ads-client.js';
import { cluster, endpoint, forward, httpListener, prefix, route, vhost } from './fixtures/ir.js';

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URLS;
const quietLogger = { info() {}, warn() {}, error() {} };

interface Variant {
  apiTarget?: string;
  extraDomain?: string;
  rootCluster?: string;
  endpointPort?: number;
  connectMs?: number;
}

/** A small gateway: `svc.example` (exact: gets an api_listener) and `*`. */
function gatewayIR(v: Variant = {}): GatewayIR {
  const vhosts = [
    vhost(
      'listener-8080/svc.example',
      ['svc.example'],
      [route('default/api', prefix(v.apiTarget ?? '/api/'), forward('cluster_lr'))],
    ),
  ];
  if (v.extraDomain)
    vhosts.push(
      vhost(
        `listener-8080/${v.extraDomain}`,
        [v.extraDomain],
        [route('default/late', prefix('/'), forward('cluster_a'))],
      ),
    );
  vhosts.push(
    vhost(
      'listener-8080/*',
      ['*'],
      [route('default/root', prefix('/'), forward(v.rootCluster ?? 'cluster_b'))],
    ),
  );
  const clusters = [
    cluster('cluster_a', {
      connectTimeoutMs: v.connectMs ?? 3000,
      discovery: { kind: 'static', endpoints: [endpoint('10.0.0.1', v.endpointPort ?? 80)] },
    }),
    cluster('cluster_lr', {
      lbPolicy: 'least_request',
      discovery: { kind: 'static', endpoints: [endpoint('10.0.0.3', 80)] },
    }),
  ];
  if ((v.rootCluster ?? 'cluster_b') === 'cluster_b')
    clusters.push(
      cluster('cluster_b', { discovery: { kind: 'static', endpoints: [endpoint('10.0.0.2', 80)] } }),
    );
  return createIR({
    listeners: [httpListener(8080, vhosts)],
    clusters: clusters.sort((a, b) => a.name.localeCompare(b.name)),
  });
}

let server: AdsServer;
let port: number;
const clients: Array<{ close(): void }> = [];
const nacks: NackEvent[] = [];

function sotw(): SotwClient {
  const c = new SotwClient(port);
  clients.push(c);
  return c;
}
function delta(): DeltaClient {
  const c = new DeltaClient(port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = new AdsServer({ logger: quietLogger });
  server.on('nack', (e) => nacks.push(e));
  ({ port } = await server.listen('127.0.0.1:0'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  nacks.length = 0;
  const r = await server.apply(gatewayIR());
  expect(r.accepted).toBe(true);
});

afterAll(async () => {
  await server.close();
});

describe('ADS SotW protocol', () => {
  it('answers a wildcard LDS with the Envoy listeners only, with version and nonce, and stays quiet on ACK', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    const acks: string[] = [];
    server.on('ack', (e) => acks.push(e.nonce));
    c.send({ typeUrl: LDS, node: { id: 'envoy-1' } });
    const r = await c.next();
    expect(r.typeUrl).toBe(LDS);
    expect(r.names).toEqual(['listener-8080']);
    expect(r.versionInfo).not.toBe('');
    expect(r.nonce).not.toBe('');
    c.ack(r);
    await c.expectQuiet();
    expect(acks).toContain(r.nonce);
    expect(server.clients()).toEqual([
      { nodeId: 'envoy-1', group: 'default', flavor: 'sotw', userAgent: 'raw-test-client' },
    ]);
  });

  it('serves gRPC-only resources on explicit subscription, not to wildcard CDS', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: CDS, node: { id: 'envoy-2' } });
    expect((await c.next()).names.sort()).toEqual(['cluster_a', 'cluster_b', 'cluster_lr']);
    const g = sotw();
    g.send({ typeUrl: CDS, names: ['cluster_lr/grpc'], node: { id: 'grpc-1' } });
    const r = await g.next();
    expect(r.names).toEqual(['cluster_lr/grpc']);
    expect(r.resources[0]).toMatchObject({ type: 'EDS' });
    expect(r.resources[0]?.lb_policy).toBeUndefined();
  });

  it('answers the intersection of requested names, remembers missing ones and pushes them when they appear', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: LDS, names: ['svc.example', 'late.example'], node: { id: 'grpc-2' } });
    const first = await c.next();
    expect(first.names).toEqual(['svc.example']);
    expect(first.resources[0]).toHaveProperty('api_listener');
    c.ack(first, ['svc.example', 'late.example']);
    await c.expectQuiet();
    await server.apply(gatewayIR({ extraDomain: 'late.example' }));
    const pushed = await c.next();
    expect(pushed.names.sort()).toEqual(['late.example', 'svc.example']);
    expect(pushed.versionInfo).not.toBe(first.versionInfo);
  });

  it('ignores a request carrying a stale nonce, even with new names', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: RDS, names: ['listener-8080'], node: { id: 'envoy-3' } });
    const r1 = await c.next();
    c.send({
      typeUrl: RDS,
      names: ['listener-8080', 'grpc/svc.example'],
      versionInfo: r1.versionInfo,
      nonce: r1.nonce,
    });
    const r2 = await c.next();
    expect(r2.names).toEqual(['grpc/svc.example']);
    const before = server.metrics().staleRequests;
    c.send({
      typeUrl: RDS,
      names: ['listener-8080', 'grpc/svc.example', 'grpc/other'],
      versionInfo: r1.versionInfo,
      nonce: r1.nonce,
    });
    await c.expectQuiet();
    expect(server.metrics().staleRequests).toBe(before + 1);
  });

  it('reports a NACK with the client text and does not push the rejected version again', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: CDS, node: { id: 'envoy-4' } });
    const good = await c.next();
    c.ack(good);
    await server.apply(gatewayIR({ connectMs: 250 }));
    const bad = await c.next();
    expect(bad.typeUrl).toBe(CDS);
    const nacksBefore = server.metrics().nacks;
    c.send({
      typeUrl: CDS,
      versionInfo: good.versionInfo,
      nonce: bad.nonce,
      error: { code: 3, message: 'cluster_b: bad thing' },
    });
    await c.expectQuiet();
    expect(nacks).toEqual([
      expect.objectContaining({
        nodeId: 'envoy-4',
        kind: 'cluster',
        flavor: 'sotw',
        version: good.versionInfo,
        rejectedVersion: bad.versionInfo,
        nonce: bad.nonce,
        code: 3,
        message: 'cluster_b: bad thing',
      }),
    ]);
    expect(server.metrics().nacks).toBe(nacksBefore + 1);
    expect(server.metrics().nacksByType.cluster).toBeGreaterThan(0);
  });

  it('pushes CDS → EDS → LDS → RDS on a new snapshot and removes a stale cluster only after the routes', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: CDS, node: { id: 'envoy-5' } });
    c.ack(await c.next());
    c.send({ typeUrl: EDS, names: ['cluster_a', 'cluster_b', 'cluster_lr'] });
    c.ack(await c.next(), ['cluster_a', 'cluster_b', 'cluster_lr']);
    c.send({ typeUrl: LDS });
    c.ack(await c.next());
    c.send({ typeUrl: RDS, names: ['listener-8080'] });
    c.ack(await c.next(), ['listener-8080']);
    await c.expectQuiet();

    // cluster_b disappears, the root route moves to cluster_a, cluster_a's endpoint changes.
    await server.apply(gatewayIR({ rootCluster: 'cluster_a', endpointPort: 8080, apiTarget: '/v2/' }));
    const seen = [await c.next(), await c.next(), await c.next(), await c.next()];
    expect(seen.map((r) => r.typeUrl)).toEqual([CDS, EDS, RDS, CDS]);
    expect(seen[0]?.names.sort()).toEqual(['cluster_a', 'cluster_b', 'cluster_lr']);
    expect(seen[1]?.names).toEqual(['cluster_a']);
    expect(seen[3]?.names.sort()).toEqual(['cluster_a', 'cluster_lr']);
  });

  it('answers a reconnecting client whose first request carries a nonce from its previous stream', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: CDS, versionInfo: 'old-version', nonce: '42', node: { id: 'envoy-reconnect' } });
    const r = await c.next();
    expect(r.names.sort()).toEqual(['cluster_a', 'cluster_b', 'cluster_lr']);
  });

  it('re-sends names that are newly requested and treats an empty list after names as unsubscribe-all', async () => {
    await server.apply(gatewayIR());
    const c = sotw();
    c.send({ typeUrl: EDS, names: ['cluster_a'], node: { id: 'grpc-3' } });
    const r1 = await c.next();
    expect(r1.names).toEqual(['cluster_a']);
    c.send({ typeUrl: EDS, names: [], versionInfo: r1.versionInfo, nonce: r1.nonce });
    await c.expectQuiet();
    c.send({ typeUrl: EDS, names: ['cluster_a'], versionInfo: r1.versionInfo, nonce: r1.nonce });
    const r2 = await c.next();
    expect(r2.names).toEqual(['cluster_a']);
    expect(r2.nonce).not.toBe(r1.nonce);
  });
});

describe('ADS Delta protocol', () => {
  it('sends only the changed resource when one route changes', async () => {
    await server.apply(gatewayIR());
    const c = delta();
    c.send({ typeUrl: CDS, node: { id: 'envoy-d1' } });
    const cds = await c.next();
    expect(cds.resources.map((r) => r.name).sort()).toEqual(['cluster_a', 'cluster_b', 'cluster_lr']);
    expect(cds.resources.every((r) => /^[0-9a-f]{16}$/.test(r.version))).toBe(true);
    c.ack(cds);
    c.send({ typeUrl: RDS, subscribe: ['listener-8080', 'grpc/svc.example'] });
    const rds = await c.next();
    expect(rds.resources.map((r) => r.name).sort()).toEqual(['grpc/svc.example', 'listener-8080']);
    c.ack(rds);
    await c.expectQuiet();
    await server.apply(gatewayIR({ apiTarget: '/api/v2/' }));
    const changed = await c.next();
    expect(changed.typeUrl).toBe(RDS);
    expect(changed.resources.map((r) => r.name).sort()).toEqual(['grpc/svc.example', 'listener-8080']);
    c.ack(changed);
    await server.apply(gatewayIR({ apiTarget: '/api/v2/', endpointPort: 90 }));
    await c.expectQuiet();
  });

  it('answers missing and unsubscribed names with removals, and re-sends under a wildcard', async () => {
    await server.apply(gatewayIR());
    const c = delta();
    c.send({ typeUrl: EDS, subscribe: ['cluster_a', 'nope'], node: { id: 'envoy-d2' } });
    const r1 = await c.next();
    expect(r1.resources.map((r) => r.name)).toEqual(['cluster_a']);
    expect(r1.removed).toEqual(['nope']);
    c.ack(r1);
    c.send({ typeUrl: EDS, unsubscribe: ['cluster_a'] });
    const r2 = await c.next();
    expect(r2.resources).toEqual([]);
    expect(r2.removed).toEqual(['cluster_a']);
    c.ack(r2);

    c.send({ typeUrl: CDS, subscribe: ['*', 'cluster_lr/grpc'] });
    const r3 = await c.next();
    expect(r3.resources.map((r) => r.name).sort()).toEqual([
      'cluster_a',
      'cluster_b',
      'cluster_lr',
      'cluster_lr/grpc',
    ]);
    c.ack(r3);
    c.send({ typeUrl: CDS, unsubscribe: ['cluster_lr/grpc', 'cluster_a'] });
    const r4 = await c.next();
    expect(r4.resources.map((r) => r.name)).toEqual(['cluster_a']);
    expect(r4.removed).toEqual(['cluster_lr/grpc']);
  });

  it('uses initial_resource_versions on reconnect to send only what changed', async () => {
    await server.apply(gatewayIR());
    const c1 = delta();
    c1.send({ typeUrl: EDS, subscribe: ['cluster_a', 'cluster_b'], node: { id: 'envoy-d3' } });
    const r1 = await c1.next();
    const held = Object.fromEntries(r1.resources.map((r) => [r.name, r.version]));
    c1.close();
    await server.apply(gatewayIR({ endpointPort: 99 }));
    const c2 = delta();
    c2.send({ typeUrl: EDS, subscribe: ['cluster_a', 'cluster_b'], initial: held, node: { id: 'envoy-d3' } });
    const r2 = await c2.next();
    expect(r2.resources.map((r) => r.name)).toEqual(['cluster_a']);
    expect(r2.removed).toEqual([]);
  });

  it('honours subscription changes on a stale nonce', async () => {
    await server.apply(gatewayIR());
    const c = delta();
    c.send({ typeUrl: EDS, subscribe: ['cluster_a'], node: { id: 'envoy-d4' } });
    const r1 = await c.next();
    c.ack(r1);
    c.send({ typeUrl: EDS, subscribe: ['cluster_b'], nonce: 'stale-nonce' });
    const r2 = await c.next();
    expect(r2.resources.map((r) => r.name)).toEqual(['cluster_b']);
  });

  it('reports a NACK, rolls back, and does not re-push the rejected version', async () => {
    await server.apply(gatewayIR());
    const c = delta();
    c.send({ typeUrl: EDS, subscribe: ['cluster_a', 'cluster_b'], node: { id: 'envoy-d5' } });
    c.ack(await c.next());
    await server.apply(gatewayIR({ endpointPort: 81 }));
    const bad = await c.next();
    expect(bad.resources.map((r) => r.name)).toEqual(['cluster_a']);
    c.send({ typeUrl: EDS, nonce: bad.nonce, error: { code: 13, message: 'endpoints[0]: rejected' } });
    await c.expectQuiet();
    expect(nacks).toEqual([
      expect.objectContaining({
        nodeId: 'envoy-d5',
        flavor: 'delta',
        kind: 'endpoint',
        rejectedVersion: bad.systemVersionInfo,
        message: 'endpoints[0]: rejected',
      }),
    ]);
    // Another change elsewhere in EDS: only that resource travels, not the rejected one again.
    await server.apply(gatewayIR({ endpointPort: 81, rootCluster: 'cluster_b', apiTarget: '/x/' }));
    await c.expectQuiet();
    await server.apply(gatewayIR({ endpointPort: 82 }));
    const fixed = await c.next();
    expect(fixed.resources.map((r) => r.name)).toEqual(['cluster_a']);
  });
});

describe('AdsServer as a ConfigSink', () => {
  it('keeps the last good snapshot when an IR cannot be served and says why', async () => {
    const good = await server.apply(gatewayIR());
    expect(good.accepted).toBe(true);
    const broken = gatewayIR();
    const firstCluster = broken.clusters[0];
    if (!firstCluster) throw new Error('fixture has clusters');
    firstCluster.healthChecks = [
      { timeoutMs: 0, intervalMs: 0, unhealthyThreshold: 1, healthyThreshold: 1, check: { kind: 'tcp' } },
    ];
    const result = await server.apply({ ...broken, version: 'broken-version' });
    expect(result.accepted).toBe(false);
    expect(result.version).toBe(good.version);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({
        resource: { kind: 'Cluster', namespace: '', name: 'cluster_a' },
        path: 'health_checks[0].timeout',
        severity: 'error',
      }),
    ]);
    expect(server.metrics().appliesRejected).toBeGreaterThan(0);
  });
});

describe('large responses', () => {
  it('splits Route/Endpoint responses under maxResponseBytes; only the newest chunk ACK counts', async () => {
    const small = new AdsServer({ logger: quietLogger, maxResponseBytes: 400 });
    const { port: smallPort } = await small.listen('127.0.0.1:0');
    try {
      const clustersList = Array.from({ length: 6 }, (_, i) =>
        cluster(`cluster_${i}`, {
          discovery: {
            kind: 'static',
            endpoints: Array.from({ length: 4 }, (_, j) => endpoint(`10.0.${i}.${j + 1}`, 8080)),
          },
        }),
      );
      const ir = createIR({
        listeners: [
          httpListener(8080, [
            vhost(
              'listener-8080/*',
              ['*'],
              [
                route(
                  'default/root',
                  prefix('/'),
                  forward(clustersList.map((c) => [c.name, 1] as [string, number])),
                ),
              ],
            ),
          ]),
        ],
        clusters: clustersList,
      });
      expect((await small.apply(ir)).accepted).toBe(true);
      const c = new SotwClient(smallPort);
      clients.push(c);
      const names = clustersList.map((x) => x.name);
      c.send({ typeUrl: EDS, names, node: { id: 'big' } });
      const chunks = [await c.next()];
      while (chunks.flatMap((r) => r.names).length < names.length) chunks.push(await c.next());
      expect(chunks.length).toBeGreaterThan(1);
      expect(new Set(chunks.map((r) => r.versionInfo)).size).toBe(1);
      expect(new Set(chunks.map((r) => r.nonce)).size).toBe(chunks.length);
      expect(chunks.flatMap((r) => r.names).sort()).toEqual(names.sort());
      const acks: string[] = [];
      small.on('ack', (e) => acks.push(e.nonce));
      for (const r of chunks) c.ack(r, names);
      await c.expectQuiet();
      expect(acks).toEqual([chunks[chunks.length - 1]?.nonce]);
    } finally {
      await small.close();
    }
  });
});
