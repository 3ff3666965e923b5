// Compile benchmark: load + compile of N synthetic Mappings (mixed hosts, headers, canaries).
// Each size runs in its own child process so its peak RSS is clean. Imports the BUILT package:
//   (cd packages/core && npx tsup) && node bench/compile/run.mjs [sizes...]
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
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
  const t0 = performance.now();
  const loaded = core.loadYaml(text, { file: 'bench.yaml' });
  const t1 = performance.now();
  const { ir, diagnostics } = core.compile(loaded.resources);
  const t2 = performance.now();
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
    serializeMs: +(t3 - t2).toFixed(1),
    objectsLoadCompileMs: +(t5 - t4).toFixed(1),
    irBytes: json.length,
    routes,
    clusters: ir.clusters.length,
    errors,
    sameAsObjects: fromObjects.ir.version === ir.version,
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  });
}

async function main() {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const list = sizes.length > 0 ? sizes : [1000, 10000, 50000];
  const results = [];
  for (const n of list) {
    const result = await new Promise((resolve, reject) => {
      const p = fork(fileURLToPath(import.meta.url), ['--child', String(n)], {
        execArgv: ['--max-old-space-size=4096'],
      });
      p.once('message', resolve);
      p.once('error', reject);
      p.once('exit', (code) => code !== 0 && reject(new Error(`child for ${n} exited with ${code}`)));
    });
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
    note: 'shared 2-core machine (other engineers running builds/tests); one run per size',
    commit: git,
    results,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'compile.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (process.env.BENCH_WRITE_DOCS !== '0') updateDocs(out);
}

function updateDocs(out) {
  const file = join(root, 'docs', 'benchmarks.md');
  const md = readFileSync(file, 'utf8');
  const rows = out.results
    .map(
      (r) =>
        `| ${r.mappings.toLocaleString('en-US')} | ${(r.inputBytes / 1e6).toFixed(1)} MB | ${r.loadMs} | ${r.compileMs} | **${r.loadCompileMs}** | ${r.objectsLoadCompileMs} | ${r.peakRssMB} | ${r.routes.toLocaleString('en-US')} | ${(r.irBytes / 1e6).toFixed(1)} MB |`,
    )
    .join('\n');
  const section = `## Compile (core)

\`node bench/compile/run.mjs\` (after \`cd packages/core && npx tsup\`): synthetic Mappings with 3
Hosts (\`*.example.com\` and two exact names), a third on \`hostname: "*"\` (so served by every Host:
routes = IR route entries across virtual hosts), the rest on 50 names under the wildcard; every
8th Mapping a 10 % canary of the previous one, every 5th with a header match, every 7th POST-only. Each size runs in a fresh child process (clean peak RSS);
times are one run after a small warm-up. "objects" = \`loadObjects\` + \`compile\` on already-parsed
objects (the Kubernetes-watch path). ${out.note}; ${out.machine.cpus} × ${out.machine.cpuModel}, Node ${out.node}, ${out.date.slice(0, 10)}.

| Mappings | YAML | load ms | compile ms | load+compile ms | objects ms | peak RSS MB | routes | IR JSON |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}

Targets: 10,000 Mappings in ≤ 200 ms and ≤ 150 MB peak RSS. For scale, Emissary's Python
compiler needs ~0.8 s per 1,000 Mappings (ambassador-semantics reference §6).
`;
  const next = md.replace(/## Compile \(core\)\n[\s\S]*?(?=\n## )/, `${section}`);
  writeFileSync(file, next);
}

const direct = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (direct && process.argv[2] === '--child') child(Number(process.argv[3])).then(() => process.exit(0));
else if (direct) main();
