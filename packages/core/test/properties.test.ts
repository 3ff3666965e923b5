import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compile, compileYaml, type IRRoute, loadObjects, loadYaml, stableStringify } from '../src/index.js';

const yamlish = fc
  .array(
    fc.constantFrom(
      'a',
      'k',
      ':',
      ' ',
      '\n',
      '-',
      '---\n',
      '[',
      ']',
      '{',
      '}',
      ',',
      '"',
      "'",
      '&x',
      '*x',
      '!',
      '#',
      '|',
      '>',
      '1',
      'true',
      'null',
      'kind: Mapping\n',
      'apiVersion: getambassador.io/v3alpha1\n',
      'spec:\n  ',
      'prefix: /',
      'service: s',
      'metadata: {name: m}\n',
      '  ',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

const mappingArb = fc.record({
  prefix: fc.constantFrom('/', '/a/', '/a/b/', '/a/b/c/', '/ab/', '/b/', '/a'),
  service: fc.constantFrom('s1', 's2', 's3:8080', 'https://s4', 'other.ns:81'),
  namespace: fc.constantFrom('default', 'ns1'),
  hostname: fc.option(fc.constantFrom('*', 'a.example.com', '*.example.com', 'api.*'), { nil: undefined }),
  headers: fc.option(fc.dictionary(fc.constantFrom('x-a', 'x-b'), fc.constantFrom('1', '22')), {
    nil: undefined,
  }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  weight: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  precedence: fc.option(fc.integer({ min: -1, max: 1 }), { nil: undefined }),
  rewrite: fc.option(fc.constantFrom('', '/', '/x/'), { nil: undefined }),
  timeout_ms: fc.option(fc.constantFrom(0, 1000), { nil: undefined }),
  shadow: fc.option(fc.constant(true), { nil: undefined }),
  labels: fc.option(fc.constant({ team: 'a' }), { nil: undefined }),
});

type M = typeof mappingArb extends fc.Arbitrary<infer T> ? T : never;

function toDocs(ms: M[]): unknown[] {
  return ms.map((m, i) => {
    const { namespace, labels, ...spec } = m as Record<string, unknown>;
    const clean = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
    return {
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Mapping',
      metadata: { name: `m${i}`, namespace, ...(labels ? { labels } : {}) },
      spec: clean,
    };
  });
}

const hostDocs = [
  {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Host',
    metadata: { name: 'h1' },
    spec: { hostname: '*.example.com' },
  },
  {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Host',
    metadata: { name: 'h2' },
    spec: { hostname: '*', mappingSelector: { matchLabels: { team: 'a' } } },
  },
];

const routesOf = (ir: ReturnType<typeof compile>['ir']): IRRoute[][] =>
  ir.listeners.flatMap((l) => l.virtualHosts.map((v) => v.routes));

describe('properties', () => {
  it('load + compile never throws on arbitrary YAML-ish text', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        const r = compileYaml(text);
        expect(r.ir.schema).toBe('gateway.ir/v1');
      }),
      { numRuns: 300 },
    );
  });

  it('load + compile never throws on arbitrary JSON values shaped like resources', () => {
    const valueArb = fc.anything({ maxDepth: 3 });
    const resourceArb = fc.record({
      apiVersion: fc.constantFrom(
        'getambassador.io/v3alpha1',
        'getambassador.io/v2',
        'ambassador/v0',
        'gateway.sdk/v1alpha1',
        'v1',
      ),
      kind: fc.constantFrom(
        'Mapping',
        'Host',
        'Listener',
        'Module',
        'AuthService',
        'RateLimitService',
        'TLSContext',
        'TCPMapping',
        'JwtProvider',
        'AuthorizationPolicy',
        'Service',
        'Ingress',
      ),
      metadata: fc.oneof(fc.record({ name: fc.string(), namespace: fc.string() }), valueArb),
      spec: fc.oneof(
        fc.dictionary(
          fc.constantFrom(
            'prefix',
            'service',
            'weight',
            'hostname',
            'port',
            'rules',
            'labels',
            'cors',
            'config',
            'tls',
            'headers',
            'load_balancer',
            'hostname',
            'jwks',
            'selector',
          ),
          valueArb,
        ),
        valueArb,
      ),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(resourceArb, valueArb), { maxLength: 6 }), (objs) => {
        const loaded = loadObjects(objs);
        const r = compile(loaded.resources);
        expect(typeof r.ir.version).toBe('string');
        expect(() => loadYaml(stringify(objs))).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic and independent of input order', () => {
    fc.assert(
      fc.property(
        fc.array(mappingArb, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.integer(),
        (ms, withHosts, seed) => {
          const docs = [...toDocs(ms), ...(withHosts ? hostDocs : [])];
          const first = compile(loadObjects(docs).resources);
          const again = compile(loadObjects(docs).resources);
          expect(stableStringify(again)).toBe(stableStringify(first));
          // Shuffle the documents (deterministically from the seed) and compile through YAML text.
          const shuffled = docs
            .map((d, i) => ({ d, k: Math.sin(seed + i * 7919) }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.d);
          const fromYaml = compileYaml(shuffled.map((d) => stringify(d)).join('---\n'));
          expect(stableStringify(fromYaml.ir)).toBe(stableStringify(first.ir));
          const strip = (ds: typeof first.diagnostics) => ds.map(({ source: _s, ...d }) => d);
          expect(strip(fromYaml.diagnostics)).toEqual(strip(first.diagnostics));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('never orders a route after a route that shadows it by prefix', () => {
    // X shadows Y when every request Y matches, X matches too: X's prefix is a string prefix of
    // Y's, X's header/query matchers are a subset of Y's, and X is not exact/regex.
    const subset = (a: IRRoute, b: IRRoute) =>
      a.match.headers.every((h) => b.match.headers.some((g) => stableStringify(g) === stableStringify(h))) &&
      a.match.queryParams.every((q) =>
        b.match.queryParams.some((p) => stableStringify(p) === stableStringify(q)),
      );
    fc.assert(
      fc.property(fc.array(mappingArb, { minLength: 2, maxLength: 12 }), (ms) => {
        const sameP = ms.map((m) => ({ ...m, precedence: undefined }));
        const { ir } = compile(loadObjects(toDocs(sameP)).resources);
        for (const routes of routesOf(ir)) {
          routes.forEach((y, yi) => {
            routes.forEach((x, xi) => {
              if (xi >= yi || x.match.path.kind !== 'prefix' || y.match.path.kind !== 'prefix') return;
              if (x.match.fraction !== undefined) return;
              const shadows =
                y.match.path.value.startsWith(x.match.path.value) &&
                x.match.path.value !== y.match.path.value &&
                subset(x, y);
              expect(
                shadows,
                `${x.name} (${x.match.path.value}) shadows later ${y.name} (${y.match.path.value})`,
              ).toBe(false);
            });
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
