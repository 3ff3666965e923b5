import type { IRRateLimitService, IRRoute } from '@gateway/core';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitService } from '../../src/filters/envoy-grpc.js';
import { createRateLimitFilterFactory } from '../../src/filters/ratelimit.js';
import type { HttpFilter } from '../../src/filters/types.js';
import { freePort, makeCtx, makeDeps, makeIR, makeRoute, SOURCE, sleep } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
const seen: any[] = [];
const counts = new Map<string, number>();
let server: grpc.Server;
let port = 0;
let deadPort = 0;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(rateLimitService().service, {
    // biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
    ShouldRateLimit: async (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const req = call.request;
      seen.push(req);
      const key = JSON.stringify(req.descriptors.map((d: { entries: unknown }) => d.entries));
      if (key.includes('"slow"')) await sleep(500);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      const over = n > 2;
      cb(null, {
        overall_code: over ? 'OVER_LIMIT' : 'OK',
        response_headers_to_add: [{ key: 'x-ratelimit-remaining', value: String(Math.max(0, 2 - n)) }],
        request_headers_to_add: over ? [] : [{ key: 'x-rl-checked', value: 'yes' }],
      });
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  deadPort = await freePort();
});

const filters: HttpFilter[] = [];
afterAll(async () => {
  await Promise.all(filters.map((f) => f.close?.()));
  await new Promise<void>((r) => server.tryShutdown(() => r()));
});

function svc(overrides: Partial<IRRateLimitService> = {}): IRRateLimitService {
  return {
    source: SOURCE,
    cluster: 'rls',
    domain: 'ambassador',
    timeoutMs: 200,
    failureModeDeny: false,
    useResourceExhaustedCode: false,
    ...overrides,
  };
}

function setup(service: IRRateLimitService, route: IRRoute) {
  const ir = makeIR({ rateLimitService: service }, [route]);
  const filter = createRateLimitFilterFactory({ localServiceCluster: 'gw-cluster' })(
    ir,
    makeDeps({ rls: port, dead: deadPort }),
  )!;
  filters.push(filter);
  return async (init: Parameters<typeof makeCtx>[2] = {}) => {
    const ctx = makeCtx(ir, route, init);
    return { out: await filter.onRequest(ctx), ctx };
  };
}

const limited = (tag: string, extra: Partial<IRRoute> = {}) =>
  makeRoute({
    name: `default/${tag}`,
    rateLimits: [
      {
        domain: 'ambassador',
        entries: [
          { kind: 'generic', key: 'generic_key', value: tag },
          { kind: 'source-cluster' },
          { kind: 'destination-cluster' },
          { kind: 'remote-address' },
          { kind: 'request-header', header: 'x-user', key: 'user', omitIfNotPresent: true },
        ],
      },
      { domain: 'other-domain', entries: [{ kind: 'generic', key: 'ignored', value: 'x' }] },
    ],
    ...extra,
  });

describe('global ratelimit (envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit)', () => {
  it('is not built without a RateLimitService', () => {
    expect(createRateLimitFilterFactory()(makeIR({}, [makeRoute()]), makeDeps({}))).toBeUndefined();
  });

  it('sends the route descriptors for the service domain and applies the answer', async () => {
    const run = setup(svc(), limited('a'));
    const first = await run({ remoteAddress: '10.0.0.7', headers: { 'x-user': 'u1' } });
    expect(first.out).toEqual({ kind: 'continue' });
    expect(first.ctx.responseHeaders.get('x-ratelimit-remaining')).toBe('1');
    expect(first.ctx.upstreamHeaders.get('x-rl-checked')).toBe('yes');
    expect(seen.at(-1)).toMatchObject({
      domain: 'ambassador',
      hits_addend: 1,
      descriptors: [
        {
          entries: [
            { key: 'generic_key', value: 'a' },
            { key: 'source_cluster', value: 'gw-cluster' },
            { key: 'destination_cluster', value: 'cluster_backend_default' },
            { key: 'remote_address', value: '10.0.0.7' },
            { key: 'user', value: 'u1' },
          ],
        },
      ],
    });
    expect(seen.at(-1).descriptors).toHaveLength(1);
    await run({ remoteAddress: '10.0.0.7', headers: { 'x-user': 'u1' } });
    const third = await run({ remoteAddress: '10.0.0.7', headers: { 'x-user': 'u1' } });
    expect(third.out).toMatchObject({
      kind: 'respond',
      status: 429,
      headers: { 'x-envoy-ratelimited': 'true', 'x-ratelimit-remaining': '0' },
    });
  });

  it('answers gRPC clients with UNAVAILABLE, or RESOURCE_EXHAUSTED when configured', async () => {
    const grpcReq = { remoteAddress: '10.0.0.8', headers: { 'content-type': 'application/grpc' } };
    const run = setup(svc(), limited('g1'));
    for (let i = 0; i < 2; i++) await run(grpcReq);
    expect((await run(grpcReq)).out).toMatchObject({
      kind: 'respond',
      status: 200,
      headers: { 'grpc-status': '14' },
    });
    const runRe = setup(svc({ useResourceExhaustedCode: true }), limited('g2'));
    for (let i = 0; i < 2; i++) await runRe(grpcReq);
    expect((await runRe(grpcReq)).out).toMatchObject({
      kind: 'respond',
      status: 200,
      headers: { 'grpc-status': '8' },
    });
  });

  it('makes no call for routes without descriptors in the domain', async () => {
    const before = seen.length;
    const run = setup(svc(), makeRoute());
    expect((await run()).out).toEqual({ kind: 'continue' });
    expect(seen.length).toBe(before);
  });

  it('lets requests through when the service fails, unless failureModeDeny (500)', async () => {
    const slow = limited('slow');
    expect((await setup(svc(), slow)()).out).toEqual({ kind: 'continue' });
    expect((await setup(svc({ failureModeDeny: true }), slow)()).out).toMatchObject({
      kind: 'respond',
      status: 500,
    });
    expect((await setup(svc({ cluster: 'dead', failureModeDeny: true }), limited('d'))()).out).toMatchObject({
      status: 500,
    });
    expect((await setup(svc({ cluster: 'dead' }), limited('d'))()).out).toEqual({ kind: 'continue' });
  });

  it('does not send a descriptor whose required header is absent', async () => {
    const route = makeRoute({
      name: 'default/hdr',
      rateLimits: [
        {
          domain: 'ambassador',
          entries: [{ kind: 'request-header', header: 'x-key', key: 'k', omitIfNotPresent: false }],
        },
      ],
    });
    const before = seen.length;
    const run = setup(svc(), route);
    expect((await run()).out).toEqual({ kind: 'continue' });
    expect(seen.length).toBe(before);
    await run({ headers: { 'x-key': 'v' } });
    expect(seen.at(-1).descriptors).toHaveLength(1);
    expect(seen.at(-1).descriptors[0].entries).toEqual([{ key: 'k', value: 'v' }]);
  });
});
