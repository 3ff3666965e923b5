import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { IRSecret } from '@gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterManager } from '../../src/upstream/index.js';
import { call, cluster, endpoint, ir } from './helpers.js';

interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A throwaway CA with a server cert for `upstream.test` and a client cert, made with openssl. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'gw-upstream-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=gateway test CA',
  );
  for (const [name, cn, ext] of [
    ['server', 'upstream.test', 'subjectAltName=DNS:upstream.test\nextendedKeyUsage=serverAuth\n'],
    ['client', 'gateway-client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}

describe('upstream TLS origination', () => {
  let pki: Pki;
  let https: HttpsServer;
  let port: number;
  let h2s: Http2SecureServer;
  let h2Port: number;
  const seen: Array<{ sni: string | false | null; client: string | undefined }> = [];

  beforeAll(async () => {
    pki = makePki();
    https = createHttpsServer(
      {
        cert: pki.serverCert,
        key: pki.serverKey,
        ca: pki.caCert,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        seen.push({
          sni: socket.servername,
          client: socket.authorized ? String(peer.subject?.CN) : undefined,
        });
        res.end(`tls ok ${req.headers.host}`);
      },
    );
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    port = (https.address() as AddressInfo).port;

    h2s = createSecureServer({ cert: pki.serverCert, key: pki.serverKey, allowHTTP1: false });
    h2s.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(`h2 over tls ${headers[':authority']}`);
    });
    h2s.listen(0, '127.0.0.1');
    await once(h2s, 'listening');
    h2Port = (h2s.address() as AddressInfo).port;
  });

  afterAll(async () => {
    https.closeAllConnections();
    await new Promise<void>((r) => https.close(() => r()));
    await new Promise<void>((r) => h2s.close(() => r()));
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const secrets = (): IRSecret[] => [
    { name: 'default/ca', trustedCa: { inline: pki.caCert } },
    { name: 'default/ca-file', trustedCa: { file: join(pki.dir, 'ca.crt') } },
    {
      name: 'default/client',
      certificateChain: { file: join(pki.dir, 'client.crt') },
      privateKey: { inline: pki.clientKey },
    },
  ];

  it('verifies the upstream against the CA secret and sends the SNI', async () => {
    const cm = createClusterManager();
    cm.update(
      ir(
        [
          cluster('tls', [endpoint(port)], {
            tls: { sni: 'upstream.test', caSecret: 'default/ca', verify: true, alpnProtocols: [] },
          }),
        ],
        secrets(),
      ),
    );
    seen.length = 0;
    const a = await call(cm, 'tls');
    expect(a).toMatchObject({ kind: 'response', status: 200, body: 'tls ok test.local' });
    expect(seen).toEqual([{ sni: 'upstream.test', client: undefined }]);
    await cm.close();
  });

  it('presents a client certificate from a secret (mTLS) and reads a CA from a file', async () => {
    const cm = createClusterManager();
    cm.update(
      ir(
        [
          cluster('mtls', [endpoint(port)], {
            tls: {
              sni: 'upstream.test',
              caSecret: 'default/ca-file',
              clientSecret: 'default/client',
              verify: true,
              alpnProtocols: [],
            },
          }),
        ],
        secrets(),
      ),
    );
    seen.length = 0;
    expect((await call(cm, 'mtls')).status).toBe(200);
    expect(seen).toEqual([{ sni: 'upstream.test', client: 'gateway-client' }]);
    await cm.close();
  });

  it('takes the SNI from the service host when none is given', async () => {
    const cm = createClusterManager();
    cm.update(
      ir(
        [
          cluster('svc', [endpoint(port)], {
            service: 'https://upstream.test:443',
            tls: { caSecret: 'default/ca', verify: true, alpnProtocols: [] },
          }),
        ],
        secrets(),
      ),
    );
    seen.length = 0;
    expect((await call(cm, 'svc')).status).toBe(200);
    expect(seen[0]!.sni).toBe('upstream.test');
    await cm.close();
  });

  it('fails with connect-failure when the certificate does not verify', async () => {
    const cm = createClusterManager();
    cm.update(
      ir(
        [
          // Unknown CA (system trust store only).
          cluster('untrusted', [endpoint(port)], {
            tls: { sni: 'upstream.test', verify: true, alpnProtocols: [] },
          }),
          // Trusted CA, wrong name.
          cluster('wrong-name', [endpoint(port)], {
            tls: { sni: 'other.test', caSecret: 'default/ca', verify: true, alpnProtocols: [] },
          }),
          // Verification off: accepted.
          cluster('no-verify', [endpoint(port)], {
            tls: { sni: 'upstream.test', verify: false, alpnProtocols: [] },
          }),
        ],
        secrets(),
      ),
    );
    const untrusted = await call(cm, 'untrusted');
    expect(untrusted).toMatchObject({ kind: 'failure', reason: 'connect-failure', status: 503 });
    expect(untrusted.message).toMatch(/certificate/i);
    const wrongName = await call(cm, 'wrong-name');
    expect(wrongName).toMatchObject({ kind: 'failure', reason: 'connect-failure' });
    expect(wrongName.message).toMatch(/other\.test/);
    expect((await call(cm, 'no-verify')).status).toBe(200);
    await cm.close();
  });

  it('speaks HTTP/2 over TLS (ALPN h2) to http2 clusters, with trailers', async () => {
    const cm = createClusterManager();
    cm.update(
      ir(
        [
          cluster('h2tls', [endpoint(h2Port)], {
            protocol: 'http2',
            tls: { sni: 'upstream.test', caSecret: 'default/ca', verify: true, alpnProtocols: ['h2'] },
          }),
        ],
        secrets(),
      ),
    );
    const a = await call(cm, 'h2tls');
    expect(a).toMatchObject({
      status: 200,
      body: 'h2 over tls test.local',
      trailers: { 'grpc-status': '0' },
    });
    await cm.close();
  });

  it('reports a missing or unreadable secret as a diagnostic and fails the cluster clearly', async () => {
    const cm = createClusterManager();
    const errors: string[] = [];
    cm.on('config-error', (c, d) => errors.push(`${c}: ${d}`));
    cm.update(
      ir(
        [
          cluster('broken', [endpoint(port)], {
            tls: {
              caSecret: 'default/nope',
              clientSecret: 'default/bad-file',
              verify: true,
              alpnProtocols: [],
            },
          }),
        ],
        [
          {
            name: 'default/bad-file',
            certificateChain: { file: '/nonexistent/cert.pem' },
            privateKey: { inline: 'x' },
          },
        ],
      ),
    );
    const diags = cm.diagnostics!();
    expect(diags.map((d) => [d.resource.name, d.path, d.severity])).toEqual([
      ['broken', 'tls.caSecret', 'error'],
      ['broken', 'tls.clientSecret', 'error'],
    ]);
    expect(diags[0]!.message).toContain("'default/nope'");
    expect(diags[1]!.message).toContain('/nonexistent/cert.pem');
    expect(errors).toHaveLength(1);
    const a = await call(cm, 'broken');
    expect(a).toMatchObject({ kind: 'failure', reason: 'no-healthy-endpoint', status: 503 });
    expect(a.message).toContain('tls.caSecret');
    await cm.close();
  });
});
