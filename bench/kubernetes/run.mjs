// Kubernetes controller benchmark: a fake cluster of 5,000 Services (each with a Mapping in its
// getambassador.io/config annotation) and 20,000 EndpointSlices, served by a loopback fake API
// server in a child process. Measures the time from one change (sent to the API server) to the
// matching `sink.apply`, minus the debounce window, and the controller's memory.
//   (cd packages/core && npx tsup) && (cd packages/kubernetes && npx tsup) && node bench/kubernetes/run.mjs
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createController, KubeConfig } from '../../packages/kubernetes/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const DEBOUNCE_MS = Number(process.env.DEBOUNCE_MS ?? 50);
const CHANGES = Number(process.env.CHANGES ?? 100);

const child = fork(join(here, 'fake-cluster.mjs'), [], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  env: { ...process.env },
});
const ready = await new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`fake cluster exited with ${code}`)));
});
let nextId = 0;
const pending = new Map();
child.on('message', (m) => {
  if (m.id !== undefined) pending.get(m.id)?.(m);
});
const send = (msg) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    child.send({ ...msg, id });
  });

// A sink that records every apply and resolves waiters whose predicate holds.
const waiters = [];
let applies = 0;
let lastIR;
const sink = {
  async apply(ir) {
    applies++;
    lastIR = ir;
    const at = performance.now();
    for (const w of [...waiters]) {
      if (w.pred(ir)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(at);
      }
    }
    return { accepted: true, version: ir.version, diagnostics: [] };
  },
};
const waitFor = (pred) =>
  new Promise((resolve) => {
    if (lastIR && pred(lastIR)) resolve(performance.now());
    else waiters.push({ pred, resolve });
  });
const hasPrefix = (ir, prefix) =>
  ir.listeners.some((l) => l.virtualHosts.some((v) => v.routes.some((r) => r.match.path.value === prefix)));
const hasAddress = (ir, address) =>
  ir.clusters.some(
    (c) => c.discovery.kind === 'eds' && c.discovery.endpoints.some((e) => e.address === address),
  );

const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'fake', server: ready.url, skipTLSVerify: true }],
  users: [{ name: 'fake', token: 'x' }],
  contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
  currentContext: 'fake',
});
const cycles = [];
const controller = createController({
  kubeConfig: kc,
  sink,
  debounceMs: DEBOUNCE_MS,
  onCycle: (c) => cycles.push(c),
});

const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
await controller.start();
const startupMs = performance.now() - t0;
global.gc?.();
const afterStart = process.memoryUsage();
const routes = lastIR.listeners.reduce(
  (n, l) => n + l.virtualHosts.reduce((m, v) => m + v.routes.length, 0),
  0,
);
const endpoints = lastIR.clusters.reduce((n, c) => n + (c.discovery.endpoints?.length ?? 0), 0);
console.log(
  `synced ${ready.services} Services / ${ready.slices} EndpointSlices in ${startupMs.toFixed(0)} ms: ${routes} routes, ${lastIR.clusters.length} clusters, ${endpoints} endpoints; RSS ${(afterStart.rss / 1048576).toFixed(0)} MB`,
);

async function measure(label, count, change) {
  const samples = [];
  const details = [];
  for (let k = 0; k < count; k++) {
    const before = cycles.length;
    const { msg, pred } = change(k);
    const start = performance.now();
    const done = waitFor(pred);
    await send(msg);
    const appliedAt = await done;
    samples.push(appliedAt - start - DEBOUNCE_MS);
    await controller.flush();
    const cycle = cycles.slice(before).find((c) => c.applied);
    if (cycle) details.push(cycle);
    if (process.env.BENCH_DEBUG && cycle)
      console.log(
        JSON.stringify({
          k,
          total: round(appliedAt - start),
          startedAfter: round(cycle.startedAt - start),
          compileMs: round(cycle.compileMs),
          post: round(cycle.postProcessMs),
          applyAt: round(cycle.appliedAt - cycle.startedAt),
          incremental: cycle.incremental,
        }),
      );
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)];
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const out = {
    label,
    changes: count,
    afterDebounceMs: {
      p50: round(q(0.5)),
      p90: round(q(0.9)),
      p99: round(q(0.99)),
      max: round(samples[samples.length - 1]),
    },
    compileMsMean: round(mean(details.map((c) => c.compileMs))),
    postProcessMsMean: round(mean(details.map((c) => c.postProcessMs))),
    incrementalShare: round(
      details.filter((c) => c.incremental).length / Math.max(1, details.filter((c) => c.compiled).length),
    ),
  };
  console.log(JSON.stringify(out));
  return out;
}
const round = (x) => Math.round(x * 10) / 10;

// Warm-up (JIT, caches).
await measure('warm-up', 5, (k) => ({
  msg: { op: 'service', i: k * 13, prefix: `/warm-${k}/` },
  pred: (ir) => hasPrefix(ir, `/warm-${k}/`),
}));
const annotation = await measure(
  'annotation change (one Service re-parsed, Mapping prefix changed)',
  CHANGES,
  (k) => {
    const i = (k * 7919) % ready.services;
    return {
      msg: { op: 'service', i, prefix: `/changed-${k}/` },
      pred: (ir) => hasPrefix(ir, `/changed-${k}/`),
    };
  },
);
const slices = await measure('EndpointSlice change (endpoints only, no compile)', CHANGES, (k) => {
  const i = (k * 104729) % ready.services;
  const generation = k + 1;
  const n = (i * 4 + 1) * 2 + generation * 7919;
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return { msg: { op: 'slice', i, s: 1, generation }, pred: (ir) => hasAddress(ir, ip) };
});
const hostChange = await measure('Host change (gateway-wide: full compile)', 3, (k) => ({
  msg: { op: 'host', hostname: `bench-${k}.example.com` },
  pred: (ir) =>
    ir.listeners.some((l) => l.virtualHosts.some((v) => v.domains.includes(`bench-${k}.example.com`))),
}));
global.gc?.();
const end = process.memoryUsage();
const stats = { ...controller.stats };
await controller.close();
// The child exits on 'close' without answering.
child.send({ op: 'close', id: -1 });
await new Promise((resolve) => {
  child.once('exit', resolve);
  setTimeout(() => {
    child.kill();
    resolve();
  }, 5000).unref();
});

let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
} catch {}
const result = {
  name: 'kubernetes',
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) },
  note: 'shared 2-core machine (other engineers running builds/tests); one run; fake API server in a child process',
  loadAverage: { before: loadBefore, after: loadavg().map((x) => Math.round(x * 100) / 100) },
  commit,
  cluster: {
    services: ready.services,
    endpointSlices: ready.slices,
    routes,
    clusters: lastIR.clusters.length,
    endpoints,
  },
  debounceMs: DEBOUNCE_MS,
  startupMs: round(startupMs),
  rssMB: {
    beforeStart: round(rssBefore / 1048576),
    afterSync: round(afterStart.rss / 1048576),
    end: round(end.rss / 1048576),
  },
  heapUsedMB: { afterSync: round(afterStart.heapUsed / 1048576), end: round(end.heapUsed / 1048576) },
  results: [annotation, slices, hostChange],
  controllerStats: stats,
  applies,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'kubernetes.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/kubernetes.json');
process.exit(0);
