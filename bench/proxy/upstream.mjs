// Upstream client microbenchmark: raw ClusterManager.request throughput against a local origin,
// compared with undici Pool.request / Pool.dispatch directly and with node:http + a keep-alive
// http.Agent. The origin runs in a child process; the client side (what is measured) runs here.
// Imports the BUILT package:
//   (cd packages/proxy && npx tsup) && node bench/proxy/upstream.mjs [--duration 5] [--concurrency 50]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const proxyDir = join(root, 'packages', 'proxy');
const requireFromProxy = createRequire(join(proxyDir, 'package.json'));
const { Pool } = requireFromProxy('undici');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const DURATION_S = arg('duration', 5);
const WARMUP_S = arg('warmup', 1);
const CONCURRENCY = arg('concurrency', 50);
const ROUNDS = arg('rounds', 2);

// --- origin (child process) ----------------------------------------------------------------------
if (process.argv[2] === '--origin') {
  const body = Buffer.from('hello from the origin\n');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  const http2 = await import('node:http2');
  const h2 = http2.createServer();
  h2.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
    stream.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    h2.listen(0, '127.0.0.1', () => {
      process.send({ port: server.address().port, h2Port: h2.address().port });
    });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

/**
 * The built package's `createClusterManager`. When dist can't be loaded (stale or broken build of
 * the rest of the package), bundle just src/upstream with the workspace's esbuild (via tsup) into
 * packages/proxy/node_modules/.cache, where `undici` and `@gateway/core` still resolve.
 */
async function loadClusterManager() {
  try {
    const mod = await import(pathToFileURL(join(proxyDir, 'dist', 'index.js')).href);
    if (typeof mod.createClusterManager === 'function') return mod.createClusterManager;
    throw new Error('dist does not export createClusterManager');
  } catch (err) {
    console.error(
      `packages/proxy/dist unusable (${String(err.message).split('\n')[0]}); bundling src/upstream instead`,
    );
    const requireFromRoot = createRequire(join(root, 'package.json'));
    const esbuild = createRequire(requireFromRoot.resolve('tsup'))('esbuild');
    const outfile = join(proxyDir, 'node_modules', '.cache', 'bench-upstream', 'upstream.mjs');
    await esbuild.build({
      entryPoints: [join(proxyDir, 'src', 'upstream', 'index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      external: ['undici', '@gateway/core'],
      logLevel: 'error',
    });
    return (await import(pathToFileURL(outfile).href)).createClusterManager;
  }
}

// --- client variants -----------------------------------------------------------------------------

/** Runs `one(done)` with CONCURRENCY requests in flight for `seconds`; returns req/s and latency. */
async function closedLoop(one, seconds, record) {
  const latencies = [];
  let completed = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await new Promise((resolve) => {
    let active = 0;
    const start = () => {
      if (performance.now() >= end) {
        if (active === 0) resolve();
        return;
      }
      active++;
      const t0 = performance.now();
      one((err) => {
        active--;
        if (err) errors++;
        else {
          completed++;
          if (record) latencies.push(performance.now() - t0);
        }
        start();
      });
    };
    for (let i = 0; i < CONCURRENCY; i++) start();
  });
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : 0;
  return {
    requests: completed,
    errors,
    reqPerSec: Math.round(completed / seconds),
    p50Ms: Number(pct(0.5).toFixed(2)),
    p99Ms: Number(pct(0.99).toFixed(2)),
  };
}

function drainReadable(stream, done) {
  stream.on('data', () => {});
  stream.once('end', () => done());
  stream.once('error', done);
}

async function main() {
  const createClusterManager = await loadClusterManager();

  const origin = fork(fileURLToPath(import.meta.url), ['--origin'], { stdio: 'inherit' });
  const [{ port, h2Port }] = await once(origin, 'message');

  const clusterIR = (name, p, protocol, extra = {}) => ({
    name,
    service: `${name}:80`,
    discovery: {
      kind: 'static',
      endpoints: [{ address: '127.0.0.1', port: p, weight: 1, zone: '', health: 'unknown' }],
    },
    protocol,
    lbPolicy: 'round_robin',
    connectTimeoutMs: 5000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: name,
    ...extra,
  });
  // Only `settings` timeouts, `clusters` and `secrets` matter to the cluster manager.
  const ir = {
    schema: 'gateway.ir/v1',
    version: 'bench',
    settings: { streamIdleTimeoutMs: 300_000, drainTimeoutMs: 5_000 },
    listeners: [],
    clusters: [clusterIR('h1', port, 'http1'), clusterIR('h2c', h2Port, 'http2')],
    secrets: [],
    filters: { jwt: [], authorization: [] },
    tcpRoutes: [],
  };
  const cm = createClusterManager();
  cm.update(ir);

  const headers = { host: 'bench.local', 'user-agent': 'bench' };
  const basePolicy = { timeoutMs: 0, idleTimeoutMs: 0, idempotent: true, grpc: false };
  const retryPolicy = {
    timeoutMs: 15_000,
    idleTimeoutMs: 0,
    idempotent: true,
    grpc: false,
    retry: {
      retryOn: ['5xx', 'connect-failure'],
      numRetries: 2,
      perTryTimeoutMs: 5_000,
      retriableStatusCodes: [],
      backoffBaseMs: 25,
      backoffMaxMs: 250,
      retryNonIdempotent: false,
    },
  };
  const req = { method: 'GET', path: '/', headers, body: null };

  const cmVariant = (cluster, policy) => (done) => {
    cm.request(cluster, req, policy).then((r) => {
      if (r.kind !== 'response') return done(new Error(r.message));
      drainReadable(r.body, done);
    }, done);
  };

  const pool = new Pool(`http://127.0.0.1:${port}`, { pipelining: 1 });
  const undiciRequest = (done) => {
    pool
      .request({ method: 'GET', path: '/', headers })
      .then((r) => r.body.dump().then(() => done(), done), done);
  };
  class DispatchHandler {
    constructor(done) {
      this.done = done;
    }
    onConnect() {}
    onHeaders() {
      return true;
    }
    onData() {
      return true;
    }
    onComplete() {
      this.done();
    }
    onError(err) {
      this.done(err);
    }
  }
  const undiciDispatch = (done) => {
    pool.dispatch({ method: 'GET', path: '/', headers }, new DispatchHandler(done));
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const httpAgent = (done) => {
    const r = http.request({ host: '127.0.0.1', port, path: '/', method: 'GET', headers, agent }, (res) =>
      drainReadable(res, done),
    );
    r.once('error', done);
    r.end();
  };
  const { H2CClient } = requireFromProxy('undici');
  const h2cClient = new H2CClient(`http://127.0.0.1:${h2Port}`);
  const undiciH2c = (done) => {
    h2cClient
      .request({ method: 'GET', path: '/', headers })
      .then((r) => r.body.dump().then(() => done(), done), done);
  };

  const variants = [
    ['clusterManager.request (http1)', cmVariant('h1', basePolicy)],
    ['clusterManager.request (http1, retry policy + timeouts)', cmVariant('h1', retryPolicy)],
    ['undici Pool.request', undiciRequest],
    ['undici Pool.dispatch (no-op handler)', undiciDispatch],
    ['node:http + keep-alive Agent', httpAgent],
    ['clusterManager.request (h2c)', cmVariant('h2c', basePolicy)],
    ['undici H2CClient.request', undiciH2c],
  ];

  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of variants) {
      await closedLoop(fn, WARMUP_S, false);
      const r = await closedLoop(fn, DURATION_S, true);
      if (!results[name]) results[name] = [];
      results[name].push(r);
      console.log(
        `${name.padEnd(58)} ${String(r.reqPerSec).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}`,
      );
    }
  }

  const cpu = cpus();
  const out = {
    benchmark: 'proxy-upstream',
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cpus: cpu.length,
      model: cpu[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      note: 'shared machine: other engineers were running builds and tests on the same 2 vCPUs',
    },
    method: {
      concurrency: CONCURRENCY,
      durationSeconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      rounds: ROUNDS,
      origin: 'node:http (and node:http2 h2c) in a child process, 22-byte body, keep-alive',
      client: 'closed loop in one process; every variant reads the whole body',
    },
    results: Object.fromEntries(
      Object.entries(results).map(([name, runs]) => [
        name,
        {
          runs,
          bestReqPerSec: Math.max(...runs.map((r) => r.reqPerSec)),
          medianP99Ms: runs.map((r) => r.p99Ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)],
        },
      ]),
    ),
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'proxy-upstream.json'), `${JSON.stringify(out, null, 2)}\n`);
  await cm.close();
  await pool.close();
  await h2cClient.close();
  agent.destroy();
  origin.disconnect();
}
