// Auth filters in isolation: CPU cost per request of jwt_authn (verified-token cache hit and full
// signature verification), rbac, local_ratelimit, and the latency of a Redis-backed take against
// a real redis-server. No network between client and filter, so the numbers hold up on a shared
// machine far better than end-to-end req/s. Imports the BUILT packages:
//   (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup) && node bench/auth/filters.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const core = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href);
const proxy = await import(pathToFileURL(join(root, 'packages', 'proxy', 'dist', 'index.js')).href);
const proxyRequire = createRequire(join(root, 'packages', 'proxy', 'package.json'));
const jose = await import(pathToFileURL(proxyRequire.resolve('jose')).href);

const src = { kind: 'Bench', namespace: 'default', name: 'bench' };
const silent = { info() {}, warn() {}, error() {} };
const deps = { resolveCluster: () => undefined, log: silent };

function route(extra) {
  return {
    name: 'default/r',
    group: 'g',
    sources: [src],
    match: { path: { kind: 'prefix', value: '/' }, caseSensitive: true, headers: [], queryParams: [] },
    action: {
      kind: 'forward',
      clusters: [{ cluster: 'c', weight: 100 }],
      autoHostRewrite: false,
      timeoutMs: 0,
      idleTimeoutMs: 0,
      mirrors: [],
      upgrades: [],
      grpc: false,
      priority: 'default',
    },
    requestHeaders: { add: [], remove: [] },
    responseHeaders: { add: [], remove: [] },
    auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
    rateLimits: [],
    authorizationPolicies: [],
    statsName: 'r',
    ...extra,
  };
}

function irWith(filters, routes) {
  return core.createIR({
    filters: { ...core.emptyFilters(), ...filters },
    listeners: [
      {
        name: 'l',
        address: '127.0.0.1',
        port: 8080,
        protocol: 'http',
        securityModel: 'XFP',
        statsPrefix: 'l',
        tls: [],
        virtualHosts: [{ name: 'l/*', domains: ['*'], insecure: 'route', routes }],
      },
    ],
  });
}

function ctx(ir, r, headers = {}) {
  return {
    request: {
      method: 'GET',
      path: '/api/items',
      query: '',
      authority: 'api.example.com',
      scheme: 'http',
      headers,
      remoteAddress: '10.1.2.3',
      readBody: async () => ({ body: Buffer.alloc(0), truncated: false }),
    },
    route: r,
    ir,
    upstreamHeaders: new Map(),
    upstreamHeadersToRemove: new Set(),
    responseHeaders: new Map(),
  };
}

/** Runs `fn` (sync or async) n times after a warm-up; returns microseconds per call. */
async function perCall(fn, n) {
  for (let i = 0; i < Math.min(2000, n); i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  return +(Number(process.hrtime.bigint() - t0) / 1000 / n).toFixed(2);
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function measureFilters() {
  const out = {};

  // Baseline: building the per-request context the filters get (subtracted from each figure).
  {
    const r = route({});
    const ir = irWith({}, [r]);
    out.contextOnlyUs = await perCall(() => ctx(ir, r, {}), 200_000);
  }

  // jwt_authn, ES256 and RS256.
  for (const alg of ['ES256', 'RS256']) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k', alg };
    const provider = {
      name: 'idp',
      source: src,
      issuer: 'https://issuer.bench',
      audiences: ['bench'],
      jwks: { kind: 'inline', jwks: JSON.stringify({ keys: [jwk] }) },
      from: [{ kind: 'header', name: 'authorization', prefix: 'Bearer ' }],
      claimToHeaders: [{ claim: 'sub', header: 'x-user' }],
      algorithms: [],
      clockSkewSeconds: 60,
      forward: true,
      principal: 'sub',
    };
    const token = await new jose.SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg, kid: 'k' })
      .setIssuer('https://issuer.bench')
      .setAudience('bench')
      .setExpirationTime('1h')
      .sign(privateKey);
    const r = route({
      auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: ['idp'], jwtOptional: false },
    });
    const ir = irWith({ jwt: [provider] }, [r]);
    const headers = { authorization: `Bearer ${token}` };
    const cached = proxy.createJwtAuthnFilterFactory()(ir, deps);
    const uncached = proxy.createJwtAuthnFilterFactory({ verifiedCacheSize: 0 })(ir, deps);
    out[`jwt_${alg}_cachedUs`] = await perCall(() => cached.onRequest(ctx(ir, r, headers)), 200_000);
    out[`jwt_${alg}_verifyUs`] = await perCall(() => uncached.onRequest(ctx(ir, r, headers)), 5_000);
  }

  // rbac: three policies, a request that matches the last ALLOW rule.
  {
    const policies = [
      {
        name: 'deny-internal',
        source: src,
        action: 'DENY',
        gatewayWide: true,
        rules: [{ sourceIps: ['192.168.0.0/16'], notPaths: ['/public/*'] }],
      },
      {
        name: 'readers',
        source: src,
        action: 'ALLOW',
        gatewayWide: true,
        rules: [
          { methods: ['POST'], paths: ['/admin/*'] },
          {
            hosts: ['*.example.com'],
            methods: ['GET', 'HEAD'],
            paths: ['/api/*'],
            headers: [{ name: 'x-tenant', values: ['*'] }],
          },
        ],
      },
    ];
    const r = route({});
    const ir = irWith({ authorization: policies }, [r]);
    const f = proxy.rbacFilterFactory(ir, deps);
    out.rbacUs = await perCall(() => f.onRequest(ctx(ir, r, { 'x-tenant': 't1' })), 200_000);
  }

  // local_ratelimit: per-client buckets, headers on.
  {
    const r = route({
      localRateLimit: {
        maxTokens: 1e9,
        tokensPerFill: 1e9,
        fillIntervalMs: 1000,
        descriptors: [{ kind: 'remote-address' }],
        responseHeaders: true,
      },
    });
    const ir = irWith({}, [r]);
    const f = proxy.createLocalRateLimitFilterFactory()(ir, deps);
    out.localRateLimitUs = await perCall(() => f.onRequest(ctx(ir, r)), 200_000);
  }

  // Redis-backed take: latency, sequential and 32 concurrent callers.
  {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
    const redis = spawn(
      '/usr/bin/redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise((resolve, reject) => {
        let o = '';
        redis.stdout.on('data', (d) => {
          o += d;
          if (o.includes('Ready to accept connections')) resolve();
        });
        redis.once('exit', () => reject(new Error(o)));
      });
      const limiter = new proxy.RedisRateLimiter({ url: `redis://127.0.0.1:${port}`, prefix: 'b:' });
      await limiter.ready();
      const cfg = { maxTokens: 1e9, tokensPerFill: 1e9, fillIntervalMs: 1000 };
      const lat = [];
      for (let i = 0; i < 500; i++) await limiter.take('warm', cfg);
      for (let i = 0; i < 5000; i++) {
        const t0 = process.hrtime.bigint();
        await limiter.take(`k${i % 100}`, cfg);
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      lat.sort((a, b) => a - b);
      out.redisTakeSequentialP50Ms = +lat[Math.floor(lat.length * 0.5)].toFixed(3);
      out.redisTakeSequentialP99Ms = +lat[Math.floor(lat.length * 0.99)].toFixed(3);
      const conc = [];
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          for (let i = 0; i < 300; i++) {
            const t0 = process.hrtime.bigint();
            await limiter.take(`c${w}`, cfg);
            conc.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
        }),
      );
      conc.sort((a, b) => a - b);
      out.redisTake32ConcurrentP50Ms = +conc[Math.floor(conc.length * 0.5)].toFixed(3);
      out.redisTake32ConcurrentP99Ms = +conc[Math.floor(conc.length * 0.99)].toFixed(3);
      out.redisStats = { ...limiter.stats };
      await limiter.close();
    } finally {
      redis.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await measureFilters(), null, 2));
}
