import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { H1Pool, type H1PoolOptions } from '../../src/upstream/h1-pool.js';
import { selfSigned } from '../support/certs.js';

interface Result {
  status: number;
  headers: string[];
  body: string;
  trailers: string[] | null;
  connected: boolean;
}

/** A dispatch handler that collects one response (or rejects with the pool's error). */
function send(
  pool: H1Pool,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string | string[]>;
    body?: unknown;
    timeoutMs?: number;
  },
  onHeadersResult = true,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const r: Result = { status: 0, headers: [], body: '', trailers: null, connected: false };
    pool.dispatch(
      {
        method: (opts.method ?? 'GET') as 'GET',
        path: opts.path ?? '/',
        headers: opts.headers ?? {},
        body: (opts.body ?? null) as null,
        headersTimeout: opts.timeoutMs ?? 0,
        bodyTimeout: opts.timeoutMs ?? 0,
      },
      {
        onConnect() {
          r.connected = true;
        },
        onHeaders(status: number, raw: string[]) {
          r.status = status;
          r.headers = raw;
          return onHeadersResult;
        },
        onData(chunk: Buffer) {
          r.body += chunk.toString('latin1');
          return true;
        },
        onComplete(trailers: string[] | null) {
          r.trailers = trailers;
          resolve(r);
        },
        onError(err: Error) {
          reject(err);
        },
      } as never,
    );
  });
}

const options = (extra: Partial<H1PoolOptions> = {}): H1PoolOptions => ({
  connectTimeoutMs: 1000,
  idleTimeoutMs: 4000,
  maxConnectionLifetimeMs: 0,
  connections: 0,
  tcpKeepaliveDelayMs: 0,
  ...extra,
});

/** A raw TCP server that answers each request head with `respond(head, socket)`. */
async function rawServer(
  respond: (head: string, socket: Socket, n: number) => void,
): Promise<NetServer & { connections: number }> {
  let n = 0;
  const server = createNetServer((socket) => {
    (server as NetServer & { connections: number }).connections++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let end = buf.indexOf('\r\n\r\n');
      while (end >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        respond(head, socket, n++);
        end = buf.indexOf('\r\n\r\n');
      }
    });
    socket.on('error', () => {});
  }) as NetServer & { connections: number };
  server.connections = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const port = (s: NetServer | Server) => (s.address() as AddressInfo).port;
const pools: H1Pool[] = [];
const servers: Array<NetServer | Server> = [];
function track<T extends H1Pool | NetServer | Server>(x: T): T {
  if (x instanceof H1Pool) pools.push(x);
  else servers.push(x);
  return x;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
});
afterAll(async () => {
  for (const s of servers) {
    (s as Server).closeAllConnections?.();
    s.close();
  }
});

describe('H1Pool against a real node:http server', () => {
  let server: Server;
  const seen: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
    remotePort: number;
  }> = [];
  beforeAll(async () => {
    server = track(
      createHttpServer((req, res) => {
        let body = '';
        req.setEncoding('latin1');
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          seen.push({
            method: req.method!,
            url: req.url!,
            headers: req.headers,
            body,
            remotePort: req.socket.remotePort!,
          });
          if (req.url === '/chunked') {
            res.setHeader('trailer', 'x-checksum');
            res.write('part1-');
            res.addTrailers({ 'x-checksum': 'abc' });
            res.end('part2');
            return;
          }
          res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-len': String(body.length) });
          res.end(`${req.method} ${req.url} ${body}`);
        });
      }),
    );
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  it('round-trips requests and reuses one keep-alive connection', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    seen.length = 0;
    const a = await send(pool, { path: '/a?x=1', headers: { host: 'svc.local', 'x-custom': 'v' } });
    const b = await send(pool, { path: '/b', headers: { host: 'svc.local', 'x-list': ['1', '2'] } });
    expect(a).toMatchObject({ status: 200, body: 'GET /a?x=1 ', connected: true });
    expect(b.body).toBe('GET /b ');
    expect(seen[0]!.headers).toMatchObject({ host: 'svc.local', 'x-custom': 'v' });
    expect(seen[1]!.headers['x-list']).toBe('1, 2');
    expect(seen[0]!.remotePort).toBe(seen[1]!.remotePort);
  });

  it("lets go of a finished request's handler even while its abort function is still held", async () => {
    // The caller keeps the abort function it got in onConnect past the end of the exchange; if
    // that kept the handler (and through it the whole downstream request) reachable, a pool under
    // load would drag every request into the old generation (see H1Request.detach).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    let abort: ((err?: Error) => void) | undefined;
    const handlerRef = await new Promise<WeakRef<object>>((resolve, reject) => {
      const handler = {
        onConnect(a: (err?: Error) => void) {
          abort = a;
        },
        onHeaders: () => true,
        onData: () => true,
        onComplete() {
          resolve(ref);
        },
        onError: reject,
      };
      const ref = new WeakRef(handler);
      pool.dispatch({ method: 'GET', path: '/weak', headers: {}, body: null } as never, handler as never);
    });
    await new Promise((r) => setImmediate(r));
    gc();
    expect(abort).toBeTypeOf('function');
    expect(handlerRef.deref()).toBeUndefined();
    // Aborting a finished request is a no-op, and the connection stays usable.
    abort!(new Error('late abort'));
    expect((await send(pool, { path: '/after' })).status).toBe(200);
  });

  it('adds the endpoint as Host when the request has none, and Content-Length: 0 for an empty POST', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    seen.length = 0;
    await send(pool, { method: 'POST', path: '/p' });
    expect(seen[0]!.headers.host).toBe(`127.0.0.1:${port(server)}`);
    expect(seen[0]!.headers['content-length']).toBe('0');
  });

  it('sends buffered bodies with their length and streamed bodies chunked or with the declared length', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    seen.length = 0;
    await send(pool, {
      method: 'PUT',
      path: '/buf',
      body: Buffer.from('buffered'),
      headers: { 'content-length': '999' },
    });
    await send(pool, {
      method: 'POST',
      path: '/chunked-req',
      body: Readable.from([Buffer.from('one-'), Buffer.from('two')]),
    });
    await send(pool, {
      method: 'POST',
      path: '/cl-req',
      body: Readable.from([Buffer.from('abc'), Buffer.from('de')]),
      headers: { 'content-length': '5' },
    });
    expect(seen.map((s) => [s.body, s.headers['content-length'], s.headers['transfer-encoding']])).toEqual([
      ['buffered', '8', undefined],
      ['one-two', undefined, 'chunked'],
      ['abcde', '5', undefined],
    ]);
  });

  it('fails a streamed body that does not match its declared length', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    await expect(
      send(pool, {
        method: 'POST',
        path: '/x',
        body: Readable.from([Buffer.from('abc')]),
        headers: { 'content-length': '5' },
      }),
    ).rejects.toMatchObject({ code: 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' });
  });

  it('relays chunked responses with their trailers', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    const r = await send(pool, { path: '/chunked' });
    expect(r.body).toBe('part1-part2');
    expect(r.trailers).toEqual(['x-checksum', 'abc']);
  });

  it('refuses header injection before anything is written', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    await expect(send(pool, { headers: { 'x-bad': 'a\r\nx-injected: 1' } })).rejects.toMatchObject({
      code: 'UND_ERR_INVALID_ARG',
    });
    await expect(send(pool, { headers: { 'bad name': 'v' } })).rejects.toMatchObject({
      code: 'UND_ERR_INVALID_ARG',
    });
    await expect(send(pool, { path: '/a b' })).rejects.toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
    // The connection used for the refused requests is still good.
    expect((await send(pool, { path: '/after' })).status).toBe(200);
  });

  it('caps connections and queues the rest', async () => {
    const pool = track(new H1Pool('127.0.0.1', port(server), options({ connections: 2 })));
    seen.length = 0;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => send(pool, { path: `/q${i}` })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(seen.map((s) => s.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it('close() waits for in-flight requests and then refuses new ones', async () => {
    const pool = new H1Pool('127.0.0.1', port(server), options());
    const inflight = send(pool, { path: '/last' });
    const closed = pool.close();
    expect((await inflight).status).toBe(200);
    await closed;
    await expect(send(pool, {})).rejects.toMatchObject({ code: 'UND_ERR_DESTROYED' });
  });
});

describe('H1Pool against scripted servers', () => {
  it('sends an idempotent request again on a fresh connection when a reused one was closed under it', async () => {
    // The server answers the first request on each connection, then closes it without answering.
    const server = track(
      await rawServer((_head, socket) => {
        const s = socket as Socket & { answered?: boolean };
        if (s.answered) {
          socket.destroy();
          return;
        }
        s.answered = true;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }),
    );
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    expect((await send(pool, {})).body).toBe('ok');
    expect((await send(pool, {})).body).toBe('ok');
    expect(server.connections).toBe(2);
    // A POST is not replayed: it may have been processed.
    await expect(send(pool, { method: 'POST', body: Buffer.from('x') })).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
    });
  });

  it('follows Connection: close and Keep-Alive hints', async () => {
    const server = track(
      await rawServer((head, socket) => {
        if (head.includes('/close'))
          socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nc');
        else socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 1\r\n\r\nk');
      }),
    );
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    await send(pool, { path: '/close' });
    await send(pool, { path: '/close' });
    expect(server.connections).toBe(2);
    // timeout=1 leaves no safe reuse window (the hint minus a 1 s margin): every request opens a connection.
    await send(pool, { path: '/k' });
    await send(pool, { path: '/k' });
    expect(server.connections).toBe(4);
  });

  it('reads a body delimited by connection close', async () => {
    const server = track(await rawServer((_h, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close')));
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    expect((await send(pool, {})).body).toBe('until close');
  });

  it('fails malformed responses with llhttp-style codes and drops the connection', async () => {
    const server = track(
      await rawServer((_h, socket) =>
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok'),
      ),
    );
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    await expect(send(pool, {})).rejects.toMatchObject({ code: 'HPE_UNEXPECTED_CONTENT_LENGTH' });
    await expect(send(pool, {})).rejects.toMatchObject({ code: 'HPE_UNEXPECTED_CONTENT_LENGTH' });
    expect(server.connections).toBe(2);
  });

  it('times out waiting for headers and while the body is idle', async () => {
    const server = track(
      await rawServer((head, socket) => {
        if (head.includes('/body')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      }),
    );
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    await expect(send(pool, { path: '/headers', timeoutMs: 100 })).rejects.toMatchObject({
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    await expect(send(pool, { path: '/body', timeoutMs: 100 })).rejects.toMatchObject({
      code: 'UND_ERR_BODY_TIMEOUT',
    });
  });

  it('reports connection refused before onConnect and a connect timeout', async () => {
    const closed = createNetServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = port(closed);
    closed.close();
    const pool = track(new H1Pool('127.0.0.1', deadPort, options()));
    let connected = false;
    const err = await new Promise<Error & { code?: string }>((resolve) => {
      pool.dispatch({ method: 'GET', path: '/', headers: {} }, {
        onConnect: () => {
          connected = true;
        },
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => {},
        onError: resolve,
      } as never);
    });
    expect(err.code).toBe('ECONNREFUSED');
    expect(connected).toBe(false);
    // A TLS upstream that accepts TCP but never answers the handshake: the connect timeout
    // covers the handshake too.
    const silent = track(createNetServer((socket) => socket.on('error', () => {})));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const stuck = track(
      new H1Pool(
        '127.0.0.1',
        port(silent),
        options({ connectTimeoutMs: 100, tls: { rejectUnauthorized: false, alpnProtocols: [] } }),
      ),
    );
    await expect(send(stuck, {})).rejects.toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
  });

  it('pauses the socket on backpressure and resumes on request', async () => {
    const body = 'x'.repeat(256 * 1024);
    const server = track(
      await rawServer((_h, socket) =>
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
      ),
    );
    const pool = track(new H1Pool('127.0.0.1', port(server), options()));
    const got = await new Promise<number>((resolve, reject) => {
      let n = 0;
      let resume: () => void = () => {};
      const out = new PassThrough({ highWaterMark: 1024 });
      out.on('data', () => {});
      pool.dispatch({ method: 'GET', path: '/', headers: {} }, {
        onConnect() {},
        onHeaders(_s: number, _raw: string[], r: () => void) {
          resume = r;
          return true;
        },
        onData(chunk: Buffer) {
          n += chunk.length;
          // Ask for a pause on every chunk; resume on the next tick.
          setImmediate(resume);
          return false;
        },
        onComplete: () => resolve(n),
        onError: reject,
      } as never);
    });
    expect(got).toBe(body.length);
  });

  it('originates TLS with the configured SNI and CA', async () => {
    const cert = selfSigned('upstream.test');
    let sni = '';
    const server = track(
      createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        sni = (req.socket as import('node:tls').TLSSocket).servername || '';
        res.end('secure');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const pool = track(
      new H1Pool(
        '127.0.0.1',
        port(server),
        options({
          tls: { servername: 'upstream.test', ca: cert.cert, rejectUnauthorized: true, alpnProtocols: [] },
        }),
      ),
    );
    expect((await send(pool, {})).body).toBe('secure');
    expect(sni).toBe('upstream.test');
    const wrongCa = track(
      new H1Pool(
        '127.0.0.1',
        port(server),
        options({ tls: { servername: 'upstream.test', rejectUnauthorized: true, alpnProtocols: [] } }),
      ),
    );
    await expect(send(wrongCa, {})).rejects.toThrow();
  });
});
