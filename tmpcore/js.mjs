import { generate } from '../bench/compile/run.mjs';
const core = await import('../packages/core/dist/index.js');
const { ir } = core.compile(core.loadYaml(generate(10000)).resources);
const parsed = JSON.parse(JSON.stringify(ir));
const t = (label, f) => { const c0 = process.cpuUsage(); const r = f(); console.log(label, ((process.cpuUsage(c0).user)/1000).toFixed(0)); return r; };
for (let i = 0; i < 3; i++) {
  t('native ir.listeners', () => JSON.stringify(ir.listeners).length);
  t('native parsed.listeners', () => JSON.stringify(parsed.listeners).length);
  t('native ir.clusters', () => JSON.stringify(ir.clusters).length);
  t('native parsed.clusters', () => JSON.stringify(parsed.clusters).length);
  t('contentHash ir', () => core.contentHash({ ...ir }));
  t('contentHash parsed', () => core.contentHash({ ...parsed }));
}
