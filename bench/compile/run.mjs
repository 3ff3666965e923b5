// Compile benchmark: load + compile of N synthetic Mappings (mixed hosts, headers, canaries).
// Each size runs in its own child process so its peak RSS is clean. Imports the BUILT package:
//   (cd packages/core && npx tsup) && node bench/compile/run.mjs [sizes...]
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const corePath = join(root, 'packages', 'core', 'dist', 'index.js');

/**
 * Synthetic input: 3 Hosts (a wildcard and two exact names); a third of the Mappings on
 * `hostname: "*"` (served by every Host), the rest on one of 50 names under the wildcard; every
 * 8th Mapping is a 10 % canary of the previous one, every 5th has a header match, every 7th is
 * POST-only, 13 namespaces.
 */
export function generate(n) {
  const docs = [];
  const hosts = ['"*.example.com"', 'api.example.com', 'www.example.com'];
  hosts.forEach((h, i) => {
    docs.push(`---
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata:
  name: host-${i}
  namespace: gateway
spec:
  hostname: ${h}
`);
  });
  for (let i = 0; i < n; i++) {
    const canary = i % 8 === 7; // shares the match of the previous Mapping
    const base = canary ? i - 1 : i;
    const ns = `team-${base % 13}`;
    const headers = base % 5 === 0 ? `\n  headers:\n    x-tenant: "t${base % 11}"` : '';
    const method = base % 7 === 0 ? '\n  method: POST' : '';
    const hostname = base % 3 === 0 ? '"*"' : `"h${base % 50}.example.com"`;
    docs.push(`---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: m-${i}
  namespace: ${ns}
  labels:
    app: svc-${base % 97}
spec:
  hostname: ${hostname}
  prefix: /svc-${base}/api/
  service: svc-${i}.${ns}:8080${canary ? '\n  weight: 10' : ''}${headers}${method}
  timeout_ms: ${base % 4 === 0 ? 5000 : 3000}
`);
  }
  return docs.join('');
}

async function child(n) {
  const core = await import(corePath);
  const text = generate(n);
  const bytes = Buffer.byteLength(text);
  // One warm-up on a small input so JIT compilation of the compiler itself is not counted.
  core.compile(core.loadYaml(generate(200)).resources);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const loaded = core.loadYaml(text, { file: 'bench.yaml' });
  const t1 = performance.now();
  const { ir, diagnostics } = core.compile(loaded.resources);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  // Peak RSS of load + compile, before the extra measurements below allocate more.
  const peakRssMB = +(process.resourceUsage().maxRSS / 1024).toFixed(1);
  // The content hash (`version`) is computed on first read; time that read on its own.
  const v0 = performance.now();
  const version = ir.version;
  const versionMs = performance.now() - v0;
  const peakRssWithVersionMB = +(process.resourceUsage().maxRSS / 1024).toFixed(1);
  const s0 = performance.now();
  const json = core.stableStringify(ir);
  const t3 = performance.now();
  const objs = JSON.parse(
    JSON.stringify(
      loaded.resources.map((r) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        metadata: r.metadata,
        spec: r.spec,
      })),
    ),
  );
  const t4 = performance.now();
  const fromObjects = core.compile(core.loadObjects(objs).resources);
  const t5 = performance.now();
  // Warm: a long-running controller or gateway recompiles on every change with a warm JIT.
  let warmLoadCompileMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 2; i++) {
    const w0 = performance.now();
    core.compile(core.loadYaml(text, { file: 'bench.yaml' }).resources);
    warmLoadCompileMs = Math.min(warmLoadCompileMs, performance.now() - w0);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const routes = ir.listeners.reduce(
    (s, l) => s + l.virtualHosts.reduce((a, v) => a + v.routes.length, 0),
    0,
  );
  process.send({
    mappings: n,
    inputBytes: bytes,
    loadMs: +(t1 - t0).toFixed(1),
    compileMs: +(t2 - t1).toFixed(1),
    loadCompileMs: +(t2 - t0).toFixed(1),
    loadCompileCpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1),
    versionMs: +versionMs.toFixed(1),
    loadCompileVersionMs: +(t2 - t0 + versionMs).toFixed(1),
    peakRssWithVersionMB,
    warmLoadCompileMs: +warmLoadCompileMs.toFixed(1),
    serializeMs: +(t3 - s0).toFixed(1),
    objectsLoadCompileMs: +(t5 - t4).toFixed(1),
    irBytes: json.length,
    routes,
    clusters: ir.clusters.length,
    errors,
    sameAsObjects: fromObjects.ir.version === version,
    peakRssMB,
  });
}

async function main() {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const list = sizes.length > 0 ? sizes : [1000, 10000, 50000];
  const results = [];
  const loadBefore = loadavg()[0];
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  for (const n of list) {
    // Fresh child per run (clean peak RSS); best-of-N times because the machine is shared.
    const runs = [];
    for (let i = 0; i < repeat; i++) {
      runs.push(
        await new Promise((resolve, reject) => {
          const p = fork(fileURLToPath(import.meta.url), ['--child', String(n)]);
          p.once('message', resolve);
          p.once('error', reject);
          p.once('exit', (code) => code !== 0 && reject(new Error(`child for ${n} exited with ${code}`)));
        }),
      );
    }
    const best = (k) => Math.min(...runs.map((r) => r[k]));
    const result = {
      ...runs[0],
      loadMs: best('loadMs'),
      compileMs: best('compileMs'),
      loadCompileMs: best('loadCompileMs'),
      loadCompileCpuMs: best('loadCompileCpuMs'),
      versionMs: best('versionMs'),
      loadCompileVersionMs: best('loadCompileVersionMs'),
      peakRssWithVersionMB: Math.max(...runs.map((r) => r.peakRssWithVersionMB)),
      warmLoadCompileMs: best('warmLoadCompileMs'),
      serializeMs: best('serializeMs'),
      objectsLoadCompileMs: best('objectsLoadCompileMs'),
      peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
      runs: runs.length,
      allLoadCompileMs: runs.map((r) => r.loadCompileMs),
    };
    console.log(JSON.stringify(result));
    results.push(result);
  }
  let git = 'unknown';
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {}
  const out = {
    name: 'compile',
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) },
    note: `2-core machine, 1-minute load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (above ~2 other work was sharing the CPU)`,
    commit: git,
    results,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'compile.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (process.env.BENCH_WRITE_DOCS !== '0') updateDocs(out);
}

function status(results) {
  const r = results.find((x) => x.mappings === 10000);
  if (!r) return '';
  const time =
    r.loadCompileMs <= 200
      ? `met (${r.loadCompileMs} ms cold, ${r.warmLoadCompileMs} ms warm)`
      : r.warmLoadCompileMs <= 200
        ? `met warm (${r.warmLoadCompileMs} ms) but **not cold** (${r.loadCompileMs} ms)`
        : `**not met** (${r.loadCompileMs} ms cold, ${r.warmLoadCompileMs} ms warm)`;
  const rss = r.peakRssMB <= 150 ? `met (${r.peakRssMB} MB)` : `**not met** (${r.peakRssMB} MB)`;
  return `On this run the time target is ${time}; the memory target is ${rss}.`;
}

function updateDocs(out) {
  const file = join(root, 'docs', 'benchmarks.md');
  const md = readFileSync(file, 'utf8');
  const rows = out.results
    .map(
      (r) =>
        `| ${r.mappings.toLocaleString('en-US')} | ${(r.inputBytes / 1e6).toFixed(1)} MB | ${r.loadMs} | ${r.compileMs} | **${r.loadCompileMs}** | ${r.loadCompileCpuMs} | **${r.warmLoadCompileMs}** | ${r.versionMs} | ${r.objectsLoadCompileMs} | ${r.peakRssMB} | ${r.routes.toLocaleString('en-US')} | ${(r.irBytes / 1e6).toFixed(1)} MB |`,
    )
    .join('\n');
  const section = `## Compile (core)

\`node bench/compile/run.mjs\` (after \`cd packages/core && npx tsup\`): synthetic Mappings with 3
Hosts (\`*.example.com\` and two exact names), a third on \`hostname: "*"\` (so served by every Host:
routes = IR route entries across virtual hosts), the rest on 50 names under the wildcard; every
8th Mapping a 10 % canary of the previous one, every 5th with a header match, every 7th POST-only. Each size runs in a fresh child process (clean peak RSS);
times are the best of ${out.results[0]?.runs ?? 1} runs (each after a small warm-up), peak RSS the
worst; "CPU ms" is user+system time of the cold load+compile (includes GC and JIT helper threads).
${out.note}; ${out.machine.cpus} × ${out.machine.cpuModel}, Node ${out.node}, ${out.date.slice(0, 10)}.

| Mappings | YAML | load ms | compile ms | load+compile ms | CPU ms | warm ms | version ms | objects ms | peak RSS MB | routes | IR JSON |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}

Columns: first (cold) load+compile in a fresh process, its CPU time, "warm" = best repeat in the
same process (what a controller or gateway that recompiles on every change sees), "version" =
the first read of \`ir.version\` (the content hash, computed lazily: see docs/ir.md), "objects" =
\`loadObjects\` + \`compile\` on already-parsed objects (the Kubernetes-watch path). Peak RSS is
measured right after the cold load+compile. Individual runs are in \`bench/results/compile.json\`
(\`allLoadCompileMs\`); on this VM they vary by up to 1.5× between runs.

Targets: 10,000 Mappings in ≤ 200 ms and ≤ 150 MB peak RSS. ${status(out.results)} For scale, Emissary's Python
compiler needs ~0.8 s per 1,000 Mappings (ambassador-semantics reference §6), i.e. ~8 s for
10,000. What changed since the first version (917 ms cold, 574 ms warm at 10,000): the IR
version is hashed on first read instead of inside \`compile\` (hashing 16 MB of IR JSON costs
more than compiling it, and the Kubernetes controller re-seals after post-processing anyway);
the YAML fast path parses each document in place in the stream, with no per-line objects or
copies; the compiler hashes each group id once, builds routes and clusters once in their final
key order, shares frozen empty lists and default sub-objects (272,680 → 107,869 objects in the
10,000-Mapping IR) and decides Host attachment once per hostname. What is left is spread
thinly (no function above ~5 % of a warm profile); garbage collection is 15–25 % of compile time.
A cold run is about twice a warm one because on 2 cores V8's optimising compiler cannot keep up
with it: its background jobs during the first 10,000-Mapping run add up to 380–630 ms (\`--trace-opt\`),
longer than the run itself, so most of the run executes unoptimised code. With \`--no-opt\` the
cold compile phase takes the same 240–280 ms, Node 22.23 measures the same as Node 20, and the
CPU column (main thread plus helper threads) is ~1.6× the wall time. Splitting the per-resource
loops into small functions (optimised sooner) and removing the compiler's first-canary
deoptimisations did not move the cold time measurably (30 interleaved A/B runs: median 485 →
471 ms, inside the run-to-run spread). The 50,000 run shows the cost stays linear.
`;
  const next = md.replace(/## Compile \(core\)\n[\s\S]*?(?=\n## )/, `${section}`);
  writeFileSync(file, next);
}

const direct = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (direct && process.argv[2] === '--docs-only')
  updateDocs(JSON.parse(readFileSync(join(root, 'bench', 'results', 'compile.json'), 'utf8')));
else if (direct && process.argv[2] === '--child') child(Number(process.argv[3])).then(() => process.exit(0));
else if (direct) main();
