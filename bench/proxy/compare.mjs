// Quick interleaved comparison of the proxies that matter for the throughput targets, with more
// and shorter rounds than run.mjs: every round runs each variant once (fresh process, 2 s
// warm-up, 5 s measured, -c 50), so machine noise hits all variants alike. Reports req/s and
// CPU µs per request of the proxy process (user + system from /proc). Merges its result into
// bench/results/proxy.json under `interleaved` (run.mjs first, then this).
//   node bench/proxy/compare.mjs [variants] [rounds] [seconds]
// Env: BENCH_ROUTES (table size, default 10; requests hit the last route), ROUTE_KIND (prefix |
// regex, see target-child.mjs), BENCH_RESULT_KEY (key in proxy.json, default `interleaved`).
//   ROUTE_KIND=regex BENCH_ROUTES=300 BENCH_RESULT_KEY=workersCpuBound \
//     node bench/proxy/compare.mjs gateway,gateway-workers 4 5
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, PROXY_NODE_FLAGS, treeCpuMs } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const autocannon = createRequire(join(root, 'bench', 'package.json'))('autocannon');
const variants = (process.argv[2] ?? 'gateway,gateway-request,gateway-dispatch,http-proxy,fastify').split(
  ',',
);
const rounds = Number(process.argv[3] ?? 5);
const seconds = Number(process.argv[4] ?? 5);
const routes = Number(process.env.BENCH_ROUTES ?? 10);
const resultKey = process.env.BENCH_RESULT_KEY ?? 'interleaved';

function start(file, env) {
  const child = fork(join(here, file), [], {
    env: { ...process.env, GW_ROOT: root, ...env },
    execArgv: file === 'target-child.mjs' ? PROXY_NODE_FLAGS : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...m }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

async function stop(c) {
  if (c.child.exitCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.send('stop');
  await exited;
}

const avg = (xs) => Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
const origin = await start('origin-child.mjs', {});
const runs = Object.fromEntries(variants.map((v) => [v, []]));
const loadStart = loadavg().map((l) => Math.round(l * 100) / 100);
try {
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      // `gateway-workers`: `runWorkers` with 2 workers (node:cluster) on a fixed port.
      const workers = v === 'gateway-workers' ? { WORKERS: '2', PORT: String(await freePort()) } : {};
      const t = await start('target-child.mjs', {
        VARIANT: v,
        ORIGIN_PORT: String(origin.port),
        ROUTES: String(routes),
        ...workers,
      });
      const url = `http://127.0.0.1:${t.port}/svc/${routes - 1}/x`;
      await autocannon({ url, connections: 50, duration: 2 });
      const before = treeCpuMs(t.child.pid);
      const r = await autocannon({ url, connections: 50, duration: seconds });
      const cpu = treeCpuMs(t.child.pid) - before;
      const row = {
        rps: Math.round(r.requests.average),
        cpuUsPerRequest: Math.round((cpu * 1000) / r.requests.total),
        p99: r.latency.p99,
        errors: r.errors + r.timeouts + r.non2xx,
        loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
      };
      runs[v].push(row);
      console.log(`round ${round + 1} ${v}: ${JSON.stringify(row)}`);
      await stop(t);
    }
  }
} finally {
  await stop(origin);
}

const summary = {};
for (const v of variants) {
  summary[v] = {
    rps: avg(runs[v].map((r) => r.rps)),
    cpuUsPerRequest: avg(runs[v].map((r) => r.cpuUsPerRequest)),
    runs: runs[v],
  };
}
const ratio = (a, b, key) =>
  summary[a] && summary[b] ? Math.round((summary[a][key] / summary[b][key]) * 100) / 100 : undefined;
const interleaved = {
  date: new Date().toISOString(),
  rounds,
  durationS: seconds,
  routes,
  routeKind: process.env.ROUTE_KIND ?? 'prefix',
  loadAvgStart: loadStart,
  loadAvgEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  summary,
  ratios: {
    gatewayVsHttpProxyRps: ratio('gateway', 'http-proxy', 'rps'),
    gatewayVsFastifyRps: ratio('gateway', 'fastify', 'rps'),
    gatewayVsRequestPathRps: ratio('gateway', 'gateway-request', 'rps'),
    workers2VsOneRps: ratio('gateway-workers', 'gateway', 'rps'),
    // CPU efficiency: how many times less CPU per request the gateway needs.
    gatewayVsHttpProxyCpu: ratio('http-proxy', 'gateway', 'cpuUsPerRequest'),
    gatewayVsFastifyCpu: ratio('fastify', 'gateway', 'cpuUsPerRequest'),
    gatewayVsRequestPathCpu: ratio('gateway-request', 'gateway', 'cpuUsPerRequest'),
  },
};
const file = join(root, 'bench', 'results', 'proxy.json');
const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
results[resultKey] = interleaved;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
for (const v of variants)
  console.log(`${v.padEnd(18)} ${summary[v].rps} req/s  ${summary[v].cpuUsPerRequest} µs CPU/request`);
console.log(JSON.stringify(interleaved.ratios));
