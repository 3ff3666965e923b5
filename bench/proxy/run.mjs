// Proxy benchmark: the same origin and load generator (autocannon, keep-alive, -c 50, pipelining 1)
// against: direct to origin, @gateway/proxy, http-proxy, @fastify/http-proxy and nginx (1 worker).
// Also: a fixed-rate (1,000 req/s) latency run, a 10-route vs 10,000-route table, memory for
// 10,000 routes, and --workers 2 scaling. Origin, proxy and load generator are separate processes.
// Imports the BUILT packages:
//   (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup) && node bench/proxy/run.mjs

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort, NGINX, root, startChild, startNginx, stopChild, treeCpuMs } from './harness.mjs';
import { pacedInterleaved } from './paced-load.mjs';

const benchRequire = createRequire(join(root, 'bench', 'package.json'));
const autocannon = benchRequire('autocannon');

const DURATION = Number(process.env.BENCH_DURATION_S ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/**
 * One measured run after a discarded warm-up. `pid` (the proxy's process) adds CPU time per
 * request, which is far less sensitive to a shared machine than req/s.
 */
async function load(url, opts = {}) {
  if (WARMUP > 0 && !opts.noWarmup)
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, pipelining: 1 });
  const cpuBefore = opts.pid ? treeCpuMs(opts.pid) : 0;
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    pipelining: 1,
    ...opts.extra,
  });
  const cpuMs = opts.pid ? treeCpuMs(opts.pid) - cpuBefore : undefined;
  return {
    loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    ...(cpuMs !== undefined && r.requests.total > 0
      ? { cpuUsPerRequest: Math.round((cpuMs * 1000) / r.requests.total) }
      : {}),
  };
}

function mean(runs, key) {
  return Math.round((runs.reduce((s, r) => s + r[key], 0) / runs.length) * 100) / 100;
}

function summarise(runs) {
  const cpu = runs.filter((r) => r.cpuUsPerRequest !== undefined);
  return {
    rps: Math.round(mean(runs, 'rps')),
    p50: mean(runs, 'p50'),
    p99: mean(runs, 'p99'),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    ...(cpu.length > 0 ? { cpuUsPerRequest: Math.round(mean(cpu, 'cpuUsPerRequest')) } : {}),
    runs,
  };
}

const origin = await startChild('origin-child.mjs', {});
const originUrl = `http://127.0.0.1:${origin.port}/svc/9/x`;
const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    shared: true,
  },
  method: {
    tool: 'autocannon',
    connections: CONNECTIONS,
    durationS: DURATION,
    warmupS: WARMUP,
    pipelining: 1,
    rounds: ROUNDS,
  },
  loadAvgStart: loadavg().map((l) => Math.round(l * 100) / 100),
  throughput: {},
};

try {
  // 1. Max throughput, side by side. Rounds interleave the variants to spread machine noise.
  const variants = [
    'direct',
    'gateway',
    'gateway-request',
    'gateway-dispatch',
    'http-proxy',
    'fastify',
    'nginx',
  ];
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      if (v === 'direct') {
        runs[v].push(await load(originUrl, { pid: origin.child.pid }));
      } else if (v === 'nginx') {
        if (!existsSync(NGINX)) continue;
        const ng = await startNginx(origin.port);
        runs[v].push(await load(`http://127.0.0.1:${ng.port}/svc/9/x`, { pid: ng.pid }));
        await ng.stop();
      } else {
        const target = await startChild('target-child.mjs', {
          VARIANT: v,
          ORIGIN_PORT: String(origin.port),
          ROUTES: '10',
        });
        runs[v].push(await load(`http://127.0.0.1:${target.port}/svc/9/x`, { pid: target.child.pid }));
        await stopChild(target);
      }
      console.log(`round ${round + 1} ${v}: ${JSON.stringify(runs[v].at(-1))}`);
    }
  }
  for (const v of variants) if (runs[v].length > 0) results.throughput[v] = summarise(runs[v]);
  const t = results.throughput;
  const cpuRatio = (a, b) =>
    t[a]?.cpuUsPerRequest && t[b]?.cpuUsPerRequest
      ? Math.round((t[b].cpuUsPerRequest / t[a].cpuUsPerRequest) * 100) / 100
      : undefined;
  results.cpuEfficiency = {
    gatewayVsHttpProxy: cpuRatio('gateway', 'http-proxy'),
    gatewayVsFastify: cpuRatio('gateway', 'fastify'),
    gatewayVsNginx: cpuRatio('gateway', 'nginx'),
    gatewayVsRequestPath: cpuRatio('gateway', 'gateway-request'),
    dispatchPathVsHttpProxy: cpuRatio('gateway-dispatch', 'http-proxy'),
    dispatchPathVsFastify: cpuRatio('gateway-dispatch', 'fastify'),
  };
  results.ratios = {
    gatewayVsHttpProxy: Math.round((t.gateway.rps / t['http-proxy'].rps) * 100) / 100,
    gatewayVsFastify: Math.round((t.gateway.rps / t.fastify.rps) * 100) / 100,
    gatewayVsDirect: Math.round((t.gateway.rps / t.direct.rps) * 100) / 100,
    gatewayVsRequestPath: Math.round((t.gateway.rps / t['gateway-request'].rps) * 100) / 100,
    ...(t.nginx ? { gatewayVsNginx: Math.round((t.gateway.rps / t.nginx.rps) * 100) / 100 } : {}),
    dispatchPathVsHttpProxy: Math.round((t['gateway-dispatch'].rps / t['http-proxy'].rps) * 100) / 100,
    dispatchPathVsFastify: Math.round((t['gateway-dispatch'].rps / t.fastify.rps) * 100) / 100,
  };

  // 2. Fixed rate: added latency at 1,000 req/s, paired (requests to the origin and through the
  // gateway interleaved one by one; bench/proxy/latency.mjs has the full method and references).
  {
    const fixed = { rate: 1000, seconds: DURATION, connections: CONNECTIONS };
    const target = await startChild('target-child.mjs', {
      VARIANT: 'gateway',
      ORIGIN_PORT: String(origin.port),
      ROUTES: '10',
    });
    const gwUrl = `http://127.0.0.1:${target.port}/svc/9/x`;
    // Warm both paths (JIT, pools) before measuring.
    await pacedInterleaved([originUrl, gwUrl], { ...fixed, seconds: 10 });
    const direct = [];
    const gw = [];
    for (let round = 0; round < ROUNDS; round++) {
      const loadAvg1m = Math.round(loadavg()[0] * 100) / 100;
      const [d, g] = await pacedInterleaved([originUrl, gwUrl], fixed);
      direct.push({ loadAvg1m, ...d });
      gw.push({ loadAvg1m, ...g });
    }
    await stopChild(target);
    const med = (runs, key) =>
      [...runs.map((r) => r[key])].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    const round3 = (x) => Math.round(x * 1000) / 1000;
    results.fixedRate = {
      rate: 1000,
      generator:
        'paced open loop on raw sockets (bench/proxy/paced-load.mjs), direct and gateway interleaved, latency from due time',
      direct: { p50: med(direct, 'p50'), p99: med(direct, 'p99'), runs: direct },
      gateway: { p50: med(gw, 'p50'), p99: med(gw, 'p99'), runs: gw },
      addedP50Ms: round3(med(gw, 'p50') - med(direct, 'p50')),
      addedP99Ms: round3(med(gw, 'p99') - med(direct, 'p99')),
      bestRoundAddedP99Ms: Math.min(...gw.map((r, i) => round3(r.p99 - (direct[i]?.p99 ?? 0)))),
    };
    console.log(`fixed rate: ${JSON.stringify(results.fixedRate)}`);
  }

  // 3. Route table size: 10 vs 10,000 prefix routes (request hits the LAST route), and memory.
  // The two tables alternate round by round so machine noise hits both alike.
  {
    const sizes = [10, 10_000];
    const r = { 10: [], 10000: [] };
    const memory = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const routes of sizes) {
        const target = await startChild(
          'target-child.mjs',
          { VARIANT: 'gateway', ORIGIN_PORT: String(origin.port), ROUTES: String(routes) },
          ['--expose-gc'],
        );
        memory[routes] = target.memory;
        r[routes].push(
          await load(`http://127.0.0.1:${target.port}/svc/${routes - 1}/x`, { pid: target.child.pid }),
        );
        await stopChild(target);
        console.log(`routes ${routes} round ${round + 1}: ${JSON.stringify(r[routes].at(-1))}`);
      }
    }
    const tables = {};
    for (const routes of sizes) {
      const m = memory[routes];
      tables[routes] = {
        ...summarise(r[routes]),
        memory: {
          rssMiB: Math.round(((m.rssAfter - m.rssBefore) / 2 ** 20) * 10) / 10,
          heapMiB: Math.round(((m.heapAfter - m.heapBefore) / 2 ** 20) * 10) / 10,
        },
      };
    }
    results.routeTable = {
      ...tables,
      ratio10kTo10: Math.round((tables[10_000].rps / tables[10].rps) * 100) / 100,
      cpuRatio10kTo10: Math.round((tables[10_000].cpuUsPerRequest / tables[10].cpuUsPerRequest) * 100) / 100,
    };
  }

  // 4. --workers 2 (node:cluster) vs one process.
  {
    const port = await freePort();
    const target = await startChild('target-child.mjs', {
      VARIANT: 'gateway-workers',
      WORKERS: '2',
      PORT: String(port),
      ORIGIN_PORT: String(origin.port),
      ROUTES: '10',
    });
    const w2 = await load(`http://127.0.0.1:${port}/svc/9/x`, { pid: target.child.pid });
    await stopChild(target);
    results.workers = {
      one: results.throughput.gateway.rps,
      two: w2.rps,
      twoDetail: w2,
      scaling: Math.round((w2.rps / results.throughput.gateway.rps) * 100) / 100,
    };
    console.log(`workers: ${JSON.stringify(results.workers)}`);
  }
} finally {
  await stopChild(origin);
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
// Keep the previous run's headline numbers next to the new ones (before/after comparisons).
const resultsFile = join(root, 'bench', 'results', 'proxy.json');
if (existsSync(resultsFile)) {
  try {
    const prev = JSON.parse(readFileSync(resultsFile, 'utf8'));
    results.previousRun = {
      date: prev.date,
      throughput: Object.fromEntries(
        Object.entries(prev.throughput ?? {}).map(([k, v]) => [
          k,
          { rps: v.rps, p99: v.p99, cpuUsPerRequest: v.cpuUsPerRequest },
        ]),
      ),
      ratios: prev.ratios,
      cpuEfficiency: prev.cpuEfficiency,
    };
  } catch {
    // unreadable previous results: nothing to keep
  }
}
results.loadAvgEnd = loadavg().map((l) => Math.round(l * 100) / 100);
writeFileSync(join(root, 'bench', 'results', 'proxy.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(
  JSON.stringify(
    {
      throughput: Object.fromEntries(
        Object.entries(results.throughput).map(([k, v]) => [k, { rps: v.rps, p50: v.p50, p99: v.p99 }]),
      ),
      ratios: results.ratios,
    },
    null,
    2,
  ),
);
