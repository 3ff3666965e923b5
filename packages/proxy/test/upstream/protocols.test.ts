import { once } from 'node:events';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterManager } from '../../src/upstream/index.js';
import { call, cluster, endpoint, get, ir, policy, startHttp, type TestServer } from './helpers.js';

/** One gRPC message frame (uncompressed). */
function grpcFrame(payload: Buffer): Buffer {
  const f = Buffer.alloc(5 + payload.length);
  f.writeUInt32BE(payload.length, 1);
  payload.copy(f, 5);
  return f;
}

function grpcRequest(path: string, payload: string) {
  return get(path, {
    method: 'POST',
    headers: { host: 'echo.test', 'content-type': 'application/grpc', te: 'trailers' },
    bodyBuffer: grpcFrame(Buffer.from(payload)),
  });
}

describe('HTTP/1.1 keep-alive', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHttp((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('reuses one upstream connection for sequential requests', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('ka', [endpoint(server.port)])]));
    for (let i = 0; i < 20; i++) expect((await call(cm, 'ka')).body).toBe('ok');
    expect(server.requests).toBe(20);
    // undici validates an idle socket for one event-loop turn before reusing it, so a request sent
    // during that turn may open a second connection; after that the pool is warm.
    const warm = server.connections;
    expect(warm).toBeLessThanOrEqual(2);
    for (let i = 0; i < 20; i++) expect((await call(cm, 'ka')).body).toBe('ok');
    expect(server.connections).toBe(warm);
    await cm.close();
  });

  it('streams a large body with backpressure and reports the endpoint', async () => {
    const big = await startHttp((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const write = () => {
        while (sent < 64) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('big', [endpoint(big.port)])]));
    const res = await cm.request('big', get(), policy());
    expect(res.kind).toBe('response');
    if (res.kind !== 'response') return;
    expect(res.endpoint).toBe(`127.0.0.1:${big.port}`);
    // Read slowly: the upstream must be paused rather than buffered without bound.
    let bytes = 0;
    await new Promise((r) => setTimeout(r, 50));
    expect(res.body.readableLength).toBeLessThanOrEqual(256 * 1024);
    for await (const c of res.body) bytes += (c as Buffer).length;
    expect(bytes).toBe(64 * 64 * 1024);
    await cm.close();
    await big.close();
  });

  it('aborts the upstream request when the downstream destroys the body', async () => {
    let upstreamClosed = false;
    const endless = await startHttp((_req, res) => {
      res.on('close', () => {
        upstreamClosed = true;
      });
      const timer = setInterval(() => res.write('tick\n'), 5);
      res.on('close', () => clearInterval(timer));
    });
    const cm = createClusterManager();
    cm.update(ir([cluster('endless', [endpoint(endless.port)])]));
    const res = await cm.request('endless', get(), policy({ timeoutMs: 0 }));
    expect(res.kind).toBe('response');
    if (res.kind !== 'response') return;
    res.body.destroy();
    const start = Date.now();
    while (!upstreamClosed && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 10));
    expect(upstreamClosed).toBe(true);
    expect(cm.stats()[0]!.circuitBreaker.activeRequests).toBe(0);
    expect(cm.stats()[0]!.endpoints[0]!.activeRequests).toBe(0);
    await cm.close();
    await endless.close();
  });

  it('aborts via the policy signal', async () => {
    const silent = await startHttp(() => {});
    const cm = createClusterManager();
    cm.update(ir([cluster('sig', [endpoint(silent.port)])]));
    const ac = new AbortController();
    const pending = cm.request('sig', get(), policy({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    const res = await pending;
    expect(res.kind).toBe('failure');
    if (res.kind === 'failure') expect(res.reason).toBe('reset');
    await cm.close();
    await silent.close();
  });
});

describe('HTTP/2 upstreams', () => {
  let h2: Http2Server;
  let h2Port: number;
  let sessions = 0;
  let grpcServer: grpc.Server;
  let grpcPort: number;

  beforeAll(async () => {
    h2 = createH2Server();
    h2.on('session', () => sessions++);
    h2.on('stream', (stream, headers) => {
      const path = headers[':path'];
      if (path === '/trailers-only') {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-checksum': 'abc' }));
      stream.end(`h2 ${headers[':method']} ${path} te=${headers.te ?? ''}`);
    });
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    h2Port = (h2.address() as AddressInfo).port;

    grpcServer = new grpc.Server();
    const passthrough = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
    grpcServer.addService(
      {
        Say: {
          path: '/test.Echo/Say',
          requestStream: false,
          responseStream: false,
          requestSerialize: passthrough.serialize,
          requestDeserialize: passthrough.deserialize,
          responseSerialize: passthrough.serialize,
          responseDeserialize: passthrough.deserialize,
        },
      },
      {
        Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
          const text = call.request.toString();
          if (text === 'missing') cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
          else cb(null, Buffer.from(`echo:${text}`));
        },
      },
    );
    grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  });

  afterAll(async () => {
    grpcServer.forceShutdown();
    await new Promise<void>((r) => h2.close(() => r()));
  });

  it('speaks h2c to an http2 cluster, multiplexing concurrent requests on one session, and relays trailers', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('h2', [endpoint(h2Port)], { protocol: 'http2' })]));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(cm, 'h2', get(`/r${i}`, { headers: { host: 'h2.test', te: 'trailers' } })),
      ),
    );
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(a.body).toBe(`h2 GET /r${i} te=trailers`);
      expect(a.trailers).toEqual({ 'grpc-status': '0', 'x-checksum': 'abc' });
    });
    expect(sessions).toBe(1);
    await cm.close();
  });

  it('multiplexes streaming request bodies next to a long-lived stream on one session', async () => {
    const server = createH2Server();
    let serverSessions = 0;
    server.on('session', () => serverSessions++);
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 });
      if (headers[':path'] === '/watch') {
        stream.write('watching');
        return; // never ends on its own, like a gRPC watch
      }
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => stream.end(`got ${Buffer.concat(parts).toString()}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const cm = createClusterManager();
    cm.update(
      ir([cluster('mux', [endpoint((server.address() as AddressInfo).port)], { protocol: 'http2' })]),
    );
    const watchBody = new PassThrough();
    const watch = await cm.request(
      'mux',
      get('/watch', { method: 'POST', body: watchBody }),
      policy({ timeoutMs: 0 }),
    );
    expect(watch.kind).toBe('response');
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => {
        const body = new PassThrough();
        setTimeout(() => body.end(`part-${i}`), 5);
        return call(cm, 'mux', get('/upload', { method: 'POST', body }), policy({ idempotent: false }));
      }),
    );
    expect(answers.map((a) => a.body)).toEqual([0, 1, 2, 3, 4].map((i) => `got part-${i}`));
    expect(serverSessions).toBe(1);
    if (watch.kind === 'response') watch.body.destroy();
    watchBody.destroy();
    await cm.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('keeps grpc-status of a trailers-only response in the headers', async () => {
    const cm = createClusterManager();
    cm.update(ir([cluster('h2', [endpoint(h2Port)], { protocol: 'http2' })]));
    const a = await call(cm, 'h2', grpcRequest('/trailers-only', 'x'), policy({ grpc: true }));
    expect(a.status).toBe(200);
    expect(a.headers['grpc-status']).toBe('14');
    expect(a.trailers).toEqual({});
    await cm.close();
  });

  it('relays a gRPC unary call to a grpc-js server, with grpc-status in the trailers', async () => {
    const cm = createClusterManager();
    // An http1 cluster still reaches gRPC backends: gRPC requests get an h2c pool of their own.
    cm.update(ir([cluster('grpc', [endpoint(grpcPort)], { protocol: 'http1' })]));
    const ok = await cm.request('grpc', grpcRequest('/test.Echo/Say', 'hello'), policy({ grpc: true }));
    expect(ok.kind).toBe('response');
    if (ok.kind !== 'response') return;
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('application/grpc+proto');
    const chunks: Buffer[] = [];
    for await (const c of ok.body) chunks.push(c as Buffer);
    const frame = Buffer.concat(chunks);
    expect(frame.subarray(5).toString()).toBe('echo:hello');
    expect((await ok.trailers)['grpc-status']).toBe('0');

    const missing = await call(cm, 'grpc', grpcRequest('/test.Echo/Say', 'missing'), policy({ grpc: true }));
    const status = missing.trailers['grpc-status'] ?? missing.headers['grpc-status'];
    expect(status).toBe('5');
    // grpc-message is percent-encoded on the wire and relayed untouched.
    expect(missing.trailers['grpc-message'] ?? missing.headers['grpc-message']).toBe('no%20such%20thing');
    await cm.close();
  });

  it('retries a gRPC call on a retriable grpc-status from a trailers-only response', async () => {
    let calls = 0;
    const flaky = createH2Server();
    flaky.on('stream', (stream) => {
      calls++;
      if (calls < 3) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' },
          { endStream: true },
        );
      } else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(grpcFrame(Buffer.from('fine')));
      }
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    const cm = createClusterManager();
    cm.update(
      ir([cluster('flaky', [endpoint((flaky.address() as AddressInfo).port)], { protocol: 'http2' })]),
    );
    const retry = {
      retryOn: ['unavailable'],
      numRetries: 3,
      perTryTimeoutMs: 0,
      retriableStatusCodes: [],
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      retryNonIdempotent: true,
    };
    const a = await call(
      cm,
      'flaky',
      grpcRequest('/x.Y/Z', 'q'),
      policy({ grpc: true, idempotent: false, retry }),
    );
    expect(a.retries).toBe(2);
    expect(a.trailers['grpc-status']).toBe('0');
    expect(calls).toBe(3);
    await cm.close();
    await new Promise<void>((r) => flaky.close(() => r()));
  });
});
