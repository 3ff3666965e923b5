import { createServer, type Server } from 'node:http';
import { compileYaml, type GatewayIR, type IRRoute, sealIR } from '@gateway/core';
import { createGateway, type Gateway } from '@gateway/proxy';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitService } from '../../src/filters/envoy-grpc.js';
import { closeServer, freePort, listen, RedisProcess } from './helpers.js';

/**
 * End-to-end: YAML -> compileYaml -> createGateway, with real auth, JWKS, rate-limit and Redis
 * servers on 127.0.0.1.
 */

let backend: Server;
let backendPort = 0;
let authServer: Server;
let authPort = 0;
let jwksServer: Server;
let jwksPort = 0;
let jwksKeys: JWK[] = [];
let rls: grpc.Server;
let rlsPort = 0;
const rlsCounts = new Map<string, number>();
let redis: RedisProcess;
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let signer: KeyPair;

const gateways: Gateway[] = [];

beforeAll(async () => {
  backend = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  backendPort = await listen(backend);

  authServer = createServer((req, res) => {
    if (req.headers.authorization === 'Basic good') {
      res.writeHead(200, { 'x-auth-user': 'alice', 'x-not-copied': '1' }).end();
    } else {
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="gw"', 'content-type': 'text/plain' })
        .end('who are you?');
    }
  });
  authPort = await listen(authServer);

  signer = await generateKeyPair('ES256', { extractable: true });
  jwksKeys = [{ ...(await exportJWK(signer.publicKey)), kid: 'e1', alg: 'ES256' }];
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwksKeys }));
  });
  jwksPort = await listen(jwksServer);

  rls = new grpc.Server();
  rls.addService(rateLimitService().service, {
    // biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
    ShouldRateLimit: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const key = JSON.stringify(call.request.descriptors);
      const n = (rlsCounts.get(key) ?? 0) + 1;
      rlsCounts.set(key, n);
      cb(null, { overall_code: n > 2 ? 'OVER_LIMIT' : 'OK' });
    },
  });
  rlsPort = await new Promise<number>((resolve, reject) =>
    rls.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );

  redis = new RedisProcess(await freePort());
  await redis.start();
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close({ drainTimeoutMs: 100 })));
  await Promise.all([closeServer(backend), closeServer(authServer), closeServer(jwksServer)]);
  await new Promise<void>((r) => rls.tryShutdown(() => r()));
  await redis.dispose();
});

async function start(ir: GatewayIR): Promise<string> {
  const gw = createGateway({
    ir,
    listen: { host: '127.0.0.1', port: 0 },
    resolve: {
      backend: `127.0.0.1:${backendPort}`,
      authsvc: `127.0.0.1:${authPort}`,
      'jwks.test': `127.0.0.1:${jwksPort}`,
      ratelimit: `127.0.0.1:${rlsPort}`,
    },
  });
  gateways.push(gw);
  await gw.start();
  return `http://127.0.0.1:${gw.address()!.port}`;
}

function compile(yaml: string): GatewayIR {
  const { ir, diagnostics } = compileYaml(yaml);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return ir;
}

const mapping = (name: string, prefix: string, extra = '') => `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}
spec:
  prefix: ${prefix}
  service: backend:80
  rewrite: ""
${extra}
---`;

describe('gateway: AuthService (ext_authz over HTTP)', () => {
  it('denies with the auth service answer, allows with copied headers, honours bypass_auth', async () => {
    const url = await start(
      compile(`${mapping('api', '/api/')}${mapping('open', '/open/', '  bypass_auth: true')}
apiVersion: getambassador.io/v3alpha1
kind: AuthService
metadata: {name: auth, namespace: default}
spec:
  auth_service: authsvc:3000
  allowed_authorization_headers: [x-auth-user]
`),
    );
    const denied = await fetch(`${url}/api/x`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="gw"');
    expect(await denied.text()).toBe('who are you?');

    const ok = await fetch(`${url}/api/x`, { headers: { authorization: 'Basic good' } });
    expect(ok.status).toBe(200);
    const seen = (await ok.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-auth-user']).toBe('alice');
    expect(seen.headers['x-not-copied']).toBeUndefined();

    expect((await fetch(`${url}/open/x`)).status).toBe(200);
  });
});

describe('gateway: JwtProvider + AuthorizationPolicy', () => {
  const token = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'e1' })
      .setIssuer('https://issuer.test')
      .setAudience('gw')
      .setExpirationTime('5m')
      .sign(signer.privateKey);

  it('verifies tokens, forwards claims and enforces policies per route', async () => {
    const url = await start(
      compile(`${mapping('public', '/public/')}${mapping('admin', '/admin/')}
apiVersion: gateway.sdk/v1alpha1
kind: JwtProvider
metadata: {name: idp, namespace: default}
spec:
  issuer: https://issuer.test
  audiences: [gw]
  jwksUri: http://jwks.test/jwks.json
  claimToHeaders: [{claim: sub, header: x-user}]
  required: false
---
apiVersion: gateway.sdk/v1alpha1
kind: AuthorizationPolicy
metadata: {name: admins, namespace: default}
spec:
  action: ALLOW
  selector: {names: [admin]}
  rules:
    - principals: [alice, "*@ops.example"]
---
apiVersion: gateway.sdk/v1alpha1
kind: AuthorizationPolicy
metadata: {name: no-delete, namespace: default}
spec:
  action: DENY
  rules:
    - methods: [DELETE]
`),
    );
    // Public route: optional JWT; anonymous passes, a bad token does not.
    expect((await fetch(`${url}/public/x`)).status).toBe(200);
    const bad = await fetch(`${url}/public/x`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

    const alice = await token({ sub: 'alice' });
    const ok = await fetch(`${url}/admin/x`, {
      headers: { authorization: `Bearer ${alice}`, 'x-user': 'mallory' },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { headers: Record<string, string> }).headers['x-user']).toBe('alice');

    const bob = await token({ sub: 'bob' });
    const forbidden = await fetch(`${url}/admin/x`, { headers: { authorization: `Bearer ${bob}` } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toBe('RBAC: access denied');
    expect(
      (
        await fetch(`${url}/admin/x`, {
          headers: { authorization: `Bearer ${await token({ sub: 'c@ops.example' })}` },
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${url}/admin/x`)).status).toBe(403);
    // Gateway-wide DENY.
    expect((await fetch(`${url}/public/x`, { method: 'DELETE' })).status).toBe(403);
  });

  it('Kubernetes ServiceAccount tokens: principals and namespaces', async () => {
    const url = await start(
      compile(`${mapping('svc', '/svc/')}
apiVersion: gateway.sdk/v1alpha1
kind: JwtProvider
metadata: {name: k8s, namespace: default}
spec:
  kubernetesServiceAccount: {issuer: "https://issuer.test", jwksUri: "http://jwks.test/openid/v1/jwks"}
  audiences: [gw]
---
apiVersion: gateway.sdk/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ops-ns, namespace: default}
spec:
  rules:
    - namespaces: [ops]
`),
    );
    const sa = (ns: string, name: string) =>
      token({
        sub: `system:serviceaccount:${ns}:${name}`,
        'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: 'u' } },
      });
    expect(
      (await fetch(`${url}/svc/x`, { headers: { authorization: `Bearer ${await sa('ops', 'bot')}` } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${url}/svc/x`, { headers: { authorization: `Bearer ${await sa('dev', 'bot')}` } }))
        .status,
    ).toBe(403);
    expect((await fetch(`${url}/svc/x`)).status).toBe(401);
  });
});

describe('gateway: rate limits', () => {
  it('local limit per route with x-ratelimit headers', async () => {
    const url = await start(
      compile(
        mapping('lim', '/lim/', '  gateway_sdk: {rateLimit: {requestsPerUnit: 2, unit: minute}}').replace(
          /---$/,
          '',
        ),
      ),
    );
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${url}/lim/x`);
      statuses.push(last.status);
      await last.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('2');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('global limit through a RateLimitService and Mapping labels', async () => {
    const url = await start(
      compile(`${mapping(
        'glob',
        '/glob/',
        `  labels:
    ambassador:
      - per_user:
        - generic_key: {value: glob}
        - request_headers: {header_name: x-user, key: user}`,
      )}
apiVersion: getambassador.io/v3alpha1
kind: RateLimitService
metadata: {name: rl, namespace: default}
spec:
  service: ratelimit:8081
  protocol_version: v3
  timeout_ms: 500
`),
    );
    const run = async (user: string) => {
      const r = await fetch(`${url}/glob/x`, { headers: { 'x-user': user } });
      await r.arrayBuffer();
      return r.status;
    };
    expect([await run('u1'), await run('u1'), await run('u1'), await run('u2')]).toEqual([
      200, 200, 429, 200,
    ]);
  });

  it('two gateways share a Redis-backed limit', async () => {
    const ir = compile(
      mapping('shared', '/shared/', '  gateway_sdk: {rateLimit: {requestsPerUnit: 3, unit: minute}}').replace(
        /---$/,
        '',
      ),
    );
    // The YAML surface has no `shared` yet: set it on the IR, as a program embedding the SDK would.
    const withRedis = (route: IRRoute): IRRoute =>
      route.localRateLimit
        ? {
            ...route,
            localRateLimit: {
              ...route.localRateLimit,
              shared: { backend: 'redis', url: redis.url, prefix: `e2e-${Date.now()}:` },
            },
          }
        : route;
    const shared = sealIR({
      ...ir,
      listeners: ir.listeners.map((l) => ({
        ...l,
        virtualHosts: l.virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.map(withRedis) })),
      })),
    });
    const a = await start(shared);
    const b = await start(shared);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${i % 2 === 0 ? a : b}/shared/x`);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });
});
