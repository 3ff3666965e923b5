import { generate } from '../bench/compile/run.mjs';
const core = await import('../packages/core/dist/index.js');
const { ir } = core.compile(core.loadYaml(generate(1000)).resources);
const r = ir.listeners[0].virtualHosts[1].routes[5];
console.log(JSON.stringify(r).length, JSON.stringify(r));
console.log('clusters', JSON.stringify(ir.clusters).length / ir.clusters.length);
console.log(JSON.stringify(ir.clusters[3]));
