import { generate } from '../bench/compile/run.mjs';
const core = await import('../packages/core/dist/index.js');
const n = +process.argv[2] || 10000;
const text = generate(n);
for (let i = 0; i < 4; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const loaded = core.loadYaml(text);
  const t1 = performance.now();
  const r = core.compile(loaded.resources);
  const t2 = performance.now(); const c = process.cpuUsage(c0);
  console.log(`run ${i}: load ${(t1-t0).toFixed(0)} compile ${(t2-t1).toFixed(0)} total ${(t2-t0).toFixed(0)} cpu ${((c.user+c.system)/1000).toFixed(0)}`);
}
