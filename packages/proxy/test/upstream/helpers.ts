import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createIR, type GatewayIR, type IRCluster, type IREndpoint, type IRSecret } from '@gateway/core';
import type { ClusterManager, RequestPolicy, UpstreamRequest } from '../../src/upstream/index.js';

export function endpoint(port: number, weight = 1, address = '127.0.0.1'): IREndpoint {
  return { address, port, weight, zone: '', health: 'unknown' };
}

export function cluster(name: string, endpoints: IREndpoint[], extra: Partial<IRCluster> = {}): IRCluster {
  return {
    name,
    service: `${name}.default:80`,
    discovery: { kind: 'static', endpoints },
    protocol: 'http1',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: name,
    ...extra,
  };
}

export function ir(clusters: IRCluster[], secrets: IRSecret[] = []): GatewayIR {
  return createIR({ clusters, secrets });
}

export function policy(extra: Partial<RequestPolicy> = {}): RequestPolicy {
  return { timeoutMs: 10_000, idleTimeoutMs: 0, idempotent: true, grpc: false, ...extra };
}

export function get(path = '/', extra: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { method: 'GET', path, headers: { host: 'test.local' }, body: null, ...extra };
}

export interface Answer {
  kind: 'response' | 'failure';
  status: number;
  body: string;
  endpoint?: string;
  retries: number;
  reason?: string;
  /** Failure message ('' for responses). */
  message: string;
  headers: Record<string, string | string[]>;
  trailers: Record<string, string>;
}

/** Sends one request and reads the whole body (or returns the failure), for assertions. */
export async function call(
  cm: ClusterManager,
  clusterName: string,
  req: UpstreamRequest = get(),
  pol: RequestPolicy = policy(),
): Promise<Answer> {
  const res = await cm.request(clusterName, req, pol);
  if (res.kind === 'failure') {
    return {
      kind: 'failure',
      status: res.status,
      body: '',
      retries: res.retries,
      reason: res.reason,
      message: res.message,
      headers: {},
      trailers: {},
      ...(res.endpoint ? { endpoint: res.endpoint } : {}),
    };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  const trailers = await res.trailers;
  return {
    kind: 'response',
    status: res.statusCode,
    message: '',
    body: Buffer.concat(chunks).toString('utf8'),
    endpoint: res.endpoint,
    retries: res.retries,
    headers: res.headers,
    trailers,
  };
}

export interface TestServer {
  server: Server;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests served so far. */
  requests: number;
  /** TCP connections open right now. */
  open(): number;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 with an ephemeral port, counting connections and requests. */
export async function startHttp(
  handler: (req: IncomingMessage, res: ServerResponse, t: TestServer) => void,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const t = { connections: 0, requests: 0 } as TestServer;
  const server = createServer((req, res) => {
    t.requests++;
    handler(req, res, t);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.server = server;
  t.open = () => sockets.size;
  t.port = (server.address() as AddressInfo).port;
  t.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return t;
}

/** A server that replies with its own name, for distribution tests. */
export function namedServer(name: string): Promise<TestServer> {
  return startHttp((_req, res) => {
    res.end(name);
  });
}

/** Waits until `predicate` holds, polling every 10 ms, failing after `timeoutMs` (a hang guard, not a timing assertion). */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A closed loopback port (bound then released), for connect failures. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
