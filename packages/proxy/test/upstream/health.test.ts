import type { IRHealthCheck } from '@gateway/core';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGrpcHealthStatus, encodeGrpcHealthRequest } from '../../src/upstream/health-check.js';
import { createClusterManager } from '../../src/upstream/index.js';
import { call, closedPort, cluster, endpoint, ir, startHttp, type TestServer, waitFor } from './helpers.js';

const fast = { timeoutMs: 500, intervalMs: 40, unhealthyThreshold: 2, healthyThreshold: 2 };

function endpointHealth(cm: ReturnType<typeof createClusterManager>, name: string, port: number) {
  return cm
    .stats()
    .find((c) => c.name === name)!
    .endpoints.find((e) => e.address === `127.0.0.1:${port}`)!;
}

describe('gRPC health messages (unit)', () => {
  it('encodes the request and decodes the serving status', () => {
    expect([...encodeGrpcHealthRequest(undefined)]).toEqual([0, 0, 0, 0, 0]);
    expect([...encodeGrpcHealthRequest('a.B')]).toEqual([0, 0, 0, 0, 5, 0x0a, 3, 0x61, 0x2e, 0x42]);
    expect(decodeGrpcHealthStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]))).toBe(1);
    expect(decodeGrpcHealthStatus(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
    expect(decodeGrpcHealthStatus(Buffer.from([0, 0, 0, 0, 9]))).toBe(-1);
  });
});

describe('active health checks', () => {
  let toggled: TestServer;
  let steady: TestServer;
  let healthy = true;

  beforeAll(async () => {
    toggled = await startHttp((req, res) => {
      if (req.url === '/healthz') {
        res.statusCode = healthy ? 200 : 503;
        res.end();
      } else res.end('toggled');
    });
    steady = await startHttp((_req, res) => res.end('steady'));
  });
  afterAll(async () => {
    await toggled.close();
    await steady.close();
  });

  it('HTTP checks take an endpoint out and put it back', async () => {
    const cm = createClusterManager();
    const changes: string[] = [];
    cm.on('health-changed', (_c, d) => changes.push(d));
    const check: IRHealthCheck = {
      ...fast,
      check: { kind: 'http', path: '/healthz', host: 'health.test', expectedStatuses: [[200, 300]] },
    };
    cm.update(
      ir([cluster('hc', [endpoint(toggled.port), endpoint(steady.port)], { healthChecks: [check] })]),
    );

    healthy = false;
    await waitFor(() => !endpointHealth(cm, 'hc', toggled.port).healthy, 10_000, 'endpoint marked unhealthy');
    for (let i = 0; i < 6; i++) expect((await call(cm, 'hc')).body).toBe('steady');
    expect(changes.some((c) => c.includes(`127.0.0.1:${toggled.port} unhealthy`))).toBe(true);

    healthy = true;
    await waitFor(() => endpointHealth(cm, 'hc', toggled.port).healthy, 10_000, 'endpoint healthy again');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await call(cm, 'hc')).body);
    expect(seen).toEqual(new Set(['toggled', 'steady']));
    await cm.close();
  });

  it('TCP checks mark a dead endpoint unhealthy, and a cluster of dead endpoints fails fast', async () => {
    const cm = createClusterManager();
    const dead = await closedPort();
    cm.update(
      ir([cluster('tcp', [endpoint(dead)], { healthChecks: [{ ...fast, check: { kind: 'tcp' } }] })]),
    );
    await waitFor(() => !endpointHealth(cm, 'tcp', dead).healthy, 10_000, 'dead endpoint unhealthy');
    const a = await call(cm, 'tcp');
    expect(a).toMatchObject({ kind: 'failure', reason: 'no-healthy-endpoint', status: 503 });
    expect(a.message).toContain('1 unhealthy');
    await cm.close();
  });

  it('keeps health state across an update that leaves the checks unchanged', async () => {
    const cm = createClusterManager();
    const check: IRHealthCheck = {
      ...fast,
      intervalMs: 60_000, // after the first probe nothing runs again during this test
      unhealthyThreshold: 1,
      check: { kind: 'http', path: '/healthz', expectedStatuses: [] },
    };
    healthy = false;
    cm.update(
      ir([cluster('carry', [endpoint(toggled.port), endpoint(steady.port)], { healthChecks: [check] })]),
    );
    await waitFor(() => !endpointHealth(cm, 'carry', toggled.port).healthy, 10_000, 'unhealthy');
    healthy = true;
    // A weight change replaces the cluster; the toggled endpoint must stay out until re-checked.
    cm.update(
      ir([cluster('carry', [endpoint(toggled.port), endpoint(steady.port, 2)], { healthChecks: [check] })]),
    );
    expect(endpointHealth(cm, 'carry', toggled.port).healthy).toBe(false);
    await cm.close();
  });
});

describe('gRPC health checks', () => {
  let server: grpc.Server;
  let port: number;
  let serving = 1;

  beforeAll(async () => {
    server = new grpc.Server();
    const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
    server.addService(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          requestSerialize: raw.serialize,
          requestDeserialize: raw.deserialize,
          responseSerialize: raw.serialize,
          responseDeserialize: raw.deserialize,
        },
      },
      {
        Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
          cb(null, Buffer.from([0x08, serving])),
      },
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
  });
  afterAll(() => server.forceShutdown());

  it('follows the serving status of grpc.health.v1', async () => {
    const cm = createClusterManager();
    cm.update(
      ir([
        cluster('grpc-hc', [endpoint(port)], {
          protocol: 'http2',
          healthChecks: [{ ...fast, check: { kind: 'grpc', serviceName: 'test.Echo' } }],
        }),
      ]),
    );
    serving = 2; // NOT_SERVING
    await waitFor(() => !endpointHealth(cm, 'grpc-hc', port).healthy, 10_000, 'not serving');
    serving = 1;
    await waitFor(() => endpointHealth(cm, 'grpc-hc', port).healthy, 10_000, 'serving again');
    await cm.close();
  });
});

describe('outlier detection', () => {
  let bad: TestServer;
  let bad2: TestServer;
  let good: TestServer;
  beforeAll(async () => {
    const failing = (name: string) =>
      startHttp((_req, res) => {
        res.statusCode = 503;
        res.end(name);
      });
    bad = await failing('bad');
    bad2 = await failing('bad2');
    good = await startHttp((_req, res) => res.end('good'));
  });
  afterAll(async () => {
    await Promise.all([bad.close(), bad2.close(), good.close()]);
  });

  it('ejects after consecutive 5xx and returns the endpoint after the ejection time', async () => {
    const cm = createClusterManager();
    const events: string[] = [];
    cm.on('ejected', (_c, d) => events.push(`ejected ${d}`));
    cm.on('unejected', (_c, d) => events.push(`unejected ${d}`));
    cm.update(
      ir([
        cluster('od', [endpoint(bad.port), endpoint(good.port)], {
          outlierDetection: {
            consecutive5xx: 3,
            consecutiveGatewayFailure: 0,
            intervalMs: 1_000,
            baseEjectionTimeMs: 300,
            maxEjectionPercent: 50,
          },
        }),
      ]),
    );
    let badAnswers = 0;
    for (let i = 0; i < 20 && !endpointHealth(cm, 'od', bad.port).ejected; i++) {
      if ((await call(cm, 'od')).body === 'bad') badAnswers++;
    }
    expect(badAnswers).toBe(3);
    expect(endpointHealth(cm, 'od', bad.port).ejected).toBe(true);
    expect(events[0]).toContain(`127.0.0.1:${bad.port} ejected for 300 ms: 3 consecutive 5xx`);
    for (let i = 0; i < 6; i++) expect((await call(cm, 'od')).body).toBe('good');

    await waitFor(() => !endpointHealth(cm, 'od', bad.port).ejected, 10_000, 'un-ejection');
    expect(events.some((e) => e.startsWith('unejected'))).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await call(cm, 'od')).body);
    expect(seen.has('bad')).toBe(true);
    await cm.close();
  });

  it('counts connect failures as gateway failures and respects maxEjectionPercent', async () => {
    const cm = createClusterManager();
    const dead = await closedPort();
    cm.update(
      ir([
        cluster('od2', [endpoint(dead), endpoint(bad2.port), endpoint(good.port)], {
          lbPolicy: 'round_robin',
          outlierDetection: {
            consecutive5xx: 0,
            consecutiveGatewayFailure: 2,
            intervalMs: 1_000,
            baseEjectionTimeMs: 60_000,
            maxEjectionPercent: 34,
          },
        }),
      ]),
    );
    for (let i = 0; i < 15; i++) await call(cm, 'od2');
    const ejected = cm.stats()[0]!.endpoints.filter((e) => e.ejected);
    // Both failing endpoints qualify, but only one of three (33%) may be ejected at a time.
    expect(ejected).toHaveLength(1);
    expect(endpointHealth(cm, 'od2', good.port).ejected).toBe(false);
    await cm.close();
  });
});
