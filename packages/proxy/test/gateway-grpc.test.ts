import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { forward, makeIR, route, startGateway, staticCluster } from './support/gateway-helpers.js';

const PROTO = `
syntax = "proto3";
package gwtest;
message Msg { string text = 1; int32 count = 2; int32 delay_ms = 3; }
service Echo {
  rpc Unary (Msg) returns (Msg);
  rpc ServerStream (Msg) returns (stream Msg);
}
`;

type EchoClient = grpc.Client & {
  Unary(
    req: object,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { text: string }) => void,
  ): grpc.ClientUnaryCall;
  ServerStream(
    req: object,
    md?: grpc.Metadata,
    opts?: grpc.CallOptions,
  ): grpc.ClientReadableStream<{ text: string; count: number }>;
};

describe('gRPC end to end through the gateway (HTTP/2, trailers, statuses)', () => {
  let dir: string;
  let server: grpc.Server;
  let gateway: Gateway;
  let client: EchoClient;
  let deadPort: number;
  let EchoCtor: grpc.ServiceClientConstructor;
  let gatewayPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-grpc-'));
    writeFileSync(join(dir, 'echo.proto'), PROTO);
    const def = protoLoader.loadSync(join(dir, 'echo.proto'), { keepCase: false, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      gwtest: { Echo: grpc.ServiceClientConstructor };
    };
    EchoCtor = pkg.gwtest.Echo;
    server = new grpc.Server();
    server.addService(EchoCtor.service, {
      Unary: (
        call: grpc.ServerUnaryCall<{ text: string; delayMs: number }, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => {
        const text = call.request.text;
        const reply = () => {
          if (text === 'fail') {
            const md = new grpc.Metadata();
            md.set('x-why', 'asked-to-fail');
            cb({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: md });
            return;
          }
          const trailer = new grpc.Metadata();
          trailer.set('x-trailer', 'bye');
          const seen = call.metadata.get('x-client')[0] ?? '';
          cb(null, { text: `echo:${text}:${seen}` }, trailer);
        };
        if (call.request.delayMs > 0) setTimeout(reply, call.request.delayMs);
        else reply();
      },
      ServerStream: (call: grpc.ServerWritableStream<{ text: string; count: number }, unknown>) => {
        for (let i = 0; i < call.request.count; i++)
          call.write({ text: `${call.request.text}-${i}`, count: i });
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    // A port with nothing listening, for UNAVAILABLE.
    const tmp = new grpc.Server();
    deadPort = await new Promise<number>((resolve, reject) =>
      tmp.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    tmp.forceShutdown();

    const ir = makeIR(
      [
        route(
          'grpc-slow-route',
          { kind: 'prefix', value: '/gwtest.Echo/Unary' },
          forward('grpc_echo', { grpc: true, timeoutMs: 400 }),
          {
            match: { headers: [{ name: 'x-route', match: { exact: 'short-timeout' } }] },
          },
        ),
        route('grpc-dead', { kind: 'prefix', value: '/gwtest.Echo/' }, forward('grpc_dead', { grpc: true }), {
          match: { headers: [{ name: 'x-route', match: { exact: 'dead' } }] },
        }),
        route(
          'grpc',
          { kind: 'prefix', value: '/gwtest.Echo/' },
          forward('grpc_echo', { grpc: true, timeoutMs: 0 }),
        ),
      ],
      [
        staticCluster('grpc_echo', port, { protocol: 'http2' }),
        staticCluster('grpc_dead', deadPort, { protocol: 'http2' }),
      ],
    );
    ({ gateway, port: gatewayPort } = await startGateway(ir));
    client = new EchoCtor(
      `127.0.0.1:${gatewayPort}`,
      grpc.credentials.createInsecure(),
    ) as unknown as EchoClient;
  });

  afterAll(async () => {
    client?.close();
    await gateway?.close({ drainTimeoutMs: 100 });
    server?.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const unary = (text: string, md: Record<string, string> = {}, opts: grpc.CallOptions = {}, delayMs = 0) =>
    new Promise<{ err: grpc.ServiceError | null; res?: { text: string }; trailers?: grpc.Metadata }>(
      (resolve) => {
        const metadata = new grpc.Metadata();
        for (const [k, v] of Object.entries(md)) metadata.set(k, v);
        let trailers: grpc.Metadata | undefined;
        const call = client.Unary({ text, delayMs }, metadata, opts, (err, res) => {
          setImmediate(() => resolve({ err, ...(res ? { res } : {}), ...(trailers ? { trailers } : {}) }));
        });
        call.on('status', (s: grpc.StatusObject) => {
          trailers = s.metadata;
        });
      },
    );

  it('proxies unary calls with metadata and trailers', async () => {
    const r = await unary('hi', { 'x-client': 'c1' });
    expect(r.err).toBeNull();
    expect(r.res?.text).toBe('echo:hi:c1');
    expect(r.trailers?.get('x-trailer')).toEqual(['bye']);
  });

  it('preserves non-OK grpc-status, message and trailing metadata', async () => {
    const r = await unary('fail');
    expect(r.err?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.err?.details).toBe('no such thing');
    expect(r.err?.metadata.get('x-why')).toEqual(['asked-to-fail']);
  });

  it('streams server-streaming responses', async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.ServerStream({ text: 'item', count: 25 });
      stream.on('data', (m: { text: string }) => got.push(m.text));
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    expect(got).toHaveLength(25);
    expect(got[24]).toBe('item-24');
  });

  it('maps a client deadline to DEADLINE_EXCEEDED', async () => {
    const r = await unary('slow', {}, { deadline: Date.now() + 200 }, 1500);
    expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it('answers a gateway-side route timeout with grpc-status 4 (DEADLINE_EXCEEDED)', async () => {
    const r = await unary('slow', { 'x-route': 'short-timeout' }, {}, 1500);
    expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(r.err?.details).toContain('upstream request timeout');
  });

  it('answers an unreachable upstream with grpc-status 14 (UNAVAILABLE)', async () => {
    const r = await unary('x', { 'x-route': 'dead' });
    expect(r.err?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('answers unknown methods with UNIMPLEMENTED (no route -> 404 mapped)', async () => {
    const other = new grpc.Client(`127.0.0.1:${gatewayPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      other.makeUnaryRequest(
        '/other.Service/Call',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e) => resolve(e as grpc.ServiceError),
      );
    });
    other.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
