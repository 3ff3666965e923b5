#!/usr/bin/env node
// Runs the benchmark harnesses one after another (never in parallel: they would share the CPU),
// then redraws the charts. `pnpm bench` runs all; `pnpm bench compile proxy` runs those two.
// Each harness writes bench/results/<name>.json; docs/benchmarks.md holds the write-ups.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const HARNESSES = {
  compile: 'compile/run.mjs',
  xds: 'xds/run.mjs',
  proxy: 'proxy/run.mjs',
  auth: 'auth/run.mjs',
  kubernetes: 'kubernetes/run.mjs',
  metallb: 'metallb/allocate.mjs',
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in HARNESSES));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(HARNESSES).join(', ')}`);
  process.exit(2);
}
for (const dist of ['core', 'envoy', 'proxy', 'kubernetes', 'metallb']) {
  if (!existsSync(join(here, '..', 'packages', dist, 'dist', 'index.js'))) {
    console.error(`packages/${dist} is not built: run 'pnpm build' first`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length ? wanted : Object.keys(HARNESSES)) {
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, [join(here, HARNESSES[name])], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench ${name} exited with ${r.status}`);
    failed++;
  }
}
spawnSync(process.execPath, [join(here, 'charts.mjs')], { stdio: 'inherit' });
process.exit(failed ? 1 : 0);
