import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { IRExtAuthz, IRRoute } from '@gateway/core';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationService } from '../../src/filters/envoy-grpc.js';
import { createExtAuthzFilterFactory } from '../../src/filters/ext-authz.js';
import type { HttpFilter } from '../../src/filters/types.js';
import {
  closeServer,
  freePort,
  listen,
  makeCtx,
  makeDeps,
  makeIR,
  makeRoute,
  SOURCE,
  sleep,
} from './helpers.js';

interface SeenHttp {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const seenHttp: SeenHttp[] = [];
let httpAuth: Server;
let httpPort = 0;

// biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
const seenGrpc: any[] = [];
let grpcServer: grpc.Server;
let grpcPort = 0;
let deadPort = 0;

beforeAll(async () => {
  httpAuth = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      seenHttp.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = req.url ?? '';
      if (url.startsWith('/auth/allow')) {
        res.writeHead(200, { 'x-auth-user': 'alice', 'x-other': 'not-copied' }).end();
      } else if (url.startsWith('/auth/deny')) {
        res
          .writeHead(401, {
            'www-authenticate': 'Basic realm="x"',
            'set-cookie': 'a=b',
            'content-type': 'text/plain',
          })
          .end('go away');
      } else if (url.startsWith('/auth/created')) {
        res.writeHead(201, { 'x-why': 'only 200 is OK' }).end('created');
      } else if (url.startsWith('/auth/error')) {
        res.writeHead(500).end('boom');
      } else if (url.startsWith('/auth/slow')) {
        await sleep(1500);
        res.writeHead(200).end();
      } else if (url.startsWith('/auth/body')) {
        res.writeHead(body.includes('ok') ? 200 : 403).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  httpPort = await listen(httpAuth);

  grpcServer = new grpc.Server();
  grpcServer.addService(authorizationService().service, {
    // biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
    Check: async (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      seenGrpc.push(call.request);
      const path: string = call.request.attributes.request.http.path;
      if (path.startsWith('/grpc-allow')) {
        cb(null, {
          status: { code: 0 },
          ok_response: {
            headers: [
              { header: { key: 'x-user', value: 'bob' } },
              { header: { key: 'x-append', value: 'b' }, append: { value: true } },
              { header: { key: 'x-if-absent', value: 'new' }, append_action: 'ADD_IF_ABSENT' },
            ],
            headers_to_remove: ['x-remove-me'],
            response_headers_to_add: [{ header: { key: 'x-resp', value: '1' } }],
          },
        });
      } else if (path.startsWith('/grpc-deny-plain')) {
        cb(null, { status: { code: 7 } });
      } else if (path.startsWith('/grpc-deny')) {
        cb(null, {
          status: { code: 16 },
          denied_response: {
            status: { code: 'Unauthorized' },
            headers: [{ header: { key: 'www-authenticate', value: 'Basic' } }],
            body: 'nope',
          },
        });
      } else if (path.startsWith('/grpc-slow')) {
        await sleep(1000);
        cb(null, { status: { code: 0 } });
      } else {
        cb({ code: grpc.status.INTERNAL, details: 'unexpected path' });
      }
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  deadPort = await freePort();
});

const filters: HttpFilter[] = [];
afterAll(async () => {
  await Promise.all(filters.map((f) => f.close?.()));
  await closeServer(httpAuth);
  await new Promise<void>((r) => grpcServer.tryShutdown(() => r()));
});

function authz(overrides: Partial<IRExtAuthz> = {}): IRExtAuthz {
  return {
    source: SOURCE,
    protocol: 'http',
    cluster: 'auth',
    pathPrefix: '/auth',
    timeoutMs: 1000,
    allowedRequestHeaders: [],
    allowedAuthorizationHeaders: ['x-auth-user'],
    addAuthHeaders: { 'x-gateway': 'gw-1' },
    failureModeAllow: false,
    statusOnError: 403,
    ...overrides,
  };
}

function setup(cfg: IRExtAuthz, route: IRRoute = makeRoute()) {
  const ir = makeIR({ extAuthz: cfg }, [route]);
  const deps = makeDeps({ auth: cfg.protocol === 'grpc' ? grpcPort : httpPort, dead: deadPort });
  const filter = createExtAuthzFilterFactory()(ir, deps)!;
  filters.push(filter);
  return {
    deps,
    async run(init: Parameters<typeof makeCtx>[2] = {}, r = route) {
      const ctx = makeCtx(ir, r, init);
      return { out: await filter.onRequest(ctx), ctx };
    },
  };
}

describe('ext_authz HTTP mode', () => {
  it('is not built without an AuthService', () => {
    expect(createExtAuthzFilterFactory()(makeIR({}, [makeRoute()]), makeDeps({}))).toBeUndefined();
  });

  it('sends method, prefixed path, allowed headers and x-forwarded-*; 200 copies allowed headers upstream', async () => {
    const s = setup(authz());
    const { out, ctx } = await s.run({
      method: 'PUT',
      path: '/allow/x',
      query: 'q=1',
      authority: 'api.example.com',
      remoteAddress: '203.0.113.5',
      headers: { authorization: 'Bearer t', cookie: 'c=1', 'x-secret': 'no', 'user-agent': 'ua' },
    });
    expect(out).toEqual({ kind: 'continue' });
    expect(Object.fromEntries(ctx.upstreamHeaders)).toEqual({ 'x-auth-user': 'alice' });
    const seen = seenHttp.at(-1)!;
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/auth/allow/x?q=1');
    expect(seen.headers).toMatchObject({
      host: 'api.example.com',
      authorization: 'Bearer t',
      cookie: 'c=1',
      'user-agent': 'ua',
      'x-forwarded-for': '203.0.113.5',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'api.example.com',
      'x-gateway': 'gw-1',
    });
    expect(seen.headers['x-secret']).toBeUndefined();
  });

  it('sends only the configured headers (plus the always-sent ones) when a list is given', async () => {
    const s = setup(authz({ allowedRequestHeaders: ['x-tenant'] }));
    await s.run({ path: '/allow', headers: { 'x-tenant': 't1', cookie: 'c=1', authorization: 'a' } });
    const seen = seenHttp.at(-1)!;
    expect(seen.headers['x-tenant']).toBe('t1');
    expect(seen.headers.authorization).toBe('a');
    expect(seen.headers.cookie).toBeUndefined();
  });

  it('returns any other status to the client as the auth service sent it', async () => {
    const s = setup(authz());
    const { out } = await s.run({ path: '/deny' });
    expect(out).toMatchObject({
      kind: 'respond',
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="x"', 'set-cookie': 'a=b', 'content-type': 'text/plain' },
    });
    expect(String((out as { body: Buffer }).body)).toBe('go away');
    const created = await s.run({ path: '/created' });
    expect(created.out).toMatchObject({ status: 201, headers: { 'x-why': 'only 200 is OK' } });
    const error = await s.run({ path: '/error' });
    expect(error.out).toMatchObject({ status: 500 });
    expect(String((error.out as { body: Buffer }).body)).toBe('boom');
  });

  it('times out into statusOnError (fail closed)', async () => {
    const s = setup(authz({ timeoutMs: 100, statusOnError: 503 }));
    const { out, ctx } = await s.run({ path: '/slow' });
    expect(out).toMatchObject({ kind: 'respond', status: 503, reason: 'ext-authz-error' });
    expect(ctx.upstreamHeaders.size).toBe(0);
    expect(s.deps.logs.some((l) => l.level === 'warn')).toBe(true);
  });

  it('times out into a pass with failureModeAllow', async () => {
    const s = setup(authz({ timeoutMs: 100, failureModeAllow: true }));
    const { out, ctx } = await s.run({ path: '/slow' });
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.upstreamHeaders.get('x-envoy-auth-failure-mode-allowed')).toBe('true');
  });

  it('fails closed with 403 by default when the auth service is unreachable', async () => {
    const s = setup(authz({ cluster: 'dead' }));
    expect((await s.run({ path: '/allow' })).out).toMatchObject({ kind: 'respond', status: 403 });
    const none = setup(authz({ cluster: 'no-such-cluster' }));
    expect((await none.run({ path: '/allow' })).out).toMatchObject({ kind: 'respond', status: 403 });
  });

  it('skips the check on bypassExtAuthz routes', async () => {
    const route = makeRoute({
      auth: { bypassExtAuthz: true, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
    });
    const s = setup(authz({ cluster: 'dead' }), route);
    expect((await s.run({ path: '/deny' })).out).toEqual({ kind: 'continue' });
  });

  it('includes the body, bounded: 413 when too large unless partial bodies are allowed', async () => {
    const s = setup(authz({ includeBody: { maxBytes: 8, allowPartial: false } }));
    expect((await s.run({ method: 'POST', path: '/body', body: 'ok' })).out).toEqual({ kind: 'continue' });
    expect(seenHttp.at(-1)!.body).toBe('ok');
    expect((await s.run({ method: 'POST', path: '/body', body: 'no' })).out).toMatchObject({ status: 403 });
    expect((await s.run({ method: 'POST', path: '/body', body: 'ok but far too long' })).out).toMatchObject({
      status: 413,
    });
    const partial = setup(authz({ includeBody: { maxBytes: 8, allowPartial: true } }));
    expect((await partial.run({ method: 'POST', path: '/body', body: 'ok but far too long' })).out).toEqual({
      kind: 'continue',
    });
    expect(seenHttp.at(-1)!.body).toBe('ok but f');
    expect(seenHttp.at(-1)!.headers['x-envoy-auth-partial-body']).toBe('true');
  });
});

describe('ext_authz gRPC mode (envoy.service.auth.v3.Authorization/Check)', () => {
  const route = makeRoute({
    auth: {
      bypassExtAuthz: false,
      contextExtensions: { tenant: 't1', zone: 'a' },
      jwtProviders: [],
      jwtOptional: false,
    },
  });

  it('sends an AttributeContext and applies OkHttpResponse', async () => {
    const s = setup(authz({ protocol: 'grpc', includeBody: { maxBytes: 100, allowPartial: false } }), route);
    const { out, ctx } = await s.run({
      method: 'POST',
      path: '/grpc-allow/x',
      query: 'a=b',
      authority: 'api.example.com',
      remoteAddress: '198.51.100.4',
      headers: { 'x-append': 'a', 'x-if-absent': 'old', 'x-remove-me': '1', 'x-request-id': 'rid-1' },
      body: 'payload',
    });
    expect(out).toEqual({ kind: 'continue' });
    expect(ctx.upstreamHeaders.get('x-user')).toBe('bob');
    expect(ctx.upstreamHeaders.get('x-append')).toBe('a,b');
    expect(ctx.upstreamHeaders.has('x-if-absent')).toBe(false);
    expect(ctx.upstreamHeadersToRemove.has('x-remove-me')).toBe(true);
    expect(ctx.responseHeaders.get('x-resp')).toBe('1');
    const req = seenGrpc.at(-1);
    expect(req.attributes.context_extensions).toEqual({ tenant: 't1', zone: 'a' });
    expect(req.attributes.source.address.socket_address.address).toBe('198.51.100.4');
    expect(req.attributes.request.http).toMatchObject({
      id: 'rid-1',
      method: 'POST',
      path: '/grpc-allow/x?a=b',
      host: 'api.example.com',
      scheme: 'http',
      query: 'a=b',
      body: 'payload',
    });
    expect(req.attributes.request.http.headers).toMatchObject({ ':method': 'POST', 'x-gateway': 'gw-1' });
  });

  it('returns DeniedHttpResponse status, headers and body', async () => {
    const s = setup(authz({ protocol: 'grpc' }), route);
    const { out } = await s.run({ path: '/grpc-deny' });
    expect(out).toMatchObject({
      kind: 'respond',
      status: 401,
      headers: { 'www-authenticate': 'Basic' },
      body: 'nope',
    });
    expect((await s.run({ path: '/grpc-deny-plain' })).out).toMatchObject({ kind: 'respond', status: 403 });
  });

  it('applies the deadline and the failure mode', async () => {
    const closed = setup(authz({ protocol: 'grpc', timeoutMs: 100, statusOnError: 504 }), route);
    expect((await closed.run({ path: '/grpc-slow' })).out).toMatchObject({ status: 504 });
    const open = setup(authz({ protocol: 'grpc', timeoutMs: 100, failureModeAllow: true }), route);
    expect((await open.run({ path: '/grpc-slow' })).out).toEqual({ kind: 'continue' });
    const dead = setup(authz({ protocol: 'grpc', cluster: 'dead' }), route);
    expect((await dead.run({ path: '/grpc-allow' })).out).toMatchObject({ status: 403 });
  });
});
