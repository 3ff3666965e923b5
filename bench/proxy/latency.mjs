// Added latency at a fixed rate (1,000 req/s per target, open loop, bench/proxy/paced-load.mjs):
// @gateway/proxy, nginx (1 worker) and http-proxy, each measured against the origin directly.
//
// Method, and why:
// - Paired: each run interleaves requests to the origin directly and through one proxy, one by
//   one, both at 1,000 req/s. Steal, the load generator's pauses and the origin's hit both at the
//   same moments, so "added" (proxy p99 − direct p99 of the same run) is the proxy's own share.
// - Pinned (mode `pinned`): the proxy under test runs on the last CPU, the load generator and the
//   origin on the others (`taskset`), as proxy benchmarks usually separate the system under test
//   from the load generator. On a 2-core VM, the `shared` mode (no pinning) also runs: there the
//   proxy competes with the load generator and origin for the same cores.
// - Steady state: every path is warmed up (JIT, pools) for BENCH_WARM_S seconds at the same rate
//   before its first measured run; the first seconds of a Node process are not what a gateway
//   that runs for days serves at.
// - nginx is the reference for what one more process hop costs on this machine.
//
// Imports the BUILT packages:
//   (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup) && node bench/proxy/latency.mjs
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { NGINX, pinProcessTree, root, startChild, startNginx, stopChild } from './harness.mjs';
import { pacedInterleaved } from './paced-load.mjs';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const WARM_S = Number(process.env.BENCH_WARM_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const MODES = (process.env.BENCH_MODES ?? 'pinned,shared').split(',').filter(Boolean);
// A run counts as quiet when the hypervisor stole at most this much CPU time during it: steal hits
// whichever process runs at that moment, so it says nothing about the proxy being measured.
const QUIET_STEAL_MS = Number(process.env.BENCH_QUIET_STEAL_MS ?? 100);

/** Steal time (ms) the hypervisor took from this VM so far, from /proc/stat. */
function stealMs() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0) * 10;
}

const cpuCount = cpus().length;
const lastCpu = String(cpuCount - 1);
const otherCpus = cpuCount > 2 ? `0-${cpuCount - 2}` : '0';
const allCpus = `0-${cpuCount - 1}`;

const origin = await startChild('origin-child.mjs', {});
const path = '/svc/9/x';
const direct = `http://127.0.0.1:${origin.port}${path}`;
/** name -> { url, pid } */
const proxies = {};
const children = [];
async function nodeProxy(name, variant, flags = []) {
  const c = await startChild(
    'target-child.mjs',
    { VARIANT: variant, ORIGIN_PORT: String(origin.port), ROUTES: '10' },
    flags,
  );
  children.push(c);
  proxies[name] = { url: `http://127.0.0.1:${c.port}${path}`, pid: c.child.pid };
}
// BENCH_VARIANTS picks a subset (default: all of gateway, http-proxy, nginx).
const wanted = new Set((process.env.BENCH_VARIANTS ?? 'gateway,http-proxy,nginx').split(','));
if (wanted.has('gateway')) await nodeProxy('gateway', 'gateway');
// Optionally the same gateway with other V8 flags, ';' between variants
// (e.g. BENCH_GATEWAY_FLAGS="--max-semi-space-size=2;--no-parallel-scavenge").
for (const variant of (process.env.BENCH_GATEWAY_FLAGS ?? '').split(';')) {
  const flags = variant.split(' ').filter(Boolean);
  if (flags.length > 0) await nodeProxy(`gateway ${flags.join(' ')}`, 'gateway', flags);
}
if (wanted.has('http-proxy')) await nodeProxy('http-proxy', 'http-proxy');
const nginx = wanted.has('nginx') && existsSync(NGINX) ? await startNginx(origin.port) : undefined;
if (nginx) proxies.nginx = { url: `http://127.0.0.1:${nginx.port}${path}`, pid: nginx.pid };

function pinAll(pinned) {
  const ok = [
    pinProcessTree(process.pid, pinned ? otherCpus : allCpus),
    pinProcessTree(origin.child.pid, pinned ? otherCpus : allCpus),
    ...Object.values(proxies).map((p) => pinProcessTree(p.pid, pinned ? lastCpu : allCpus)),
  ];
  return ok.every(Boolean);
}

const fixed = { rate: RATE, seconds: SECONDS, connections: CONNECTIONS };
const results = {};
const loadAvgStart = loadavg()[0];
try {
  for (const mode of MODES) {
    const pinned = mode === 'pinned';
    if (pinned && (cpuCount < 2 || !pinAll(true))) {
      console.log('pinned mode skipped: needs 2+ CPUs and taskset');
      continue;
    }
    if (!pinned) pinAll(false);
    const runs = Object.fromEntries(Object.keys(proxies).map((k) => [k, []]));
    for (const p of Object.values(proxies)) {
      await pacedInterleaved([direct, p.url], { ...fixed, seconds: WARM_S });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, p] of Object.entries(proxies)) {
        const steal0 = stealMs();
        const [d, x] = await pacedInterleaved([direct, p.url], fixed);
        runs[name].push({
          direct: d,
          proxy: x,
          addedP50: +(x.p50 - d.p50).toFixed(3),
          addedP99: +(x.p99 - d.p99).toFixed(3),
          stealMs: stealMs() - steal0,
        });
      }
      const line = Object.entries(runs)
        .map(([k, list]) => `${k} +p50 ${list.at(-1).addedP50} +p99 ${list.at(-1).addedP99}`)
        .join(' | ');
      console.log(`${mode} round ${round + 1}: ${line}`);
    }
    results[mode] = runs;
  }
} finally {
  for (const c of children) await stopChild(c);
  await nginx?.stop();
  await stopChild(origin);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;
const summary = {};
for (const [mode, runs] of Object.entries(results)) {
  summary[mode] = {};
  for (const [name, list] of Object.entries(runs)) {
    const added = list.map((r) => r.addedP99);
    const quiet = list.filter((r) => r.stealMs <= QUIET_STEAL_MS).map((r) => r.addedP99);
    summary[mode][name] = {
      directP50: r3(median(list.map((r) => r.direct.p50))),
      directP99: r3(median(list.map((r) => r.direct.p99))),
      p50: r3(median(list.map((r) => r.proxy.p50))),
      p99: r3(median(list.map((r) => r.proxy.p99))),
      addedP50Ms: r3(median(list.map((r) => r.addedP50))),
      addedP99Ms: r3(median(added)),
      addedP99PerRound: added,
      roundsWithin1ms: added.filter((a) => a <= 1).length,
      rounds: added.length,
      quietRuns: quiet.length,
      quietAddedP99Ms: quiet.length > 0 ? r3(median(quiet)) : null,
      quietWithin1ms: quiet.filter((a) => a <= 1).length,
      errors: list.reduce((s, r) => s + r.proxy.errors + r.direct.errors, 0),
      stealMsPerRound: list.map((r) => r.stealMs),
    };
  }
}
const out = {
  name: 'proxy-latency',
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpuCount, model: cpus()[0]?.model },
  method: {
    ratePerTarget: RATE,
    secondsPerRun: SECONDS,
    rounds: ROUNDS,
    warmUpSeconds: WARM_S,
    connections: CONNECTIONS,
    quietStealMs: QUIET_STEAL_MS,
    design: 'paired: requests to the origin directly and through the proxy interleaved one by one',
    pinned: `proxy on CPU ${lastCpu}; load generator and origin on CPU ${otherCpus}`,
  },
  loadAvg1m: { start: +loadAvgStart.toFixed(2), end: +loadavg()[0].toFixed(2) },
  summary,
  runs: results,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'proxy-latency.json'), `${JSON.stringify(out, null, 2)}\n`);
for (const [mode, s] of Object.entries(summary)) {
  for (const [name, v] of Object.entries(s)) {
    console.log(
      `${mode.padEnd(6)} ${name.padEnd(12)} added p50 ${v.addedP50Ms} ms, added p99 ${v.addedP99Ms} ms (median of ${v.rounds}), within 1 ms in ${v.roundsWithin1ms}/${v.rounds}; quiet runs: ${v.quietAddedP99Ms} ms, within 1 ms in ${v.quietWithin1ms}/${v.quietRuns}`,
    );
  }
}
