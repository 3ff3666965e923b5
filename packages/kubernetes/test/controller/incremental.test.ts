import { compile, loadObjects, type Resource, stableStringify } from '@gateway/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalCompiler } from '../../src/controller/incremental.js';
import { StableSealer } from '../../src/controller/stable-seal.js';

/** A Mapping as a getambassador.io object, loaded by core (so it is normalised the same way). */
function mapping(ns: string, name: string, spec: Record<string, unknown>): Resource {
  const { team, ...rest } = spec;
  const labels = team ? { team: String(team) } : undefined;
  const { resources, diagnostics } = loadObjects([
    {
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Mapping',
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      spec: rest,
    },
  ]);
  if (resources.length !== 1) throw new Error(`bad test mapping: ${JSON.stringify(diagnostics)}`);
  return resources[0]!;
}

const GLOBALS: Resource[] = loadObjects([
  {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Host',
    metadata: { name: 'x', namespace: 'default' },
    spec: { hostname: 'x.example.com' },
  },
  {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Host',
    metadata: { name: 'wild', namespace: 'default' },
    spec: { hostname: '*.example.com' },
  },
]).resources;

const SELECTOR_GLOBALS: Resource[] = loadObjects([
  ...GLOBALS.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec: r.spec })),
  {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Host',
    metadata: { name: 'team-a', namespace: 'default' },
    spec: { hostname: 'a.example.com', mappingSelector: { matchLabels: { team: 'a' } } },
  },
]).resources;

const mappingSpec = fc.record(
  {
    prefix: fc.constantFrom('/', '/a/', '/a/b/', '/b/', '/c', '/a/b/c/'),
    service: fc.constantFrom('s1', 's2', 's3', 's4:8080', 'other.ns2'),
    hostname: fc.constantFrom('*', 'x.example.com', 'y.example.com', undefined),
    method: fc.constantFrom(undefined, 'GET', 'POST'),
    headers: fc.constantFrom(undefined, { 'x-a': '1' }, { 'x-long-header-name': 'v' }),
    weight: fc.constantFrom(undefined, undefined, 10, 30),
    shadow: fc.constantFrom(undefined, undefined, undefined, true),
    precedence: fc.constantFrom(undefined, undefined, undefined, 5),
    rewrite: fc.constantFrom(undefined, ''),
    team: fc.constantFrom(undefined, 'a', 'b'),
  },
  { requiredKeys: ['prefix', 'service'] },
);

/** An object (e.g. an annotated Service) carrying 1–2 Mappings. */
const objectContent = fc.array(mappingSpec, { minLength: 1, maxLength: 2 });

type Spec = Record<string, unknown>;
const clean = (s: Spec) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));

function build(objects: Map<string, Spec[]>): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const [key, specs] of objects)
    out.set(
      key,
      specs.map((s, i) => mapping('default', `${key}-m${i}`, clean(s))),
    );
  return out;
}

function withGlobals(objects: Map<string, Resource[]>, globals: Resource[]): Map<string, Resource[]> {
  return new Map<string, Resource[]>([['globals', globals], ...objects]);
}

function fullIR(objects: Map<string, Resource[]>) {
  return compile([...objects.values()].flat()).ir;
}

describe('incremental compile equals a full compile', () => {
  for (const [label, globals] of [
    ['no Hosts', [] as Resource[]],
    ['with Hosts', GLOBALS],
    ['with a mappingSelector Host', SELECTOR_GLOBALS],
  ] as const) {
    it(`random Mapping changes (${label})`, () => {
      const totals = { incremental: 0, full: 0, oracle: 0 };
      fc.assert(
        fc.property(
          fc.array(objectContent, { minLength: 1, maxLength: 8 }),
          fc.array(fc.tuple(fc.nat(9), fc.option(objectContent, { nil: undefined })), {
            minLength: 1,
            maxLength: 6,
          }),
          (initial, steps) => {
            const specs = new Map<string, Spec[]>(initial.map((c, i) => [`o${i}`, c]));
            const compiler = new IncrementalCompiler({}, new StableSealer());
            let objects = withGlobals(build(specs), globals);
            compiler.full(objects);
            for (const [index, content] of steps) {
              const key = `o${index}`;
              const before = objects;
              if (content === undefined) specs.delete(key);
              else specs.set(key, content);
              objects = withGlobals(build(specs), globals);
              const changed = new Map([[key, before.get(key) ?? []]]);
              const result = compiler.update(objects, changed);
              const expected = fullIR(objects);
              expect(JSON.stringify(result.ir)).toBe(JSON.stringify(expected));
            }
            totals.incremental += compiler.stats.incremental;
            totals.full += compiler.stats.full;
            totals.oracle += compiler.stats.oracleCompiles;
          },
        ),
        {
          numRuns: Number(process.env.INC_RUNS ?? 60),
          seed: process.env.INC_SEED ? Number(process.env.INC_SEED) : 42,
        },
      );
      // The comparison must be of the incremental path, not of fallbacks.
      expect(totals.incremental).toBeGreaterThan(totals.full);
      expect(totals.oracle).toBeGreaterThan(0);
      console.log(label, totals);
    });
  }

  it('takes the incremental path for Mapping changes and falls back for gateway-wide ones', () => {
    const specs = new Map<string, Spec[]>([
      ['a', [{ prefix: '/a/', service: 'a', hostname: '*' }]],
      ['b', [{ prefix: '/b/', service: 'b', hostname: '*' }]],
      ['c', [{ prefix: '/a/', service: 'c', hostname: '*', weight: 10 }]],
    ]);
    const compiler = new IncrementalCompiler({}, new StableSealer());
    let objects = withGlobals(build(specs), GLOBALS);
    compiler.full(objects);
    const before = objects;
    specs.set('b', [{ prefix: '/b2/', service: 'b', hostname: '*' }]);
    objects = withGlobals(build(specs), GLOBALS);
    const r = compiler.update(objects, new Map([['b', before.get('b')!]]));
    expect(r.incremental).toBe(true);
    expect(stableStringify(r.ir)).toBe(stableStringify(fullIR(objects)));
    // A Host change is gateway-wide: full compile.
    const g = compiler.update(
      withGlobals(build(specs), GLOBALS.slice(0, 1)),
      new Map([['globals', GLOBALS]]),
    );
    expect(g).toMatchObject({ incremental: false, fallback: 'global-change' });
  });

  it('seals to the same version as core', () => {
    const objects = withGlobals(
      build(new Map([['a', [{ prefix: '/a/', service: 'a', hostname: '*' }]]])),
      GLOBALS,
    );
    const ir = fullIR(objects);
    const { version, schema, ...body } = ir;
    expect(new StableSealer().seal(body)).toEqual(ir);
    expect(JSON.stringify(new StableSealer().seal(body))).toBe(JSON.stringify(ir));
  });
});
