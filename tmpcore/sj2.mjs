import { generate } from '../bench/compile/run.mjs';
import { createHash } from 'node:crypto';
const core = await import('../packages/core/dist/index.js');
const { ir } = core.compile(core.loadYaml(generate(10000)).resources);
const canon = JSON.parse(core.stableStringify(ir));
function check(v) {
  if (v === null || typeof v !== 'object') return typeof v !== 'undefined' && typeof v !== 'function' && (typeof v !== 'number' || Number.isFinite(v));
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) if (!check(v[i]) ) return false; return true; }
  let prev;
  for (const k in v) { if (prev !== undefined && !(prev < k)) return false; prev = k; if (!check(v[k])) return false; }
  return true;
}
for (let r = 0; r < 3; r++) {
  let c0 = process.cpuUsage(); const ok = check(canon); const c1 = process.cpuUsage(c0).user / 1000;
  c0 = process.cpuUsage(); const s = JSON.stringify(canon); const c2 = process.cpuUsage(c0).user / 1000;
  c0 = process.cpuUsage(); createHash('sha256').update(s).digest('hex'); const c3 = process.cpuUsage(c0).user / 1000;
  console.log('check', ok, c1.toFixed(0), 'native', c2.toFixed(0), 'hash', c3.toFixed(0));
}
function canonicalize(v, memo) {
  if (v === null || typeof v !== 'object') return v;
  let c = memo.get(v); if (c !== undefined) return c;
  if (Array.isArray(v)) { c = new Array(v.length); for (let i = 0; i < v.length; i++) c[i] = canonicalize(v[i], memo); }
  else { c = {}; const keys = Object.keys(v).sort(); for (const k of keys) { const x = v[k]; if (x !== undefined) c[k] = canonicalize(x, memo); } }
  memo.set(v, c); return c;
}
function canonicalize2(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) { const c = new Array(v.length); for (let i = 0; i < v.length; i++) c[i] = canonicalize2(v[i]); return c; }
  const c = {}; const keys = Object.keys(v).sort(); for (const k of keys) { const x = v[k]; if (x !== undefined) c[k] = canonicalize2(x); } return c;
}
for (let r = 0; r < 3; r++) {
  let c0 = process.cpuUsage(); const cc = canonicalize(ir, new Map()); const c1 = process.cpuUsage(c0).user / 1000;
  c0 = process.cpuUsage(); const cc2 = canonicalize2(ir); const c2 = process.cpuUsage(c0).user / 1000;
  console.log('canon memo', c1.toFixed(0), 'canon nomemo', c2.toFixed(0));
}
