import { describe, expect, it } from 'vitest';
import { compile, mapping, resolveOverrides, stableStringify } from '../src/index.js';

describe('resolveOverrides', () => {
  const { ir } = compile([
    mapping('a').prefix('/a/').service('quote.shop:8080').build(),
    mapping('b').prefix('/b/').service('other').build(),
  ]);

  it('turns matching DNS clusters into static clusters by host, first label, or service', () => {
    for (const name of ['quote.shop', 'quote', 'quote.shop:8080']) {
      const out = resolveOverrides(ir, { [name]: '127.0.0.1:9000' });
      const c = out.clusters.find((x) => x.name === 'cluster_quote_shop_8080_default')!;
      expect(c.discovery).toEqual({
        kind: 'static',
        endpoints: [{ address: '127.0.0.1', port: 9000, weight: 1, zone: '', health: 'unknown' }],
      });
      expect(out.clusters.find((x) => x.name === 'cluster_other_default')!.discovery.kind).toBe('dns');
      expect(out.version).not.toBe(ir.version);
    }
  });

  it('is pure and ignores entries that match nothing', () => {
    const before = stableStringify(ir);
    const out = resolveOverrides(ir, { nothing: '127.0.0.1:1', quote: 'not a target' });
    expect(stableStringify(ir)).toBe(before);
    expect(out.version).toBe(ir.version);
  });
});
