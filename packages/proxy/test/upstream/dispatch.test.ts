import { once } from 'node:events';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterManager,
  createClusterManager,
  type RequestPolicy,
  type UpstreamCall,
  type UpstreamFailure,
  type UpstreamRequest,
  type UpstreamSink,
} from '../../src/upstream/index.js';
import { cluster, endpoint, get, ir, policy, startHttp, type TestServer, waitFor } from './helpers.js';

/** What a sink saw, in order, for assertions. */
interface Recorded {
  events: string[];
  status: number;
  headers: Record<string, string | string[]>;
  endpoint: string;
  retries: number;
  body: Buffer[];
  trailers: Record<string, string> | undefined;
  failure: UpstreamFailure | undefined;
  afterHeaders: boolean | undefined;
  /** onData calls that arrived while the sink had asked for a pause. */
  dataWhilePaused: number;
  pauses: number;
  done: Promise<void>;
}

/**
 * A sink that records every call. With `slow`, every chunk asks for a pause and the sink resumes
 * a few milliseconds later, like a downstream socket with a full buffer.
 */
function recordingSink(slow = false): { sink: UpstreamSink; rec: Recorded; bind(call: UpstreamCall): void } {
  let finish!: () => void;
  const rec: Recorded = {
    events: [],
    status: 0,
    headers: {},
    endpoint: '',
    retries: 0,
    body: [],
    trailers: undefined,
    failure: undefined,
    afterHeaders: undefined,
    dataWhilePaused: 0,
    pauses: 0,
    done: new Promise<void>((r) => {
      finish = r;
    }),
  };
  let call: UpstreamCall | undefined;
  let paused = false;
  const sink: UpstreamSink = {
    onResponse(statusCode, headers, ep, retries) {
      rec.events.push('response');
      rec.status = statusCode;
      rec.headers = headers;
      rec.endpoint = ep;
      rec.retries = retries;
    },
    onData(chunk) {
      if (paused) rec.dataWhilePaused++;
      rec.body.push(chunk);
      if (!slow) return true;
      paused = true;
      rec.pauses++;
      setTimeout(() => {
        paused = false;
        call?.resume();
      }, 2);
      return false;
    },
    onEnd(trailers) {
      rec.events.push('end');
      rec.trailers = trailers;
      finish();
    },
    onFailure(failure, afterHeaders) {
      rec.events.push('failure');
      rec.failure = failure;
      rec.afterHeaders = afterHeaders;
      finish();
    },
  };
  return {
    sink,
    rec,
    bind(c) {
      call = c;
    },
  };
}

function send(
  cm: ClusterManager,
  name: string,
  req: UpstreamRequest = get(),
  pol: RequestPolicy = policy(),
  slow = false,
): { rec: Recorded; call: UpstreamCall } {
  const { sink, rec, bind } = recordingSink(slow);
  const call = cm.dispatch!(name, req, pol, sink);
  bind(call);
  return { rec, call };
}

describe('ClusterManager.dispatch', () => {
  const big = Buffer.alloc(4 * 1024 * 1024, 'x');
  const held: Array<() => void> = [];
  let flakyHits = 0;
  let server: TestServer;
  let h2: Http2Server;
  let h2Port: number;
  const cm = createClusterManager();

  beforeAll(async () => {
    server = await startHttp((req, res) => {
      switch (req.url) {
        case '/big':
          res.writeHead(200, { 'content-length': big.length });
          res.end(big);
          return;
        case '/flaky':
          flakyHits++;
          if (flakyHits % 2 === 1) {
            res.writeHead(503, { 'content-length': 4 });
            res.end('busy');
          } else {
            res.end('recovered');
          }
          return;
        case '/hold':
          held.push(() => res.end('released'));
          return;
        case '/cut':
          res.writeHead(200, { 'content-length': 1000 });
          res.write('partial');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        case '/stream':
          res.writeHead(200);
          res.write('first');
          held.push(() => res.end('last'));
          return;
        default:
          res.end('ok');
      }
    });
    h2 = createH2Server();
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-checksum': 'abc' }));
      stream.end('grpc-body');
    });
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    h2Port = (h2.address() as AddressInfo).port;
    cm.update(
      ir([
        cluster('web', [endpoint(server.port)]),
        cluster('h2', [endpoint(h2Port)], { protocol: 'http2' }),
        cluster('tight', [endpoint(server.port)], {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 10,
              maxPendingRequests: 10,
              maxRequests: 1,
              maxRetries: 3,
            },
          ],
        }),
      ]),
    );
  });

  afterAll(async () => {
    for (const h of held.splice(0)) h();
    await cm.close();
    await server.close();
    await new Promise<void>((r) => h2.close(() => r()));
  });

  it('pushes status, headers, body and end into the sink', async () => {
    const { rec } = send(cm, 'web', get('/plain'));
    await rec.done;
    expect(rec.events).toEqual(['response', 'end']);
    expect(rec.status).toBe(200);
    expect(rec.endpoint).toBe(`127.0.0.1:${server.port}`);
    expect(Buffer.concat(rec.body).toString()).toBe('ok');
    expect(rec.trailers).toEqual({});
  });

  it('pauses the upstream while a slow sink is full and resumes on demand, losing nothing', async () => {
    const { rec } = send(cm, 'web', get('/big'), policy(), true);
    await rec.done;
    expect(rec.events).toEqual(['response', 'end']);
    expect(rec.pauses).toBeGreaterThan(1);
    expect(rec.dataWhilePaused).toBe(0);
    const body = Buffer.concat(rec.body);
    expect(body.length).toBe(big.length);
    expect(body.equals(big)).toBe(true);
  });

  it('retries a 503 before the first byte and pushes only the final response', async () => {
    const retried: string[] = [];
    cm.on('retry', (_c, d) => retried.push(d));
    flakyHits = 0;
    const { rec } = send(
      cm,
      'web',
      get('/flaky'),
      policy({
        retry: {
          retryOn: ['5xx'],
          numRetries: 2,
          perTryTimeoutMs: 0,
          retriableStatusCodes: [],
          backoffBaseMs: 1,
          backoffMaxMs: 2,
          retryNonIdempotent: false,
        },
      }),
    );
    await rec.done;
    expect(rec.events).toEqual(['response', 'end']);
    expect(rec.status).toBe(200);
    expect(rec.retries).toBe(1);
    expect(Buffer.concat(rec.body).toString()).toBe('recovered');
    expect(retried).toHaveLength(1);
  });

  it('delivers HTTP/2 trailers (gRPC status) with the end of the body', async () => {
    const { rec } = send(
      cm,
      'h2',
      get('/svc/Method', {
        headers: { host: 'h2.test', te: 'trailers', 'content-type': 'application/grpc' },
      }),
      policy({ grpc: true }),
    );
    await rec.done;
    expect(rec.events).toEqual(['response', 'end']);
    expect(rec.headers['content-type']).toBe('application/grpc');
    expect(Buffer.concat(rec.body).toString()).toBe('grpc-body');
    expect(rec.trailers).toEqual({ 'grpc-status': '0', 'x-checksum': 'abc' });
  });

  it('fails with circuit-open (before headers) when the breaker is full', async () => {
    const first = send(cm, 'tight', get('/hold'));
    await waitFor(() => held.length === 1, 5_000, 'held request');
    const second = send(cm, 'tight', get('/plain'));
    await second.rec.done;
    expect(second.rec.events).toEqual(['failure']);
    expect(second.rec.failure?.reason).toBe('circuit-open');
    expect(second.rec.failure?.status).toBe(503);
    expect(second.rec.afterHeaders).toBe(false);
    held.shift()!();
    await first.rec.done;
    expect(first.rec.events).toEqual(['response', 'end']);
    const stats = cm.stats().find((s) => s.name === 'tight')!;
    expect(stats.circuitBreaker.activeRequests).toBe(0);
  });

  it('reports a body cut after the headers as a failure after headers', async () => {
    const { rec } = send(cm, 'web', get('/cut'));
    await rec.done;
    expect(rec.events).toEqual(['response', 'failure']);
    expect(rec.afterHeaders).toBe(true);
    expect(rec.failure?.reason).toBe('reset');
    expect(rec.failure?.status).toBe(502);
  });

  it('waits for the first DNS answer of a dns cluster before sending (cold path)', async () => {
    const cold = createClusterManager();
    try {
      cold.update(
        ir([
          cluster('local', [], {
            discovery: {
              kind: 'dns',
              host: 'localhost',
              port: server.port,
              mode: 'strict',
              respectDnsTtl: false,
            },
            dnsLookupFamily: 'v4',
          }),
        ]),
      );
      const { rec } = send(cold, 'local', get('/plain'));
      await rec.done;
      expect(rec.events).toEqual(['response', 'end']);
      expect(Buffer.concat(rec.body).toString()).toBe('ok');
    } finally {
      await cold.close();
    }
  });

  it('answers an unknown cluster with a no-cluster failure', () => {
    const { rec } = send(cm, 'nope');
    expect(rec.events).toEqual(['failure']);
    expect(rec.failure?.reason).toBe('no-cluster');
  });

  it('stops calling the sink after abort and releases the breaker and endpoint counts', async () => {
    const { rec, call } = send(cm, 'web', get('/stream'));
    await waitFor(() => rec.body.length > 0, 5_000, 'first chunk');
    call.abort();
    for (const h of held.splice(0)) h();
    const web = () => cm.stats().find((s) => s.name === 'web')!;
    await waitFor(() => web().endpoints[0]!.activeRequests === 0, 5_000, 'attempt released');
    expect(rec.events).toEqual(['response']);
    const stats = web();
    expect(stats.circuitBreaker.activeRequests).toBe(0);
    expect(stats.endpoints[0]!.activeRequests).toBe(0);
  });
});
