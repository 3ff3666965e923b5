// Added latency at a fixed rate (1,000 req/s, open loop, bench/proxy/paced-load.mjs): direct to the
// origin, then @gateway/proxy, nginx (1 worker) and http-proxy, interleaved round by round so the
// same machine noise reaches every variant. nginx is the reference for what one more process hop
// costs on this machine: whatever it adds, no out-of-process proxy can avoid.
// Imports the BUILT packages:
//   (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup) && node bench/proxy/latency.mjs
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { NGINX, root, startChild, startNginx, stopChild } from './harness.mjs';
import { pacedLoad } from './paced-load.mjs';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/** Steal time (ms) the hypervisor took from this VM so far, from /proc/stat. */
function stealMs() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0) * 10;
}

const origin = await startChild('origin-child.mjs', {});
const path = '/svc/9/x';
const variants = { direct: { url: `http://127.0.0.1:${origin.port}${path}` } };
const gateway = await startChild('target-child.mjs', {
  VARIANT: 'gateway',
  ORIGIN_PORT: String(origin.port),
  ROUTES: '10',
});
variants.gateway = { url: `http://127.0.0.1:${gateway.port}${path}` };
// Optionally the same gateway with other V8 flags (e.g. BENCH_GATEWAY_FLAGS="--min-semi-space-size=16").
const tunedFlags = process.env.BENCH_GATEWAY_FLAGS?.split(' ').filter(Boolean) ?? [];
const tuned =
  tunedFlags.length > 0
    ? await startChild(
        'target-child.mjs',
        { VARIANT: 'gateway', ORIGIN_PORT: String(origin.port), ROUTES: '10' },
        tunedFlags,
      )
    : undefined;
if (tuned) variants[`gateway ${tunedFlags.join(' ')}`] = { url: `http://127.0.0.1:${tuned.port}${path}` };
const httpProxy = await startChild('target-child.mjs', {
  VARIANT: 'http-proxy',
  ORIGIN_PORT: String(origin.port),
  ROUTES: '10',
});
variants['http-proxy'] = { url: `http://127.0.0.1:${httpProxy.port}${path}` };
const nginx = existsSync(NGINX) ? await startNginx(origin.port) : undefined;
if (nginx) variants.nginx = { url: `http://127.0.0.1:${nginx.port}${path}` };

const fixed = { rate: RATE, seconds: SECONDS, connections: CONNECTIONS };
const runs = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const loadAvgStart = loadavg()[0];
try {
  // Warm every path (JIT, connection pools) before measuring.
  for (const v of Object.values(variants)) await pacedLoad(v.url, { ...fixed, seconds: 2 });
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, v] of Object.entries(variants)) {
      const steal0 = stealMs();
      const r = await pacedLoad(v.url, fixed);
      runs[name].push({ ...r, stealMs: stealMs() - steal0, loadAvg1m: +loadavg()[0].toFixed(2) });
    }
    const line = Object.entries(runs)
      .map(([k, list]) => `${k} p50 ${list.at(-1).p50} p99 ${list.at(-1).p99}`)
      .join(' | ');
    console.log(`round ${round + 1}: ${line}`);
  }
} finally {
  await stopChild(gateway);
  if (tuned) await stopChild(tuned);
  await stopChild(httpProxy);
  await nginx?.stop();
  await stopChild(origin);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;
// Rounds in which the hypervisor took (almost) no CPU from this VM during any variant's run:
// steal hits whichever variant runs at that moment, so it says nothing about the proxies.
const QUIET_STEAL_MS = Number(process.env.BENCH_QUIET_STEAL_MS ?? 200);
const quiet = runs.direct
  .map((_, i) => i)
  .filter((i) => Object.values(runs).every((list) => list[i].stealMs <= QUIET_STEAL_MS));
const summary = {};
for (const [name, list] of Object.entries(runs)) {
  const added = list.map((r, i) => r.p99 - runs.direct[i].p99);
  summary[name] = {
    p50: r3(median(list.map((r) => r.p50))),
    p99: r3(median(list.map((r) => r.p99))),
    errors: list.reduce((s, r) => s + r.errors, 0),
    ...(name === 'direct'
      ? {}
      : {
          addedP50Ms: r3(median(list.map((r, i) => r.p50 - runs.direct[i].p50))),
          addedP99Ms: r3(median(added)),
          addedP99PerRound: added.map(r3),
          roundsWithin1ms: added.filter((a) => a <= 1).length,
          quietRounds: quiet.length,
          quietAddedP99Ms: quiet.length > 0 ? r3(median(quiet.map((i) => added[i]))) : null,
          quietAddedP50Ms:
            quiet.length > 0 ? r3(median(quiet.map((i) => list[i].p50 - runs.direct[i].p50))) : null,
        }),
  };
}
const out = {
  name: 'proxy-latency',
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  method: {
    rate: RATE,
    secondsPerRun: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    quietStealMs: QUIET_STEAL_MS,
  },
  loadAvg1m: { start: +loadAvgStart.toFixed(2), end: +loadavg()[0].toFixed(2) },
  summary,
  runs,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'proxy-latency.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
