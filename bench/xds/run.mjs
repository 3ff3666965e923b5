// xDS benchmarks: encode (1k and 10k routes, one vhost and 100 vhosts) and Delta fan-out (100
// clients). Each scenario runs in its own process. Imports the BUILT package:
//   (cd packages/envoy && npx tsup) && node bench/xds/run.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const node = (script, args) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', join(here, script), ...args.map(String)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
      .trim()
      .split('\n')
      .pop(),
  );

const encode = [];
for (const [routes, vhosts] of [
  [1000, 1],
  [10000, 1],
  [10000, 100],
]) {
  const r = node('encode.mjs', [routes, vhosts]);
  encode.push(r);
  console.log(
    `encode ${routes} routes / ${vhosts} vhosts: median ${r.totalMsMedian} ms, min ${r.totalMsMin} ms (translate ${r.translateMsMedian} + encode ${r.encodeMsMedian}), largest message ${r.largestMessage.bytes} B (${r.largestMessage.kind})`,
  );
}
const fanout = [];
for (const mode of ['listener', 'domain']) {
  const r = node('fanout.mjs', [100, 1000, 10, mode]);
  fanout.push(r);
  console.log(
    `fanout (${mode}): ${r.clients} Delta clients, one-route change ACKed by all: p50 ${r.allAckedMs.p50} ms, p99 ${r.allAckedMs.p99} ms (server push ${r.pushMs.p50} ms); ${r.resourcesSentPerChange.max} resources (${r.bytesSentPerChange} B) per change`,
  );
}

// Snapshot memory grows with routes; the slope between 1k and 10k routes is the cost per 1k.
const [small, large] = encode;
const snapshotBytesPer1kRoutes = Math.round((large.snapshotBytes - small.snapshotBytes) / 9);
console.log(`snapshot memory: ${snapshotBytesPer1kRoutes} B per 1k routes`);

const result = {
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    shared: true,
  },
  date: new Date().toISOString(),
  encode,
  snapshotBytesPer1kRoutes,
  fanout,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'xds.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/xds.json');
