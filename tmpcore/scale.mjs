import { generate } from '../bench/compile/run.mjs';
const core = await import('../packages/core/dist/index.js');
for (const n of [1000, 5000, 10000, 20000]) {
  const text = generate(n);
  let best = Infinity, bestCpu = Infinity, bl = Infinity, bc = Infinity;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const loaded = core.loadYaml(text); const t1 = performance.now();
    core.compile(loaded.resources); const t2 = performance.now();
    const c = process.cpuUsage(c0);
    best = Math.min(best, t2 - t0); bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000); bl = Math.min(bl, t1 - t0); bc = Math.min(bc, t2 - t1);
  }
  console.log(n, 'wall', best.toFixed(0), 'load', bl.toFixed(0), 'compile', bc.toFixed(0), 'cpu', bestCpu.toFixed(0));
}
