import { generate } from '../bench/compile/run.mjs';
import { createHash } from 'node:crypto';
const core = await import('../packages/core/dist/index.js');
const { ir } = core.compile(core.loadYaml(generate(10000)).resources);
const keyCache = new Map();
const qk = (k) => { let q = keyCache.get(k); if (q === undefined) { q = JSON.stringify(k); keyCache.set(k, q); } return q; };
function mk(memoMode) {
  function write(value, memo) {
    switch (typeof value) {
      case 'string': return JSON.stringify(value);
      case 'number': return Number.isFinite(value) ? JSON.stringify(value) : 'null';
      case 'boolean': return value ? 'true' : 'false';
      case 'object': {
        if (value === null) return 'null';
        let useMemo = false;
        if (memo) { const c = memo.get(value); if (c !== undefined) return c; }
        let out;
        if (Array.isArray(value)) {
          out = '[';
          for (let i = 0; i < value.length; i++) { if (i > 0) out += ','; out += write(value[i], memo) ?? 'null'; }
          out += ']';
        } else {
          const keys = Object.keys(value);
          if (memoMode === 'big') useMemo = keys.length >= 8;
          else useMemo = true;
          if (useMemo && memoMode === 'big') { const c = memo.get(value); if (c !== undefined) return c; }
          keys.sort();
          out = '{'; let first = true;
          for (const key of keys) { const v = value[key]; if (v === undefined) continue; const t = write(v, memo); if (t === undefined) continue; out += (first ? '' : ',') + qk(key) + ':' + t; first = false; }
          out += '}';
        }
        if (memo && (memoMode !== 'big' || useMemo)) memo.set(value, out);
        return out;
      }
      default: return undefined;
    }
  }
  return write;
}
const modes = { weak: () => new WeakMap(), map: () => new Map(), none: () => undefined, big: () => new Map() };
for (let round = 0; round < 2; round++) for (const [name, f] of Object.entries(modes)) {
  const w = mk(name);
  const c0 = process.cpuUsage();
  const s = w(ir, f());
  const c1 = process.cpuUsage(c0);
  const h = createHash('sha256').update(s).digest('hex').slice(0, 8);
  const c2 = process.cpuUsage(c0);
  console.log(name, 'len', s.length, 'write', (c1.user / 1000).toFixed(0), 'with hash', (c2.user / 1000).toFixed(0), h);
}
let c0 = process.cpuUsage(); const native = JSON.stringify(ir); console.log('native JSON', (process.cpuUsage(c0).user/1000).toFixed(0), native.length);
c0 = process.cpuUsage(); core.stableStringify(ir); console.log('current', (process.cpuUsage(c0).user/1000).toFixed(0));
