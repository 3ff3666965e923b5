import { generate } from '../bench/compile/run.mjs';
const core = await import('../packages/core/dist/index.js');
const { ir } = core.compile(core.loadYaml(generate(2000)).resources);
function firstBad(v, path) {
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { const b = firstBad(v[i], `${path}[${i}]`); if (b) return b; } return null; }
  let prev;
  for (const k in v) { if (prev !== undefined && !(prev < k) && !/^(0|[1-9]\d*)$/.test(prev)) return `${path}: ${prev} before ${k}`; prev = k; const b = firstBad(v[k], `${path}.${k}`); if (b) return b; }
  return null;
}
for (const part of ['settings','listeners','clusters','secrets','filters','tcpRoutes']) console.log(part, firstBad(ir[part], part));
