import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import {
  forward,
  makeIR,
  type Origin,
  route,
  send,
  startGateway,
  startOrigin,
  staticCluster,
  vhost,
} from './support/gateway-helpers.js';

describe('gateway over HTTP/1.1: routing features end to end', () => {
  let a: Origin;
  let b: Origin;
  let mirror: Origin;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    a = await startOrigin('a');
    b = await startOrigin('b');
    mirror = await startOrigin('mirror');
    const clusters = [
      staticCluster('cluster_a', a.port),
      staticCluster('cluster_b', b.port),
      staticCluster('cluster_mirror', mirror.port),
    ];
    const routes = [
      route('rewrite', '/api/', forward('cluster_a', { rewrite: { kind: 'prefix', value: '/v1/' } })),
      route(
        'regex-rewrite',
        { kind: 'regex', value: '/users/([0-9]+)/profile' },
        forward('cluster_a', {
          rewrite: { kind: 'regex', pattern: '^/users/([0-9]+)/profile$', substitution: '/profiles/\\1' },
        }),
      ),
      route(
        'full-rewrite',
        { kind: 'exact', value: '/old' },
        forward('cluster_a', { rewrite: { kind: 'full', value: '/new' } }),
      ),
      route('segment', { kind: 'segment-prefix', value: '/seg' }, forward('cluster_b')),
      route('host-rewrite', '/hr/', forward('cluster_a', { hostRewrite: 'internal.example' })),
      route('post-only', '/method/', forward('cluster_b'), {
        match: { headers: [{ name: ':method', match: { exact: 'POST' } }] },
      }),
      route('method-fallback', '/method/', forward('cluster_a')),
      route('header-match', '/hdr/', forward('cluster_b'), {
        match: { headers: [{ name: 'x-canary', match: { regex: 'yes|true' } }] },
      }),
      route('header-fallback', '/hdr/', forward('cluster_a')),
      route('query-match', '/q/', forward('cluster_b'), {
        match: { queryParams: [{ name: 'beta', match: { exact: '1' } }] },
      }),
      route('query-fallback', '/q/', forward('cluster_a')),
      route('headers', '/headers/', forward('cluster_a'), {
        requestHeaders: {
          add: [
            { name: 'x-added', value: 'route', append: false },
            { name: 'x-multi', value: 'two', append: true },
          ],
          remove: ['x-secret'],
        },
        responseHeaders: { add: [{ name: 'x-resp', value: 'yes', append: false }], remove: ['x-origin'] },
      }),
      route('redirect', '/go/', {
        kind: 'redirect',
        host: 'elsewhere.example',
        scheme: 'https',
        path: { kind: 'prefix', value: '/landing/' },
        statusCode: 302,
      }),
      route(
        'direct',
        { kind: 'exact', value: '/teapot' },
        { kind: 'direct', status: 418, body: 'short and stout', contentType: 'text/plain' },
      ),
      route('cors', '/cors/', forward('cluster_a'), {
        cors: {
          allowOrigins: [{ exact: 'https://app.example' }, { suffix: '.trusted.example' }],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['content-type', 'x-token'],
          exposeHeaders: ['x-origin'],
          allowCredentials: true,
          maxAgeSeconds: 600,
        },
      }),
      route(
        'mirror',
        '/mirror/',
        forward('cluster_a', { mirrors: [{ cluster: 'cluster_mirror', percent: 100 }] }),
      ),
      route(
        'canary',
        '/canary/',
        forward([
          ['cluster_a', 70],
          ['cluster_b', 30],
        ]),
      ),
      route('case-insensitive', '/CaseI/', forward('cluster_b'), { match: { caseSensitive: false } }),
      route('catch-all', '/', forward('cluster_b')),
    ];
    const ir = makeIR(
      [
        vhost(['exact.example'], [route('exact-host', '/', forward('cluster_a'))]),
        vhost(['*.wild.example'], [route('suffix-host', '/', forward('cluster_b'))]),
        vhost(['*'], routes),
      ],
      clusters,
    );
    ({ gateway, base } = await startGateway(ir));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await Promise.all([a.close(), b.close(), mirror.close()]);
  });

  it('forwards with a prefix rewrite and keeps the query string', async () => {
    const r = await send(`${base}/api/items?x=1`);
    expect(r.status).toBe(200);
    expect(r.json().origin).toBe('a');
    expect(r.json().url).toBe('/v1/items?x=1');
  });

  it('applies RE2 regex rewrites with group references', async () => {
    const r = await send(`${base}/users/42/profile`);
    expect(r.json().url).toBe('/profiles/42');
  });

  it('matches exact paths and rewrites the whole path', async () => {
    expect((await send(`${base}/old`)).json().url).toBe('/new');
    // /old/x is not an exact match: falls through to the catch-all (cluster b).
    expect((await send(`${base}/old/x`)).json().origin).toBe('b');
  });

  it('segment-prefix matches whole segments only', async () => {
    expect((await send(`${base}/seg`)).json().origin).toBe('b');
    expect((await send(`${base}/seg/x`)).json().origin).toBe('b');
    const r = await send(`${base}/segment`);
    expect(r.json().origin).toBe('b'); // catch-all, also b: check via the route's rewrite-free URL
    expect(r.json().url).toBe('/segment');
  });

  it('rewrites the Host header', async () => {
    expect((await send(`${base}/hr/x`)).json().headers.host).toBe('internal.example');
    expect((await send(`${base}/api/x`)).json().headers.host).toBe(new URL(base).host);
  });

  it('matches on method, header regex and query parameters in route order', async () => {
    expect((await send(`${base}/method/x`, { method: 'POST', body: 'p' })).json().origin).toBe('b');
    expect((await send(`${base}/method/x`)).json().origin).toBe('a');
    expect((await send(`${base}/hdr/x`, { headers: { 'x-canary': 'yes' } })).json().origin).toBe('b');
    expect((await send(`${base}/hdr/x`, { headers: { 'x-canary': 'nope' } })).json().origin).toBe('a');
    expect((await send(`${base}/q/x?beta=1`)).json().origin).toBe('b');
    expect((await send(`${base}/q/x?beta=2`)).json().origin).toBe('a');
  });

  it('adds and removes request and response headers', async () => {
    const r = await send(`${base}/headers/x`, { headers: { 'x-secret': 's', 'x-multi': 'one' } });
    const seen = r.json().headers;
    expect(seen['x-added']).toBe('route');
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['x-multi']).toBe('one, two');
    expect(r.headers['x-resp']).toBe('yes');
    expect(r.headers['x-origin']).toBeUndefined();
  });

  it('answers redirects and direct responses at the gateway', async () => {
    const r = await send(`${base}/go/somewhere?k=v`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('https://elsewhere.example/landing/somewhere?k=v');
    const d = await send(`${base}/teapot`);
    expect(d.status).toBe(418);
    expect(d.text).toBe('short and stout');
    expect(d.headers['content-type']).toBe('text/plain');
  });

  it('answers CORS preflights at the gateway and decorates actual responses', async () => {
    const before = a.seen.length;
    const pre = await send(`${base}/cors/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(pre.headers['access-control-allow-headers']).toBe('content-type,x-token');
    expect(pre.headers['access-control-max-age']).toBe('600');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(a.seen.length).toBe(before); // never reached the upstream

    const actual = await send(`${base}/cors/x`, { headers: { origin: 'https://x.trusted.example' } });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe('https://x.trusted.example');
    expect(actual.headers['access-control-expose-headers']).toBe('x-origin');

    const denied = await send(`${base}/cors/x`, { headers: { origin: 'https://evil.example' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mirrors requests (with body) to the shadow cluster without affecting the primary', async () => {
    const before = mirror.seen.length;
    const r = await send(`${base}/mirror/x`, {
      method: 'POST',
      body: 'payload',
      headers: { 'content-type': 'text/plain' },
    });
    expect(r.status).toBe(200);
    expect(r.json().origin).toBe('a');
    expect(r.json().body).toBe('payload');
    for (let i = 0; i < 50 && mirror.seen.length === before; i++)
      await new Promise((res) => setTimeout(res, 20));
    const shadow = mirror.seen[mirror.seen.length - 1];
    expect(shadow?.url).toBe('/mirror/x');
    expect(shadow?.body).toBe('payload');
    expect(shadow?.headers.host).toMatch(/^127\.0\.0\.1-shadow:\d+$/);
  });

  it('splits canary traffic by weight', async () => {
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 200; i++) {
      const r = await send(`${base}/canary/x`);
      counts[r.json().origin as 'a' | 'b']++;
    }
    // 70/30 split: with 200 draws, both sides are far from 0 and a dominates.
    expect(counts.a).toBeGreaterThan(100);
    expect(counts.b).toBeGreaterThan(25);
  });

  it('honours case-insensitive routes', async () => {
    expect((await send(`${base}/casei/x`)).json().origin).toBe('b');
  });

  it('selects virtual hosts by exact and wildcard domains', async () => {
    expect((await send(`${base}/anything`, { headers: { host: 'exact.example' } })).json().origin).toBe('a');
    expect(
      (await send(`${base}/anything`, { headers: { host: 'api.wild.example:8080' } })).json().origin,
    ).toBe('b');
    // `wild.example` itself does not match `*.wild.example`: falls to `*`, whose catch-all is b.
    expect((await send(`${base}/api/x`, { headers: { host: 'wild.example' } })).json().origin).toBe('a');
  });

  it('sets X-Forwarded-For/-Proto and a request id', async () => {
    const r = await send(`${base}/api/x`, {
      headers: { 'x-forwarded-for': '10.9.9.9', 'x-forwarded-proto': 'https' },
    });
    const h = r.json().headers;
    expect(h['x-forwarded-for']).toBe('10.9.9.9, 127.0.0.1');
    // No trusted hops: the client's X-Forwarded-Proto is overwritten with the real scheme.
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 404 when nothing matches and 503 when the upstream is down', async () => {
    const r = await send(`${base}/x`, { headers: { host: 'exact.example' } });
    expect(r.status).toBe(200);
    const down = await startOrigin('down');
    await down.close();
    const applied = await gateway.apply(
      makeIR([route('dead', '/', forward('cluster_dead'))], [staticCluster('cluster_dead', down.port)]),
    );
    expect(applied.accepted).toBe(true);
    const dead = await send(`${base}/x`);
    expect(dead.status).toBe(503);
    const none = await gateway.apply(
      makeIR(
        [route('only', { kind: 'exact', value: '/only' }, forward('cluster_a'))],
        [staticCluster('cluster_a', a.port)],
      ),
    );
    expect(none.accepted).toBe(true);
    expect((await send(`${base}/missing`)).status).toBe(404);
  });
});
