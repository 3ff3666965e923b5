// Auth and rate-limit benchmark: req/s and latency of a plain route through the gateway versus
// the same route with JWT verification (cached keys), a local token bucket, and a Redis-backed
// shared bucket. Gateway, origin and load generator are separate processes; Redis is a real
// redis-server. Imports the BUILT packages:
//   (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup) && node bench/auth/run.mjs
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const proxyRequire = createRequire(join(root, 'packages', 'proxy', 'package.json'));
const { Pool } = proxyRequire('undici');
const jose = await import(pathToFileURL(proxyRequire.resolve('jose')).href);

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The gateway process's CPU time so far (user + system, microseconds). */
function gatewayCpu(child) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m && typeof m.cpuUs === 'number') {
        child.off('message', onMessage);
        resolve(m.cpuUs);
      }
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

function startChild(file, env) {
  const child = fork(join(here, file), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const proc = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('exit', () => reject(new Error(`redis-server failed: ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Closed-loop load: CONNECTIONS concurrent request loops for `ms`; latencies in microseconds. */
async function load(pool, path, headers, ms) {
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  const end = performance.now() + ms;
  async function loop() {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'GET', path, headers });
        await res.body.dump();
        if (res.statusCode !== 200) non2xx++;
        latencies.push((performance.now() - t0) * 1000);
      } catch {
        errors++;
      }
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    reqPerSec: Math.round(latencies.length / elapsed),
    p50Ms: +(pct(50) / 1000).toFixed(3),
    p99Ms: +(pct(99) / 1000).toFixed(3),
    non2xx,
    errors,
  };
}

async function main() {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'b1', alg: 'ES256' };
  const token = await new jose.SignJWT({ sub: 'bench-user' })
    .setProtectedHeader({ alg: 'ES256', kid: 'b1' })
    .setIssuer('https://issuer.bench')
    .setAudience('bench')
    .setExpirationTime('1h')
    .sign(privateKey);

  const redis = await startRedis();
  let origin;
  let gateway;
  try {
    origin = await startChild('origin-child.mjs', {});
    gateway = await startChild('gateway-child.mjs', {
      GW_ROOT: root,
      GW_CONFIG: JSON.stringify({ originPort: origin.port, jwks: { keys: [jwk] }, redisUrl: redis.url }),
    });
  } catch (err) {
    origin?.child.kill();
    redis.stop();
    throw err;
  }
  const pool = new Pool(`http://127.0.0.1:${gateway.port}`, { connections: CONNECTIONS, pipelining: 1 });

  const scenarios = [
    // The plain route gets the same Authorization header, so the JWT figure is the cost of
    // verifying it, not of carrying ~300 more bytes per request.
    { name: 'plain', path: '/plain/x', headers: { authorization: `Bearer ${token}` } },
    { name: 'jwt', path: '/jwt/x', headers: { authorization: `Bearer ${token}` } },
    { name: 'local-ratelimit', path: '/local/x', headers: {} },
    { name: 'redis-ratelimit', path: '/redis/x', headers: {} },
  ];
  const runs = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  try {
    for (const s of scenarios) await load(pool, s.path, s.headers, WARMUP_MS);
    // Interleave scenarios across rounds so drift on the shared machine hits all of them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        const cpu0 = await gatewayCpu(gateway.child);
        const r = await load(pool, s.path, s.headers, DURATION_MS);
        const cpu1 = await gatewayCpu(gateway.child);
        r.gatewayCpuUsPerRequest = +((cpu1 - cpu0) / Math.max(1, r.requests)).toFixed(1);
        runs[s.name].push(r);
        console.log(
          `round ${round + 1} ${s.name.padEnd(16)} ${String(r.reqPerSec).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  gateway CPU ${r.gatewayCpuUsPerRequest} us/req  non2xx ${r.non2xx} errors ${r.errors}`,
        );
      }
    }
  } finally {
    await pool.close();
    gateway.child.send('stop');
    origin.child.send('stop');
    redis.stop();
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const s of scenarios) {
    const rs = runs[s.name];
    summary[s.name] = {
      reqPerSec: median(rs.map((r) => r.reqPerSec)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      gatewayCpuUsPerRequest: median(rs.map((r) => r.gatewayCpuUsPerRequest)),
      non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
    };
  }
  const plain = summary.plain;
  const costPct = (name) =>
    +(((plain.reqPerSec - summary[name].reqPerSec) / plain.reqPerSec) * 100).toFixed(1);
  const { measureFilters } = await import('./filters.mjs');
  const filters = await measureFilters();
  const base = filters.contextOnlyUs;
  const plainCpu = plain.gatewayCpuUsPerRequest;
  // Throughput a CPU-bound gateway loses when a filter adds `us` of CPU to each request.
  const isolatedCostPct = (us) => +(((us - base) / (plainCpu + us - base)) * 100).toFixed(1);
  // CPU per request is far less sensitive to other load on a shared machine than req/s: the
  // throughput a CPU-bound gateway loses is 1 - cpu(plain) / cpu(scenario).
  const cpuCostPct = (name) =>
    +((1 - plain.gatewayCpuUsPerRequest / summary[name].gatewayCpuUsPerRequest) * 100).toFixed(1);
  const result = {
    benchmark: 'auth',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      shared: true,
    },
    method: `closed loop, ${CONNECTIONS} keep-alive connections (undici Pool, pipelining 1), ${DURATION_MS} ms per run after a ${WARMUP_MS} ms warm-up, ${ROUNDS} interleaved rounds, median reported; gateway, origin and load generator in separate processes`,
    scenarios: summary,
    throughputCostPct: {
      jwt: costPct('jwt'),
      localRateLimit: costPct('local-ratelimit'),
      redisRateLimit: costPct('redis-ratelimit'),
    },
    cpuBoundThroughputCostPct: {
      jwt: cpuCostPct('jwt'),
      localRateLimit: cpuCostPct('local-ratelimit'),
      redisRateLimit: cpuCostPct('redis-ratelimit'),
    },
    filtersInIsolation: filters,
    isolatedFilterThroughputCostPct: {
      jwtEs256Cached: isolatedCostPct(filters.jwt_ES256_cachedUs),
      jwtRs256Cached: isolatedCostPct(filters.jwt_RS256_cachedUs),
      jwtEs256Uncached: isolatedCostPct(filters.jwt_ES256_verifyUs),
      rbac: isolatedCostPct(filters.rbacUs),
      localRateLimit: isolatedCostPct(filters.localRateLimitUs),
    },
    redisAddedP99Ms: +(summary['redis-ratelimit'].p99Ms - summary['local-ratelimit'].p99Ms).toFixed(3),
    runs,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'auth.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    JSON.stringify(
      {
        scenarios: summary,
        throughputCostPct: result.throughputCostPct,
        cpuBoundThroughputCostPct: result.cpuBoundThroughputCostPct,
        isolatedFilterThroughputCostPct: result.isolatedFilterThroughputCostPct,
        redisAddedP99Ms: result.redisAddedP99Ms,
      },
      null,
      2,
    ),
  );
}

await main();
