import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { createIR, defaultSettings } from '@gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index.js';
import { selfSigned, type TestCert } from './support/certs.js';
import {
  forward,
  httpListener,
  type Origin,
  route,
  startOrigin,
  staticCluster,
  vhost,
} from './support/gateway-helpers.js';

function h2Get(
  url: string,
  path: string,
  opts: http2.SecureClientSessionOptions = {},
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  alpn: string | false | null | undefined;
}> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, opts);
    session.on('error', reject);
    const stream = session.request({ ':path': path, ...headers });
    let body = '';
    let head: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => {
      head = h;
    });
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      body += d;
    });
    stream.on('end', () => {
      const alpn = (session.socket as tls.TLSSocket).alpnProtocol;
      session.close();
      resolve({ status: Number(head[':status']), headers: head, body, alpn });
    });
    stream.on('error', reject);
  });
}

describe('HTTP/2 and TLS termination with SNI', () => {
  let origin: Origin;
  let gateway: Gateway;
  let certA: TestCert;
  let certB: TestCert;
  let httpPort: number;
  let httpsPort: number;

  beforeAll(async () => {
    origin = await startOrigin('o');
    certA = selfSigned('a.test');
    certB = selfSigned('b.test');
    const routes = [route('all', '/', forward('c'))];
    const ir = createIR({
      settings: defaultSettings(),
      listeners: [
        httpListener([vhost(['*'], routes)]),
        {
          ...httpListener([
            vhost(
              ['a.test'],
              [
                route('a', '/', forward('c'), {
                  responseHeaders: { add: [{ name: 'x-vhost', value: 'a', append: false }], remove: [] },
                }),
              ],
            ),
            vhost(['*'], routes),
          ]),
          name: 'listener-8443',
          protocol: 'https',
          securityModel: 'XFP',
          tls: [
            {
              serverNames: ['a.test'],
              secret: 'default/a',
              alpnProtocols: ['h2', 'http/1.1'],
              requireClientCertificate: false,
            },
            {
              serverNames: ['b.test'],
              secret: 'default/b',
              alpnProtocols: ['h2', 'http/1.1'],
              requireClientCertificate: false,
            },
          ],
        },
      ],
      clusters: [staticCluster('c', origin.port)],
      secrets: [
        { name: 'default/a', certificateChain: { inline: certA.cert }, privateKey: { inline: certA.key } },
        { name: 'default/b', certificateChain: { inline: certB.cert }, privateKey: { inline: certB.key } },
      ],
    });
    gateway = createGateway({
      ir,
      processMetrics: false,
      listeners: {
        'listener-8080': { host: '127.0.0.1', port: 0 },
        'listener-8443': { host: '127.0.0.1', port: 0 },
      },
    });
    await gateway.start();
    const addrs = gateway.addresses();
    httpPort = addrs['listener-8080']?.port ?? 0;
    httpsPort = addrs['listener-8443']?.port ?? 0;
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
  });

  it('serves h2c with prior knowledge on the cleartext port', async () => {
    const r = await h2Get(`http://127.0.0.1:${httpPort}`, '/h2c?x=1');
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body);
    expect(seen.url).toBe('/h2c?x=1');
    expect(seen.headers.host).toBe(`127.0.0.1:${httpPort}`);
    expect(seen.headers['x-forwarded-proto']).toBe('http');
  });

  it('streams request bodies from HTTP/2 clients to HTTP/1.1 upstreams', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const session = http2.connect(`http://127.0.0.1:${httpPort}`);
      session.on('error', reject);
      const stream = session.request({ ':path': '/upload', ':method': 'POST', 'content-type': 'text/plain' });
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        data += d;
      });
      stream.on('end', () => {
        session.close();
        resolve(data);
      });
      stream.write('part one, ');
      setTimeout(() => stream.end('part two'), 20);
    });
    const seen = JSON.parse(body);
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('part one, part two');
  });

  it('serves HTTP/2 over TLS (ALPN h2) with the certificate chosen by SNI', async () => {
    const ra = await h2Get(
      `https://127.0.0.1:${httpsPort}`,
      '/x',
      { servername: 'a.test', ca: certA.cert },
      { ':authority': 'a.test' },
    );
    expect(ra.status).toBe(200);
    expect(ra.alpn).toBe('h2');
    expect(ra.headers['x-vhost']).toBe('a');
    expect(JSON.parse(ra.body).headers['x-forwarded-proto']).toBe('https');
    const rb = await h2Get(
      `https://127.0.0.1:${httpsPort}`,
      '/y',
      { servername: 'b.test', ca: certB.cert },
      { ':authority': 'b.test' },
    );
    expect(rb.status).toBe(200);
    expect(rb.headers['x-vhost']).toBeUndefined();
  });

  it('presents a different certificate per server name', async () => {
    const cn = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port: httpsPort, servername, rejectUnauthorized: false },
          () => {
            const subject = socket.getPeerCertificate().subject as { CN?: string } | undefined;
            socket.end();
            resolve(subject?.CN ?? '');
          },
        );
        socket.on('error', reject);
      });
    expect(await cn('a.test')).toBe('a.test');
    expect(await cn('b.test')).toBe('b.test');
  });

  it('falls back to HTTP/1.1 over TLS when the client does not offer h2', async () => {
    const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: httpsPort,
          path: '/h1',
          servername: 'b.test',
          ca: certB.cert,
          headers: { host: 'b.test' },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            data += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body.status).toBe(200);
    expect(JSON.parse(body.body).url).toBe('/h1');
  });

  it('swaps certificates on reload without rebinding the port', async () => {
    const certA2 = selfSigned('a.test');
    const current = gateway.routeTable('listener-8443');
    expect(current).toBeDefined();
    const base = createIR({
      settings: defaultSettings(),
      listeners: [
        httpListener([vhost(['*'], [route('all', '/', forward('c'))])]),
        {
          ...httpListener([vhost(['*'], [route('all', '/', forward('c'))])]),
          name: 'listener-8443',
          protocol: 'https',
          tls: [
            {
              serverNames: [],
              secret: 'default/a2',
              alpnProtocols: ['h2', 'http/1.1'],
              requireClientCertificate: false,
            },
          ],
        },
      ],
      clusters: [staticCluster('c', origin.port)],
      secrets: [
        { name: 'default/a2', certificateChain: { inline: certA2.cert }, privateKey: { inline: certA2.key } },
      ],
    });
    const result = await gateway.apply(base);
    expect(result.accepted).toBe(true);
    expect(gateway.addresses()['listener-8443']?.port).toBe(httpsPort);
    const r = await h2Get(
      `https://127.0.0.1:${httpsPort}`,
      '/z',
      { servername: 'a.test', ca: certA2.cert },
      { ':authority': 'a.test' },
    );
    expect(r.status).toBe(200);
  });

  it('rejects a TLS config whose secret is missing, keeping the old one', async () => {
    const bad = createIR({
      settings: defaultSettings(),
      listeners: [
        {
          ...httpListener([vhost(['*'], [route('all', '/', forward('c'))])]),
          name: 'listener-8443',
          protocol: 'https',
          tls: [
            { serverNames: [], secret: 'default/nope', alpnProtocols: [], requireClientCertificate: false },
          ],
        },
      ],
      clusters: [staticCluster('c', origin.port)],
    });
    const before = gateway.version;
    const result = await gateway.apply(bad);
    expect(result.accepted).toBe(false);
    expect(result.diagnostics[0]?.path).toBe('tls[0].secret');
    expect(gateway.version).toBe(before);
  });
});
