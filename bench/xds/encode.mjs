// Encode benchmark (child process; prints one JSON line): IR with N routes -> every xDS resource
// translated and encoded with the real protos, timed warm (median of runs after a warm-up), plus
// the largest single DiscoveryResponse a client would receive, and snapshot memory.
//   node --expose-gc bench/xds/encode.mjs <routes> <vhosts>
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchIR } from './ir.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const envoy = await import(pathToFileURL(join(root, 'packages', 'envoy', 'dist', 'index.js')).href);

const routes = Number(process.argv[2] ?? 10000);
const vhosts = Number(process.argv[3] ?? 1);
const RUNS = 11;
const ir = benchIR({ routes, vhosts });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

// Warm-up: loads the protos (once per process) and compiles the codecs.
envoy.snapshotFromIR(ir);

const translateMs = [];
const encodeMs = [];
const totalMs = [];
let snapshot;
let resources;
for (let i = 0; i < RUNS; i++) {
  gc();
  const t0 = performance.now();
  const t = envoy.translate(ir);
  const t1 = performance.now();
  const built = envoy.createSnapshot({
    version: ir.version,
    resources: t.resources,
    explicitOnly: t.explicitOnly,
  });
  const t2 = performance.now();
  if (!built.snapshot) throw new Error(JSON.stringify(built.diagnostics.slice(0, 3)));
  translateMs.push(t1 - t0);
  encodeMs.push(t2 - t1);
  totalMs.push(t2 - t0);
  snapshot = built.snapshot;
  resources = t.resources;
}

// Largest single message: LDS/CDS travel whole (full state); RDS/EDS/SDS one resource at most
// per response when large (the server splits by size).
const envelope = 200;
let largest = { kind: '', bytes: 0 };
for (const [kind, type] of Object.entries(snapshot.types)) {
  const sizes = [...type.items.values()].map((r) => r.any.length + 6);
  const bytes =
    (kind === 'listener' || kind === 'cluster' ? sizes.reduce((a, b) => a + b, 0) : Math.max(0, ...sizes)) +
    envelope;
  if (bytes > largest.bytes) largest = { kind, bytes };
}
const rdsBytes = Math.max(...[...snapshot.types.route.items.values()].map((r) => r.any.length));

// Memory held by one snapshot (encoded bytes + maps): build 5 and keep them. The first round
// also grows V8's heap and Buffer pools, so the last of three rounds is reported.
let perSnapshot = 0;
let kept = [];
for (let round = 0; round < 3; round++) {
  kept = [];
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < 5; i++)
    kept.push(
      envoy.createSnapshot({
        version: `${i}`,
        resources: envoy.translate(benchIR({ routes, vhosts, version: `m${i}` })).resources,
      }).snapshot,
    );
  gc();
  const after = process.memoryUsage();
  perSnapshot = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / kept.length;
}

process.stdout.write(
  `${JSON.stringify({
    routes,
    vhosts,
    runs: RUNS,
    resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, v.length])),
    translateMsMedian: +median(translateMs).toFixed(1),
    encodeMsMedian: +median(encodeMs).toFixed(1),
    totalMsMedian: +median(totalMs).toFixed(1),
    totalMsMin: +Math.min(...totalMs).toFixed(1),
    totalMsMax: +Math.max(...totalMs).toFixed(1),
    largestMessage: largest,
    largestRouteConfigurationBytes: rdsBytes,
    under4MiB: largest.bytes < 4 * 1024 * 1024,
    snapshotBytes: Math.round(perSnapshot),
  })}\n`,
);
