import http2 from 'node:http2';
import type tls from 'node:tls';
import { compileYaml, createIR, defaultSettings, type GatewayIR } from '@gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HeaderFormatContext,
  HeaderFormatter,
  parseHeaderFormat,
} from '../src/features/header-formatters.js';
import { applyHeaderOps, compileHeaderOps, type HeaderBag } from '../src/features/headers.js';
import { createGateway, type Gateway } from '../src/index.js';
import { selfSigned } from './support/certs.js';
import {
  forward,
  httpListener,
  type Origin,
  route,
  send,
  startOrigin,
  staticCluster,
  vhost,
} from './support/gateway-helpers.js';

function context(overrides: Partial<HeaderFormatContext> = {}): HeaderFormatContext {
  const ctx = new HeaderFormatContext(
    { remoteAddress: '::ffff:10.0.0.7', remotePort: 40000, localAddress: '127.0.0.1', localPort: 8080 },
    '10.0.0.7',
    { 'x-a': 'alpha', 'x-b': 'bravo-long', 'x-list': ['one', 'two'] },
    'example.test',
    'GET',
    '/p?q=1',
    'http',
    'HTTP/1.1',
    Date.UTC(2024, 1, 29, 13, 4, 5, 678),
    'my-route',
  );
  return Object.assign(ctx, overrides);
}

function format(value: string, ctx = context(), direction: 'request' | 'response' = 'request'): string {
  const parsed = parseHeaderFormat(value, direction, { GW_TEST_ENV: 'from-env' });
  if (!parsed.ok) throw new Error(parsed.message);
  return typeof parsed.value === 'string' ? parsed.value : parsed.value.format(ctx);
}

describe('header value parser', () => {
  it('keeps values without % as plain strings and turns %% into a literal %', () => {
    expect(parseHeaderFormat('plain', 'request')).toEqual({ ok: true, value: 'plain' });
    expect(parseHeaderFormat('100%%', 'request')).toEqual({ ok: true, value: '100%' });
    expect(parseHeaderFormat('%%DOWNSTREAM_LOCAL_PORT%%', 'request')).toEqual({
      ok: true,
      value: '%DOWNSTREAM_LOCAL_PORT%',
    });
  });

  it('rejects unknown operators and stray percent signs with a message naming them', () => {
    const unknown = parseHeaderFormat('x-%NOT_AN_OPERATOR%', 'request');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.message).toContain('%NOT_AN_OPERATOR%');
    const stray = parseHeaderFormat('50% off', 'request');
    expect(stray.ok).toBe(false);
    if (!stray.ok) expect(stray.message).toContain('%%');
    expect(parseHeaderFormat('%PROTOCOL', 'request').ok).toBe(false);
    expect(parseHeaderFormat('%REQ(x-a%', 'request').ok).toBe(false);
    expect(parseHeaderFormat('%REQ()%', 'request').ok).toBe(false);
    expect(parseHeaderFormat('%START_TIME(%a)%', 'request').ok).toBe(false);
  });

  it('expands REQ with an alternative header and a maximum length', () => {
    expect(format('%REQ(x-a)%')).toBe('alpha');
    expect(format('%REQ(X-Missing?x-b)%')).toBe('bravo-long');
    expect(format('%REQ(x-missing?x-b):5%')).toBe('bravo');
    expect(format('[%REQ(x-missing)%]')).toBe('[]');
    expect(format('%REQ(x-list)%')).toBe('one,two');
    expect(format('%REQ(:authority)% %REQ(:method)% %REQ(:path)%')).toBe('example.test GET /p?q=1');
  });

  it('expands connection, route and time operators', () => {
    const ctx = context();
    ctx.cluster = 'backend';
    expect(format('%DOWNSTREAM_REMOTE_ADDRESS%', ctx)).toBe('10.0.0.7:40000');
    expect(format('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%/%DOWNSTREAM_REMOTE_PORT%', ctx)).toBe(
      '10.0.0.7/40000',
    );
    expect(format('%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_PORT%', ctx)).toBe('127.0.0.1:8080 8080');
    expect(format('gw-%PROTOCOL%', ctx)).toBe('gw-HTTP/1.1');
    expect(format('%ROUTE_NAME%@%UPSTREAM_CLUSTER%', ctx)).toBe('my-route@backend');
    expect(format('%START_TIME%', ctx)).toBe('2024-02-29T13:04:05.678Z');
    expect(format('%START_TIME(%s)%', ctx)).toBe(String(Math.floor(Date.UTC(2024, 1, 29, 13, 4, 5) / 1000)));
    expect(format('%START_TIME(%Y/%m/%d %H:%M:%S.%3f)%', ctx)).toBe('2024/02/29 13:04:05.678');
    // Not a TLS connection: TLS operators are empty.
    expect(format('%REQUESTED_SERVER_NAME%%DOWNSTREAM_TLS_VERSION%', ctx)).toBe('');
  });

  it('treats an x-forwarded-for client like Envoy: port 0, direct address stays the peer', () => {
    const ctx = new HeaderFormatContext(
      { remoteAddress: '127.0.0.1', remotePort: 5555 },
      '2001:db8::1',
      {},
      'h',
      'GET',
      '/',
      'http',
      'HTTP/2',
      0,
      'r',
    );
    expect(format('%DOWNSTREAM_REMOTE_ADDRESS%', ctx)).toBe('[2001:db8::1]:0');
    expect(format('%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%', ctx)).toBe('127.0.0.1:5555');
  });

  it('folds config-time operators into literals and keeps response-only ones empty in requests', () => {
    expect(parseHeaderFormat('%ENVIRONMENT(GW_TEST_ENV)%', 'request', { GW_TEST_ENV: 'v' })).toEqual({
      ok: true,
      value: 'v',
    });
    expect(parseHeaderFormat('%UPSTREAM_METADATA(["a","b"])%x', 'request')).toEqual({ ok: true, value: 'x' });
    const ctx = context();
    ctx.upstreamAddress = '127.0.0.1:9000';
    ctx.responseHeaders = { 'x-r': 'resp' };
    expect(format('[%UPSTREAM_REMOTE_ADDRESS%][%RESP(x-r)%]', ctx, 'request')).toBe('[][]');
    expect(format('[%UPSTREAM_REMOTE_ADDRESS%][%RESP(x-r)%]', ctx, 'response')).toBe(
      '[127.0.0.1:9000][resp]',
    );
    const dynamic = parseHeaderFormat('%PROTOCOL%', 'request');
    expect(dynamic.ok && dynamic.value instanceof HeaderFormatter).toBe(true);
  });

  it('applies ops in Envoy order and skips values that expand to empty', () => {
    const errors: string[] = [];
    const ops = compileHeaderOps(
      {
        add: [
          { name: 'X-Add', value: 'appended', append: true },
          { name: 'x-add', value: 'set', append: false },
          { name: 'x-echo', value: '%REQ(x-a)%', append: false },
          { name: 'x-gone', value: '%REQ(x-missing)%', append: false },
          { name: 'x-bad', value: '%BOGUS%', append: false },
        ],
        remove: ['x-remove'],
      },
      'request',
      (path, message) => errors.push(`${path}: ${message}`),
    );
    expect(ops.dynamic).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^add\[4\]\.value: header "x-bad": .*%BOGUS%/);
    const headers: HeaderBag = { 'x-remove': '1', 'x-gone': 'kept', 'x-a': 'alpha' };
    applyHeaderOps(ops, headers, context());
    expect(headers).toEqual({
      'x-add': ['set', 'appended'],
      'x-echo': 'alpha',
      'x-gone': 'kept',
      'x-a': 'alpha',
    });
    // A static empty value is skipped too (keep_empty_value defaults to false in Envoy).
    const staticOps = compileHeaderOps({ add: [{ name: 'x-e', value: '', append: false }], remove: [] });
    expect(staticOps.empty).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end

const YAML = (name: string, extra: string) => `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: default}
spec:
  prefix: /${name}/
  service: backend:80
  rewrite: ""
${extra}
`;

describe('header values end to end (HTTP/1.1, compiled from YAML)', () => {
  let origin: Origin;
  let gateway: Gateway;
  let base: string;
  let ir: GatewayIR;

  beforeAll(async () => {
    origin = await startOrigin('o');
    const compiled = compileYaml(
      YAML(
        'fmt',
        `  add_request_headers:
    x-client: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"
    x-via: "gw-%PROTOCOL%"
    x-percent: "100%%"
    x-missing: "%REQ(x-not-sent)%"
    x-alt: "%REQ(x-not-sent?user-agent):4%"
  add_response_headers:
    x-upstream: "%UPSTREAM_REMOTE_ADDRESS%"
    x-cluster: "%UPSTREAM_CLUSTER%"
    x-route: "%ROUTE_NAME%"
    x-echo-id: "%REQ(x-request-id)%"
    x-origin-said: "%RESP(x-origin)%"`,
      ),
    );
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    ir = compiled.ir;
    gateway = createGateway({
      ir,
      listen: { host: '127.0.0.1', port: 0 },
      processMetrics: false,
      resolve: { backend: `127.0.0.1:${origin.port}` },
    });
    await gateway.start();
    base = `http://127.0.0.1:${gateway.address()?.port}`;
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
  });

  it('expands request and response header values per request', async () => {
    const r = await send(`${base}/fmt/x`, { headers: { 'user-agent': 'curlish/1' } });
    expect(r.status).toBe(200);
    const seen = r.json().headers;
    expect(seen['x-client']).toBe('127.0.0.1');
    expect(seen['x-via']).toBe('gw-HTTP/1.1');
    expect(seen['x-percent']).toBe('100%');
    expect(seen['x-missing']).toBeUndefined();
    expect(seen['x-alt']).toBe('curl');
    expect(r.headers['x-upstream']).toBe(`127.0.0.1:${origin.port}`);
    const routeIr = ir.listeners[0]?.virtualHosts[0]?.routes.find((x) => x.match.path.value === '/fmt/');
    const clusterName = routeIr?.action.kind === 'forward' ? routeIr.action.clusters[0]?.cluster : '';
    expect(r.headers['x-cluster']).toBe(clusterName);
    expect(r.headers['x-route']).toBe(routeIr?.name);
    expect(r.headers['x-echo-id']).toBe(seen['x-request-id']);
    expect(r.headers['x-origin-said']).toBe('o');
  });

  it('rejects an unknown operator (core diagnostic; proxy apply names route and header) and keeps serving', async () => {
    // Core flags the value when compiling YAML (both data planes agree)...
    const flagged = compileYaml(YAML('fmt', '  add_request_headers:\n    x-bad: "%NO_SUCH_THING%"'));
    const coreError = flagged.diagnostics.find((x) => x.code === 'invalid-header-format');
    expect(coreError?.path).toBe('spec.add_request_headers["x-bad"]');
    expect(coreError?.resource.name).toBe('fmt');
    // ...and the proxy refuses such an IR from any other source.
    const bad = structuredClone(ir);
    const badRoute = bad.listeners[0]?.virtualHosts[0]?.routes.find((x) => x.match.path.value === '/fmt/');
    badRoute?.requestHeaders.add.push({ name: 'x-bad', value: '%NO_SUCH_THING%', append: false });
    const result = await gateway.apply({ ...bad, version: `${ir.version}-bad` });
    expect(result.accepted).toBe(false);
    const d = result.diagnostics.find((x) => x.message.includes('%NO_SUCH_THING%'));
    expect(d?.severity).toBe('error');
    expect(d?.path).toMatch(/^requestHeaders\.add\[\d+\]\.value$/);
    expect(d?.message).toContain('x-bad');
    expect(d?.resource.name).toBe('fmt');
    const r = await send(`${base}/fmt/again`);
    expect(r.status).toBe(200);
    expect(r.json().headers['x-via']).toBe('gw-HTTP/1.1');
  });
});

describe('header values end to end (HTTP/2 over TLS)', () => {
  let origin: Origin;
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    origin = await startOrigin('o');
    const cert = selfSigned('a.test');
    const routes = [
      route('tls-route', '/', forward('c'), {
        requestHeaders: {
          add: [
            { name: 'x-sni', value: '%REQUESTED_SERVER_NAME%', append: false },
            { name: 'x-tls', value: '%DOWNSTREAM_TLS_VERSION%', append: false },
            { name: 'x-via', value: 'gw-%PROTOCOL%', append: false },
            { name: 'x-local', value: '%DOWNSTREAM_LOCAL_ADDRESS%', append: false },
            { name: 'x-peer-san', value: '[%DOWNSTREAM_PEER_URI_SAN%]', append: false },
          ],
          remove: [],
        },
        responseHeaders: {
          add: [{ name: 'x-upstream', value: '%UPSTREAM_REMOTE_ADDRESS%', append: false }],
          remove: [],
        },
      }),
    ];
    const ir = createIR({
      settings: defaultSettings(),
      listeners: [
        {
          ...httpListener([vhost(['*'], routes)]),
          name: 'listener-8443',
          protocol: 'https',
          tls: [
            {
              serverNames: ['a.test'],
              secret: 'default/a',
              alpnProtocols: ['h2', 'http/1.1'],
              requireClientCertificate: false,
            },
          ],
        },
      ],
      clusters: [staticCluster('c', origin.port)],
      secrets: [
        { name: 'default/a', certificateChain: { inline: cert.cert }, privateKey: { inline: cert.key } },
      ],
    });
    gateway = createGateway({
      ir,
      processMetrics: false,
      listeners: { 'listener-8443': { host: '127.0.0.1', port: 0 } },
    });
    await gateway.start();
    port = gateway.addresses()['listener-8443']?.port ?? 0;
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
  });

  it('sees SNI, TLS version and HTTP/2', async () => {
    const { status, headers, body } = await new Promise<{
      status: number;
      headers: http2.IncomingHttpHeaders;
      body: string;
    }>((resolve, reject) => {
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        servername: 'a.test',
        rejectUnauthorized: false,
      } as http2.SecureClientSessionOptions & tls.ConnectionOptions);
      session.on('error', reject);
      const stream = session.request({ ':path': '/h2' });
      let data = '';
      let head: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => {
        head = h;
      });
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        data += d;
      });
      stream.on('end', () => {
        session.close();
        resolve({ status: Number(head[':status']), headers: head, body: data });
      });
      stream.on('error', reject);
    });
    expect(status).toBe(200);
    const seen = JSON.parse(body).headers as Record<string, string>;
    expect(seen['x-sni']).toBe('a.test');
    expect(seen['x-tls']).toMatch(/^TLSv1\.[23]$/);
    expect(seen['x-via']).toBe('gw-HTTP/2');
    expect(seen['x-local']).toBe(`127.0.0.1:${port}`);
    expect(seen['x-peer-san']).toBe('[]');
    expect(headers['x-upstream']).toBe(`127.0.0.1:${origin.port}`);
  });
});
