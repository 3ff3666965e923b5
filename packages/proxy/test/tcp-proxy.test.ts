import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import {
  compileYaml,
  createIR,
  defaultSettings,
  type GatewayIR,
  type IRCluster,
  type IRListener,
  type IRSecret,
  type IRTcpRoute,
} from '@gateway/core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index.js';
import { parseClientHello } from '../src/server/client-hello.js';
import { DEFAULT_TCP_IDLE_TIMEOUT_MS, tcpIdleTimeoutMs } from '../src/server/tcp-proxy.js';
import { selfSigned, type TestCert } from './support/certs.js';
import { staticCluster } from './support/gateway-helpers.js';

// ---------------------------------------------------------------------------------------------
// Upstreams: each greets with `<name>\n`, then echoes.

interface Upstream {
  name: string;
  port: number;
  close(): Promise<void>;
}

const closers: Array<() => Promise<void>> = [];

async function listenOn(server: net.Server, name: string): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const up: Upstream = {
    name,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  closers.push(up.close);
  return up;
}

function greetAndEcho(name: string) {
  return (socket: net.Socket) => {
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    socket.pipe(socket);
  };
}

function startTagged(name: string): Promise<Upstream> {
  return listenOn(net.createServer(greetAndEcho(name)), name);
}

function startTlsTagged(name: string, cert: TestCert): Promise<Upstream> {
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, greetAndEcho(name));
  server.on('tlsClientError', () => undefined);
  return listenOn(server, name);
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Clients

/** Collects what a socket receives; every wait is bounded. */
class Client {
  data = '';
  error: Error | undefined;
  closed = false;
  private readonly closedP: Promise<unknown>;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
    });
    socket.on('error', (err) => {
      this.error = err;
    });
    // Not events.once: it rejects when 'error' comes first, and resets end in 'close' too.
    this.closedP = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  async waitFor(text: string, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.data.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${JSON.stringify(text)}, got ${JSON.stringify(this.data)}`);
      if (this.closed)
        throw new Error(`closed before ${JSON.stringify(text)}, got ${JSON.stringify(this.data)}`);
      await sleep(10);
    }
  }

  /** Resolves true when the connection closed within `ms`. */
  async waitClosed(ms = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    });
    const result = await Promise.race([this.closedP.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }
}

function connectPlain(port: number): Client {
  return new Client(net.connect(port, '127.0.0.1'));
}

function connectTls(port: number, servername: string, ca: string): Client {
  return new Client(tls.connect({ port, host: '127.0.0.1', servername, ca }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// IR and gateway

function tcpListener(port: number, protocol: 'tcp' | 'tls' = 'tcp'): IRListener {
  return {
    name: `listener-${port}`,
    address: '0.0.0.0',
    port,
    protocol,
    securityModel: 'INSECURE',
    statsPrefix: `ingress-tcp-${port}`,
    tls: [],
    virtualHosts: [],
  };
}

function tcpRoute(
  name: string,
  port: number,
  clusters: Array<[string, number]>,
  extra: Partial<IRTcpRoute> = {},
): IRTcpRoute {
  const [ns, n] = name.split('/') as [string, string];
  return {
    name,
    sources: [{ kind: 'TCPMapping', namespace: ns, name: n }],
    port,
    clusters: clusters.map(([cluster, weight]) => ({ cluster, weight })),
    idleTimeoutMs: 0,
    ...extra,
  };
}

function tcpIR(
  listeners: IRListener[],
  routes: IRTcpRoute[],
  clusters: IRCluster[],
  secrets: IRSecret[] = [],
): GatewayIR {
  return createIR({
    settings: { ...defaultSettings(), drainTimeoutMs: 300 },
    listeners,
    clusters,
    secrets,
    tcpRoutes: [...routes].sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : 1)),
  });
}

/** IR ports are placeholders: every listener binds an ephemeral loopback port by name. */
function loopbackBinds(...ports: number[]): Record<string, { host: string; port: number }> {
  return Object.fromEntries(ports.map((p) => [`listener-${p}`, { host: '127.0.0.1', port: 0 }]));
}

const gateways: Gateway[] = [];

async function startTcpGateway(
  ir: GatewayIR,
  ports: number[],
  extra: Parameters<typeof createGateway>[0] = {},
): Promise<Gateway> {
  const gateway = createGateway({
    ir,
    listeners: loopbackBinds(...ports),
    processMetrics: false,
    drainTimeoutMs: 300,
    ...extra,
  });
  gateways.push(gateway);
  await gateway.start();
  return gateway;
}

function portOf(gateway: Gateway, irPort: number): number {
  const a = gateway.addresses()[`listener-${irPort}`];
  if (!a) throw new Error(`listener-${irPort} is not bound`);
  return a.port;
}

function captureLogs(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close({ drainTimeoutMs: 100 })));
  await Promise.all(closers.map((c) => c()));
});

// ---------------------------------------------------------------------------------------------

describe('TCP routes: plain passthrough', () => {
  let a: Upstream;
  let b: Upstream;
  let gateway: Gateway;
  const logs = captureLogs();

  beforeAll(async () => {
    a = await startTagged('A');
    b = await startTagged('B');
    const ir = tcpIR(
      [tcpListener(41001), tcpListener(41002)],
      [
        tcpRoute('default/echo', 41001, [['cluster_a', 100]]),
        tcpRoute('default/split', 41002, [
          ['cluster_a', 25],
          ['cluster_b', 75],
        ]),
      ],
      [staticCluster('cluster_a', a.port), staticCluster('cluster_b', b.port)],
    );
    gateway = await startTcpGateway(ir, [41001, 41002], { logger: logs.logger });
  });

  it('echoes bytes through the gateway, forwards half-close and logs the connection', async () => {
    const c = connectPlain(portOf(gateway, 41001));
    await c.waitFor('A\n');
    c.socket.write('hello over tcp');
    await c.waitFor('hello over tcp');
    // Half-close: the client's FIN reaches the upstream, whose reply still comes back.
    c.socket.end('last words');
    await c.waitFor('last words');
    expect(await c.waitClosed()).toBe(true);
    expect(c.error).toBeUndefined();
    expect(c.data).toBe('A\nhello over tcplast words');

    const deadline = Date.now() + 3000;
    let entry: Record<string, unknown> | undefined;
    while (!entry && Date.now() < deadline) {
      entry = logs.lines.find(
        (l) => l.msg === 'access' && l.protocol === 'tcp' && l.route === 'default/echo',
      );
      if (!entry) await sleep(10);
    }
    expect(entry).toMatchObject({
      listener: 'listener-41001',
      cluster: 'cluster_a',
      upstream: `127.0.0.1:${a.port}`,
      bytesIn: 'hello over tcplast words'.length,
      bytesOut: c.data.length,
    });
    expect(typeof entry?.durationMs).toBe('number');

    const text = await gateway.metrics.registry.metrics();
    expect(text).toMatch(/gateway_tcp_route_connections_total\{route="default\/echo"\} 1/);
    expect(text).toMatch(/gateway_tcp_route_received_bytes_total\{route="default\/echo"\} 24/);
    expect(text).toMatch(/gateway_tcp_route_active_connections\{route="default\/echo"\} 0/);
  });

  it('moves a large payload both ways with backpressure', async () => {
    const c = connectPlain(portOf(gateway, 41001));
    await c.waitFor('A\n');
    const payload = Buffer.alloc(4 * 1024 * 1024, 'x');
    c.socket.end(payload);
    expect(await c.waitClosed(10_000)).toBe(true);
    expect(c.data.length).toBe(2 + payload.length);
  });

  it('splits connections across weighted clusters by raw weight', async () => {
    const seen = { A: 0, B: 0 };
    const total = 80;
    for (let i = 0; i < total; i += 10) {
      const batch = Array.from({ length: 10 }, () => connectPlain(portOf(gateway, 41002)));
      await Promise.all(batch.map((c) => c.waitFor('\n')));
      for (const c of batch) {
        seen[c.data.startsWith('A') ? 'A' : 'B']++;
        c.socket.destroy();
      }
    }
    expect(seen.A + seen.B).toBe(total);
    // 25 % of 80 = 20 expected for A; the bounds are ~3.5 standard deviations.
    expect(seen.A).toBeGreaterThanOrEqual(6);
    expect(seen.A).toBeLessThanOrEqual(36);
  });
});

describe('TCP routes: TLS by SNI', () => {
  const certA = selfSigned('a.example.com');
  const certB = selfSigned('b.example.com');
  const certT = selfSigned('t.example.com');
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    const a = await startTlsTagged('A', certA);
    const b = await startTlsTagged('B', certB);
    const plain = await startTagged('PLAIN');
    const ir = tcpIR(
      [tcpListener(41443, 'tls')],
      [
        tcpRoute('default/sni-a', 41443, [['cluster_a', 100]], { sniHost: 'a.example.com' }),
        tcpRoute('default/sni-b', 41443, [['cluster_b', 100]], { sniHost: 'b.example.com' }),
        tcpRoute('default/sni-t', 41443, [['cluster_plain', 100]], {
          sniHost: 't.example.com',
          tlsSecret: 'default/t-cert',
        }),
      ],
      [
        staticCluster('cluster_a', a.port),
        staticCluster('cluster_b', b.port),
        staticCluster('cluster_plain', plain.port),
      ],
      [
        {
          name: 'default/t-cert',
          certificateChain: { inline: certT.cert },
          privateKey: { inline: certT.key },
        },
      ],
    );
    gateway = await startTcpGateway(ir, [41443]);
    port = portOf(gateway, 41443);
  });

  it('passes TLS through to the upstream chosen by the ClientHello server name', async () => {
    const ca = `${certA.cert}${certB.cert}`;
    const a = connectTls(port, 'a.example.com', ca);
    await a.waitFor('A\n');
    a.socket.write('to a');
    await a.waitFor('to a');
    // The certificate is the upstream's own: TLS was not terminated by the gateway.
    expect((a.socket as tls.TLSSocket).getPeerCertificate().subject.CN).toBe('a.example.com');
    const b = connectTls(port, 'B.Example.com', ca);
    await b.waitFor('B\n');
    expect((b.socket as tls.TLSSocket).getPeerCertificate().subject.CN).toBe('b.example.com');
    a.socket.destroy();
    b.socket.destroy();
  });

  it('terminates TLS with the route secret and forwards plaintext', async () => {
    const t = connectTls(port, 't.example.com', certT.cert);
    await t.waitFor('PLAIN\n');
    expect((t.socket as tls.TLSSocket).getPeerCertificate().subject.CN).toBe('t.example.com');
    t.socket.write('decrypted');
    await t.waitFor('decrypted');
    t.socket.end();
    expect(await t.waitClosed()).toBe(true);
  });

  it('closes connections whose server name (or plain bytes) match no route', async () => {
    const unknown = new Client(
      tls.connect({ port, host: '127.0.0.1', servername: 'c.example.com', rejectUnauthorized: false }),
    );
    expect(await unknown.waitClosed()).toBe(true);
    expect(unknown.data).toBe('');
    const plain = connectPlain(port);
    plain.socket.write('GET / HTTP/1.1\r\n\r\n');
    expect(await plain.waitClosed()).toBe(true);
    expect(plain.data).toBe('');
    const text = await gateway.metrics.registry.metrics();
    expect(text).toMatch(
      /gateway_tcp_downstream_rejected_total\{listener="listener-41443",reason="no-route"\} 2/,
    );
  });

  it('closes on malformed ClientHellos without disturbing the gateway', async () => {
    const hello = await captureClientHello('a.example.com');
    const junk = [
      Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3]), // record longer than TLS allows
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0xff, 0xff, 0xff, 0, 0, 0, 0]), // 16 MiB hello
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x02, 0x03, 0x03]), // not a ClientHello
      Buffer.concat([hello.subarray(0, 5 + 4), Buffer.alloc(hello.length - 9, 0xff)]), // lengths inside overflow
      randomBytes(2048, 7, 0x16),
    ];
    for (const bytes of junk) {
      const c = connectPlain(port);
      c.socket.write(bytes);
      expect(await c.waitClosed()).toBe(true);
      expect(c.data).toBe('');
    }
    // Truncated: half a ClientHello, then the client gives up.
    const truncated = connectPlain(port);
    truncated.socket.end(hello.subarray(0, Math.floor(hello.length / 2)));
    expect(await truncated.waitClosed()).toBe(true);
    // Still serving.
    const ok = connectTls(port, 'a.example.com', certA.cert);
    await ok.waitFor('A\n');
    ok.socket.destroy();
    const text = await gateway.metrics.registry.metrics();
    expect(text).toMatch(/reason="invalid-client-hello"\} [45]/);
  });
});

describe('TCP routes: timeouts, failures and reload', () => {
  it("applies Envoy's 1 h TCP idle timeout when the route sets none", () => {
    expect(tcpIdleTimeoutMs({ idleTimeoutMs: 0 })).toBe(DEFAULT_TCP_IDLE_TIMEOUT_MS);
    expect(DEFAULT_TCP_IDLE_TIMEOUT_MS).toBe(3_600_000);
    expect(tcpIdleTimeoutMs({ idleTimeoutMs: 150 })).toBe(150);
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    const a = await startTagged('A');
    const ir = tcpIR(
      [tcpListener(42001)],
      [tcpRoute('default/idle', 42001, [['cluster_a', 100]], { idleTimeoutMs: 150 })],
      [staticCluster('cluster_a', a.port)],
    );
    const gateway = await startTcpGateway(ir, [42001]);
    const c = connectPlain(portOf(gateway, 42001));
    await c.waitFor('A\n');
    expect(await c.waitClosed(5000)).toBe(true);
    expect(c.error).toBeUndefined();
  });

  it('closes the client cleanly when no upstream can be reached', async () => {
    const ir = tcpIR(
      [tcpListener(42002)],
      [tcpRoute('default/down', 42002, [['cluster_down', 100]])],
      [staticCluster('cluster_down', await deadPort())],
    );
    const gateway = await startTcpGateway(ir, [42002]);
    for (let i = 0; i < 3; i++) {
      const c = connectPlain(portOf(gateway, 42002));
      c.socket.write('anyone there?');
      expect(await c.waitClosed()).toBe(true);
      expect(c.data).toBe('');
      expect(c.error).toBeUndefined();
    }
    const text = await gateway.metrics.registry.metrics();
    expect(text).toMatch(
      /gateway_tcp_upstream_connect_failures_total\{route="default\/down",cluster="cluster_down",reason="connect-failure"\} 3/,
    );
  });

  it('enforces the cluster maxConnections circuit breaker', async () => {
    const a = await startTagged('A');
    const ir = tcpIR(
      [tcpListener(42003)],
      [tcpRoute('default/limited', 42003, [['cluster_a', 100]])],
      [
        staticCluster('cluster_a', a.port, {
          circuitBreakers: [
            {
              priority: 'default',
              maxConnections: 1,
              maxPendingRequests: 10,
              maxRequests: 10,
              maxRetries: 3,
            },
          ],
        }),
      ],
    );
    const gateway = await startTcpGateway(ir, [42003]);
    const first = connectPlain(portOf(gateway, 42003));
    await first.waitFor('A\n');
    const second = connectPlain(portOf(gateway, 42003));
    expect(await second.waitClosed()).toBe(true);
    expect(second.data).toBe('');
    first.socket.destroy();
    await first.waitClosed();
    // The slot is free again once the first connection is gone.
    const deadline = Date.now() + 3000;
    let third: Client | undefined;
    while (Date.now() < deadline) {
      third = connectPlain(portOf(gateway, 42003));
      try {
        await third.waitFor('A\n', 1000);
        break;
      } catch {
        third.socket.destroy();
        third = undefined;
        await sleep(20);
      }
    }
    expect(third?.data).toBe('A\n');
    third?.socket.destroy();
  });

  it('reload sends new connections to the new target while open ones keep working', async () => {
    const a = await startTagged('A');
    const b = await startTagged('B');
    const clusters = [staticCluster('cluster_a', a.port), staticCluster('cluster_b', b.port)];
    const before = tcpIR(
      [tcpListener(43001), tcpListener(43002)],
      [
        tcpRoute('default/main', 43001, [['cluster_a', 100]]),
        tcpRoute('default/old-port', 43002, [['cluster_a', 100]]),
      ],
      clusters,
    );
    const gateway = await startTcpGateway(before, [43001, 43002, 43003]);
    const mainPort = portOf(gateway, 43001);
    const oldPort = portOf(gateway, 43002);
    const open = connectPlain(mainPort);
    await open.waitFor('A\n');
    const onOldPort = connectPlain(oldPort);
    await onOldPort.waitFor('A\n');

    const after = tcpIR(
      [tcpListener(43001), tcpListener(43003)],
      [
        tcpRoute('default/main', 43001, [['cluster_b', 100]]),
        tcpRoute('default/new-port', 43003, [['cluster_b', 100]]),
      ],
      clusters,
    );
    const result = await gateway.apply(after);
    expect(result.accepted).toBe(true);
    expect(portOf(gateway, 43001)).toBe(mainPort);

    const fresh = connectPlain(mainPort);
    await fresh.waitFor('B\n');
    open.socket.write('still here');
    await open.waitFor('still here');
    expect(open.data.startsWith('A\n')).toBe(true);

    const newPort = connectPlain(portOf(gateway, 43003));
    await newPort.waitFor('B\n');
    // The dropped port stops accepting; its open connection drains, then is closed.
    expect(gateway.addresses()['listener-43002']).toBeUndefined();
    const refused = connectPlain(oldPort);
    expect(await refused.waitClosed()).toBe(true);
    expect(refused.error).toBeDefined();
    expect(await onOldPort.waitClosed(5000)).toBe(true);

    for (const c of [open, fresh, newPort]) c.socket.destroy();
  });

  it('closing the gateway drains TCP connections', async () => {
    const a = await startTagged('A');
    const ir = tcpIR(
      [tcpListener(44001)],
      [tcpRoute('default/drain', 44001, [['cluster_a', 100]])],
      [staticCluster('cluster_a', a.port)],
    );
    const gateway = createGateway({ ir, listeners: loopbackBinds(44001), processMetrics: false });
    await gateway.start();
    const c = connectPlain(portOf(gateway, 44001));
    await c.waitFor('A\n');
    await gateway.close({ drainTimeoutMs: 100 });
    expect(await c.waitClosed()).toBe(true);
  });
});

describe('TCP routes compiled from TCPMapping YAML', () => {
  const cert = selfSigned('secure.example.com');
  const dir = mkdtempSync(join(tmpdir(), 'gw-tcp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves compileYaml output: passthrough and TLSContext termination', async () => {
    writeFileSync(join(dir, 'cert.pem'), cert.cert);
    writeFileSync(join(dir, 'key.pem'), cert.key);
    const echo = await startTagged('ECHO');
    const secure = await startTagged('SECURE');
    const yaml = `
apiVersion: getambassador.io/v3alpha1
kind: TCPMapping
metadata: { name: echo, namespace: default }
spec:
  port: 9100
  service: echo-svc.default:7000
  idle_timeout_ms: 30000
---
apiVersion: getambassador.io/v3alpha1
kind: TLSContext
metadata: { name: secure-tls, namespace: default }
spec:
  hosts: [ secure.example.com ]
  cert_chain_file: ${join(dir, 'cert.pem')}
  private_key_file: ${join(dir, 'key.pem')}
---
apiVersion: getambassador.io/v3alpha1
kind: TCPMapping
metadata: { name: secure, namespace: default }
spec:
  port: 9443
  host: secure.example.com
  service: secure-svc.default:7001
`;
    const { ir, diagnostics } = compileYaml(yaml);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    if (!ir) throw new Error('no IR');
    expect(ir.tcpRoutes.map((r) => r.name)).toEqual(['default/echo', 'default/secure']);
    const gateway = await startTcpGateway(ir, [9100, 9443], {
      listen: { host: '127.0.0.1', port: 0 },
      resolve: { 'echo-svc': `127.0.0.1:${echo.port}`, 'secure-svc': `127.0.0.1:${secure.port}` },
    });
    const plain = connectPlain(portOf(gateway, 9100));
    await plain.waitFor('ECHO\n');
    plain.socket.write('ping');
    await plain.waitFor('ping');
    plain.socket.destroy();

    const t = connectTls(portOf(gateway, 9443), 'secure.example.com', cert.cert);
    await t.waitFor('SECURE\n');
    t.socket.write('pong');
    await t.waitFor('pong');
    t.socket.destroy();
  });
});

// ---------------------------------------------------------------------------------------------
// ClientHello parser

/** The first flight of a real Node TLS client (up to the end of its first TLS record). */
async function captureClientHello(servername?: string): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket: net.Socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          socket.destroy();
          resolve(buf.subarray(0, 5 + buf.readUInt16BE(3)));
        }
      });
    });
  });
  const client = tls.connect({
    port: (server.address() as AddressInfo).port,
    host: '127.0.0.1',
    rejectUnauthorized: false,
    ...(servername ? { servername } : {}),
  });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return hello;
}

/** Deterministic pseudo-random bytes (mulberry32), optionally with a fixed first byte. */
function randomBytes(n: number, seed: number, first?: number): Buffer {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  if (first !== undefined && n > 0) out[0] = first;
  return out;
}

describe('parseClientHello', () => {
  let hello: Buffer;
  let bare: Buffer;

  beforeAll(async () => {
    hello = await captureClientHello('API.example.com');
    bare = await captureClientHello();
  });

  it('reads the server name of a real ClientHello, lower-cased', () => {
    expect(parseClientHello(hello)).toMatchObject({ kind: 'client-hello', serverName: 'api.example.com' });
    const noSni = parseClientHello(bare);
    expect(noSni.kind).toBe('client-hello');
    expect(noSni.kind === 'client-hello' && noSni.serverName).toBeUndefined();
  });

  it('asks for more on every strict prefix and reassembles a hello split over records', () => {
    for (let n = 0; n < hello.length; n++)
      expect(parseClientHello(hello.subarray(0, n)).kind).toBe('need-more');
    // Re-frame the handshake bytes as two records.
    const body = hello.subarray(5);
    const cut = 40;
    const record = (part: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part]);
    const split = Buffer.concat([record(body.subarray(0, cut)), record(body.subarray(cut))]);
    expect(parseClientHello(split)).toMatchObject({ kind: 'client-hello', serverName: 'api.example.com' });
  });

  it('classifies non-TLS, oversized and malformed input without throwing', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind).toBe('not-tls');
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x01])).kind).toBe('invalid');
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x7f, 0xff, 0xff])).kind).toBe(
      'invalid',
    );
    expect(parseClientHello(Buffer.from([0x16, 0x02, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00])).kind).toBe(
      'invalid',
    );
    // Fuzz: byte flips and truncations of a real hello, and random records.
    const kinds = new Set(['need-more', 'not-tls', 'client-hello', 'invalid']);
    for (let i = 0; i < 1500; i++) {
      const mutated = Buffer.from(hello);
      const flips = randomBytes(8, i + 1);
      for (let j = 0; j < 4; j++) {
        const at = ((flips[j * 2] as number) * 256 + (flips[j * 2 + 1] as number)) % mutated.length;
        mutated[at] = (flips[j] as number) ^ 0x5a;
      }
      const r = parseClientHello(mutated);
      expect(kinds.has(r.kind)).toBe(true);
      const noise = randomBytes(64 + (i % 512), 10_000 + i, 0x16);
      expect(kinds.has(parseClientHello(noise).kind)).toBe(true);
    }
  });
});
