import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileYaml, stableStringify } from '../src/index.js';
import { isCanonical } from '../src/util/stable-json.js';

function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        // defineProperty keeps an own "__proto__" key as data (plain assignment would drop it).
        if (x !== undefined)
          Object.defineProperty(out, k, {
            value: sortKeys(x),
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('stableStringify', () => {
  it('equals JSON.stringify of the key-sorted value for any JSON-like value', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: false, withBoxedValues: false, withMap: false, withSet: false }),
        (v) => {
          expect(stableStringify(v)).toBe(reference(v));
        },
      ),
      { numRuns: 2000 },
    );
    // Array-index keys enumerate first in numeric order (as with any JavaScript object).
    expect(stableStringify({ b: 1, a: [2, { d: undefined, c: 3 }], '10': 0, '2': 1 })).toBe(
      '{"2":1,"10":0,"a":[2,{"c":3}],"b":1}',
    );
  });

  it('the compiler emits IR objects with sorted keys, so hashing takes the native fast path', () => {
    const root = join(import.meta.dirname, 'golden');
    for (const dir of readdirSync(root)) {
      const { ir } = compileYaml(readFileSync(join(root, dir, 'in.yaml'), 'utf8'));
      for (const part of ['settings', 'listeners', 'clusters', 'secrets', 'tcpRoutes'] as const)
        expect(isCanonical(ir[part]), `${dir}: ${part}`).toBe(true);
    }
  });
});

describe('contentHash', () => {
  it('is sha256 of stableStringify, also for large values fed in pieces', async () => {
    const { createHash } = await import('node:crypto');
    const { contentHash } = await import('../src/index.js');
    const expected = (v: unknown) =>
      createHash('sha256').update(stableStringify(v)).digest('hex').slice(0, 16);
    fc.assert(
      fc.property(
        fc.anything({ withBoxedValues: false, withMap: false, withSet: false, withNullPrototype: false }),
        (v) => {
          if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return;
          expect(contentHash(v)).toBe(expected(v));
        },
      ),
      { numRuns: 1000 },
    );
    const big = {
      z: Array.from({ length: 3000 }, (_, i) => ({
        b: i,
        a: [i, { y: 'x', x: null }],
        '10': i,
        '2': undefined,
      })),
      a: { sorted: Array.from({ length: 5000 }, (_, i) => ({ a: i, b: [i] })) },
    };
    expect(contentHash(big)).toBe(expected(big));
  });
});

describe('sealIR', () => {
  it('versions an IR whose routes are shared by several virtual hosts as sha256 of its stable JSON', async () => {
    const { createHash } = await import('node:crypto');
    const { sealIR } = await import('../src/index.js');
    const yaml = [
      ...['"*.example.com"', 'api.example.com', 'www.example.com'].map(
        (h, i) =>
          `---\napiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata:\n  name: h${i}\nspec:\n  hostname: ${h}\n`,
      ),
      ...Array.from(
        { length: 300 },
        (_, i) =>
          `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: m${i}\nspec:\n  hostname: "${i % 2 ? '*' : `h${i}.example.com`}"\n  prefix: /s${i}/\n  service: s${i}:80\n  add_request_headers: {z: "1", a: "2"}\n`,
      ),
    ].join('');
    const { ir } = compileYaml(yaml);
    const [vhA, vhB] = ir.listeners[0]!.virtualHosts;
    // The "*" Mappings' routes are the same objects in every virtual host (the memoised case).
    expect(vhA!.routes.some((r) => vhB!.routes.includes(r))).toBe(true);
    const { schema: _schema, version, ...body } = ir;
    const expected = createHash('sha256').update(stableStringify(body)).digest('hex').slice(0, 16);
    expect(version).toBe(expected);
    // Unsorted keys inside a shared route still hash as their sorted form.
    const shared = vhA!.routes.find((r) => vhB!.routes.includes(r))!;
    shared.auth = { ...shared.auth, contextExtensions: { z: '1', a: '2' } };
    const resealed = sealIR(body);
    expect(resealed.version).toBe(
      createHash('sha256').update(stableStringify(body)).digest('hex').slice(0, 16),
    );
    expect(resealed.version).not.toBe(version);
  });
});
