import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import {
  forward,
  makeIR,
  type Origin,
  rawExchange,
  rawStatus,
  route,
  startGateway,
  startOrigin,
  staticCluster,
} from './support/gateway-helpers.js';

/** Each case sends the raw attack over a TCP socket, the way an attacker would. */
describe('safe by default: raw attacks against the HTTP/1.1 listener', () => {
  let origin: Origin;
  let admin: Origin;
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    origin = await startOrigin('public');
    admin = await startOrigin('admin');
    const ir = makeIR(
      [route('admin', '/admin', forward('cluster_admin')), route('public', '/', forward('cluster_public'))],
      [staticCluster('cluster_public', origin.port), staticCluster('cluster_admin', admin.port)],
      { requestHeadersTimeoutMs: 400, maxRequestBodyBytes: 1024, maxRequestHeadersKb: 8 },
    );
    ({ gateway, port } = await startGateway(ir));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await Promise.all([origin.close(), admin.close()]);
  });

  const get = (target: string, extra = '') =>
    rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n${extra}\r\n`);

  it('normalises dot segments before routing, and forwards the normalised path', async () => {
    const res = await get('/public/../admin/panel');
    expect(rawStatus(res)).toBe(200);
    expect(res).toContain('"origin":"admin"');
    expect(res).toContain('"url":"/admin/panel"');
    const encoded = await get('/public/%2e%2e/admin/x');
    expect(encoded).toContain('"url":"/admin/x"');
  });

  it('decodes percent-encoded unreserved characters once (/%61dmin is /admin)', async () => {
    const res = await get('/%61dmin/x');
    expect(res).toContain('"origin":"admin"');
    expect(res).toContain('"url":"/admin/x"');
  });

  it('merges duplicate slashes', async () => {
    const res = await get('//admin//x');
    expect(res).toContain('"url":"/admin/x"');
  });

  it('rejects encoded slashes and backslashes with 400', async () => {
    expect(rawStatus(await get('/admin%2Fx'))).toBe(400);
    expect(rawStatus(await get('/admin%5cx'))).toBe(400);
  });

  it('rejects NUL bytes (encoded) and malformed escapes', async () => {
    expect(rawStatus(await get('/a%00b'))).toBe(400);
    expect(rawStatus(await get('/a%zzb'))).toBe(400);
  });

  it('rejects Content-Length together with Transfer-Encoding (smuggling)', async () => {
    const res = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(400);
    expect(res).not.toContain('"origin"');
  });

  it('rejects duplicate Content-Length headers', async () => {
    const res = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
    );
    expect(rawStatus(res)).toBe(400);
  });

  it('rejects duplicate Host headers', async () => {
    const res = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(400);
  });

  it('rejects an absolute-form target whose authority disagrees with Host', async () => {
    const res = await rawExchange(
      port,
      'GET http://other.example/admin HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(400);
  });

  it('strips hop-by-hop headers and the headers named in Connection, but keeps te: trailers', async () => {
    const res = await rawExchange(
      port,
      'GET /x HTTP/1.1\r\nHost: gw.example\r\nConnection: close, x-hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9v\r\nTE: trailers\r\nX-Keep: yes\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(200);
    const seen = origin.seen[origin.seen.length - 1];
    expect(seen?.headers['x-hop']).toBeUndefined();
    expect(seen?.headers['keep-alive']).toBeUndefined();
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers.te).toBe('trailers');
    expect(seen?.headers['x-keep']).toBe('yes');
  });

  it('answers 431 to oversized request headers', async () => {
    const res = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nHost: gw.example\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`,
    );
    expect(rawStatus(res)).toBe(431);
  });

  it('closes slowloris connections that never finish their headers (408)', async () => {
    const res = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: gw.example\r\nX-Slow: 1\r\n', 5000);
    expect(rawStatus(res)).toBe(408);
  });

  it('answers 413 to bodies over the limit (declared and chunked)', async () => {
    const declared = await rawExchange(
      port,
      `POST / HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n${'x'.repeat(2000)}`,
    );
    expect(rawStatus(declared)).toBe(413);
    const chunk = 'x'.repeat(800);
    const chunked = await rawExchange(
      port,
      `POST / HTTP/1.1\r\nHost: gw.example\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n320\r\n${chunk}\r\n320\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(rawStatus(chunked)).toBe(413);
  });

  it('sets X-Forwarded-For from the socket peer, ignoring spoofed client addresses for trust', async () => {
    await rawExchange(
      port,
      'GET /x HTTP/1.1\r\nHost: gw.example\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n',
    );
    const seen = origin.seen[origin.seen.length - 1];
    expect(seen?.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
  });

  it('rejects request targets that are neither origin-form nor absolute-form', async () => {
    const res = await rawExchange(
      port,
      'GET admin HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(400);
  });
});

describe('escaped-slash and trusted-hop settings', () => {
  let origin: Origin;
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    origin = await startOrigin('o');
    const ir = makeIR([route('all', '/', forward('c'))], [staticCluster('c', origin.port)], {
      escapedSlashesAction: 'keep',
      xffNumTrustedHops: 1,
    });
    ({ gateway, port } = await startGateway(ir));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
  });

  it('keeps %2F when configured to', async () => {
    const res = await rawExchange(port, 'GET /queue/a%2fb HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    expect(rawStatus(res)).toBe(200);
    expect(res).toContain('"url":"/queue/a%2Fb"');
  });

  it('trusts one hop of X-Forwarded-Proto when xffNumTrustedHops is 1', async () => {
    const res = await rawExchange(
      port,
      'GET /x HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n',
    );
    expect(res).toContain('"x-forwarded-proto":"https"');
  });
});

describe('source-IP lists and header names with underscores', () => {
  it('denies clients on ip_deny and drops or rejects underscore headers per settings', async () => {
    const origin = await startOrigin('o');
    const denied = await startGateway(
      makeIR([route('all', '/', forward('c'))], [staticCluster('c', origin.port)], {
        ipDeny: ['127.0.0.0/8'],
      }),
    );
    expect(
      rawStatus(await rawExchange(denied.port, 'GET / HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n')),
    ).toBe(403);
    await denied.gateway.close({ drainTimeoutMs: 50 });

    const allowOther = await startGateway(
      makeIR([route('all', '/', forward('c'))], [staticCluster('c', origin.port)], {
        ipAllow: ['10.0.0.0/8'],
      }),
    );
    expect(
      rawStatus(
        await rawExchange(allowOther.port, 'GET / HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'),
      ),
    ).toBe(403);
    await allowOther.gateway.close({ drainTimeoutMs: 50 });

    const reject = await startGateway(
      makeIR([route('all', '/', forward('c'))], [staticCluster('c', origin.port)], {
        headersWithUnderscoresAction: 'reject',
      }),
    );
    expect(
      rawStatus(
        await rawExchange(
          reject.port,
          'GET / HTTP/1.1\r\nHost: gw\r\nX_User: admin\r\nConnection: close\r\n\r\n',
        ),
      ),
    ).toBe(400);
    await reject.gateway.close({ drainTimeoutMs: 50 });

    const drop = await startGateway(
      makeIR([route('all', '/', forward('c'))], [staticCluster('c', origin.port)], {
        headersWithUnderscoresAction: 'drop',
      }),
    );
    const res = await rawExchange(
      drop.port,
      'GET / HTTP/1.1\r\nHost: gw\r\nX_User: admin\r\nX-Ok: 1\r\nConnection: close\r\n\r\n',
    );
    expect(rawStatus(res)).toBe(200);
    expect(origin.seen[origin.seen.length - 1]?.headers.x_user).toBeUndefined();
    expect(origin.seen[origin.seen.length - 1]?.headers['x-ok']).toBe('1');
    await drop.gateway.close({ drainTimeoutMs: 50 });
    await origin.close();
  });
});
