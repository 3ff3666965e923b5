import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareWeights,
  type MappingInfo,
  mappingInfo,
  NO_ORDER_WEIGHT,
  routeWeight,
} from '../src/compile/mapping-info.js';
import { compile } from '../src/index.js';
import type { Mapping, MappingSpec } from '../src/model/mapping.js';

function mapping(name: string, spec: Partial<MappingSpec>): Mapping {
  return {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Mapping',
    metadata: { name, namespace: 'default' },
    spec: { prefix: '/', service: 'backend', ...spec },
  } as Mapping;
}

function infoOf(spec: Partial<MappingSpec>): MappingInfo {
  return mappingInfo(mapping('m', spec), {}, () => []);
}

/** Order by the packed fields, as compile sorts groups (descending weight handled by the caller). */
function packedCompare(a: MappingInfo, b: MappingInfo): number {
  if (a.orderWeight !== b.orderWeight) return a.orderWeight - b.orderWeight;
  return a.orderTail < b.orderTail ? -1 : a.orderTail > b.orderTail ? 1 : 0;
}

const text = fc.constantFrom('', 'a', 'ab', 'b', '/', '/a', '/a/', '/ab', 'x-y', '\u00e9', '\uffff');
const spec = fc.record(
  {
    prefix: fc.constantFrom('/', '/a', '/a/', '/ab', '/b', '/a/b', '/\u00e9'),
    precedence: fc.integer({ min: -3, max: 3 }),
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    hostname: fc.constantFrom('*', 'a.example.com', 'ab.example.com'),
    headers: fc.dictionary(fc.constantFrom('x-a', 'x-ab', 'x-b'), fc.oneof(text, fc.constant(true))),
    queryParameters: fc.dictionary(fc.constantFrom('q', 'qq'), fc.oneof(text, fc.constant(true))),
  },
  { requiredKeys: ['prefix'] },
);

describe('route order keys', () => {
  it('order Mappings exactly as Emissary route weights compare', () => {
    fc.assert(
      fc.property(spec, spec, (x, y) => {
        const a = infoOf(x);
        const b = infoOf(y);
        expect(a.orderWeight).toBeGreaterThanOrEqual(0);
        expect(b.orderWeight).toBeGreaterThanOrEqual(0);
        expect(Math.sign(packedCompare(a, b))).toBe(
          Math.sign(compareWeights(routeWeight(a), routeWeight(b))),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves values that do not fit the packed form to the list comparison', () => {
    expect(infoOf({ precedence: 1_000_000 }).orderWeight).toBe(NO_ORDER_WEIGHT);
    expect(infoOf({ prefix: `/${'a'.repeat(5000)}` }).orderWeight).toBe(NO_ORDER_WEIGHT);
    expect(infoOf({ headers: { 'x-a': 'a\u0000b' } }).orderWeight).toBe(NO_ORDER_WEIGHT);
    expect(infoOf({ precedence: 5 }).orderWeight).toBeGreaterThanOrEqual(0);
  });

  it('compiles the same route order with and without packed keys', () => {
    const specs: Array<Partial<MappingSpec>> = [
      { prefix: '/a', precedence: 2 },
      { prefix: '/a/' },
      { prefix: '/ab', hostname: 'a.example.com' },
      { prefix: '/a', headers: { 'x-a': 'b' } },
      { prefix: '/', method: 'POST' },
    ];
    const names = (extra: Array<Partial<MappingSpec>>) =>
      compile(
        [...specs, ...extra].map((s, i) => mapping(`m${i}`, s)),
      ).ir.listeners[0]!.virtualHosts[0]!.routes.map((r) => r.name);
    const packed = names([{ prefix: '/z', precedence: -1 }]);
    // A precedence too large for the packed form sends the whole sort down the list comparison.
    const listed = names([{ prefix: '/z', precedence: 1_000_000 }]);
    expect(listed[0]).toBe('default/m5');
    expect(listed.slice(1)).toEqual(packed.slice(0, -1));
    expect(packed[packed.length - 1]).toBe('default/m5');
  });
});
