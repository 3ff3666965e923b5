import type { IRPathMatch, IRRoute } from '@gateway/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledVirtualHost,
  compileRouteTables,
  HostMatcher,
  matchIndexed,
  matchLinear,
  normalizeAuthority,
  pickWeightedCluster,
  type RouteInput,
} from '../src/index.js';
import { PrefixIndex } from '../src/routing/prefix-index.js';
import { forward, makeIR, route, staticCluster, vhost } from './support/gateway-helpers.js';

const clusters = [staticCluster('c1', 1), staticCluster('c2', 2)];

function table(routes: IRRoute[]) {
  const built = compileRouteTables(makeIR(routes, clusters));
  expect(built.diagnostics).toEqual([]);
  const t = built.tables.get('listener-8080');
  if (!t) throw new Error('no table');
  return t;
}

function input(path: string, extra: Partial<RouteInput> = {}): RouteInput {
  return { path, query: '', method: 'GET', authority: 'example.com', headers: {}, secure: false, ...extra };
}

function routeName(t: ReturnType<typeof table>, i: RouteInput): string | undefined {
  const d = t.route(i);
  return d.kind === 'route' ? d.route.ir.name : undefined;
}

describe('route table: first match wins in IR order', () => {
  it('matches prefix, segment-prefix, exact and regex paths', () => {
    const t = table([
      route('exact', { kind: 'exact', value: '/a/exact' }, forward('c1')),
      route('segment', { kind: 'segment-prefix', value: '/seg' }, forward('c1')),
      route('regex', { kind: 'regex', value: '/r/[0-9]+' }, forward('c1')),
      route('prefix', '/a', forward('c1')),
    ]);
    expect(routeName(t, input('/a/exact'))).toBe('exact');
    expect(routeName(t, input('/a/exact/more'))).toBe('prefix');
    expect(routeName(t, input('/seg'))).toBe('segment');
    expect(routeName(t, input('/seg/x'))).toBe('segment');
    expect(routeName(t, input('/segment'))).toBeUndefined();
    expect(routeName(t, input('/r/123'))).toBe('regex');
    expect(routeName(t, input('/r/123x'))).toBeUndefined(); // regex is a full match
    expect(routeName(t, input('/abc'))).toBe('prefix'); // plain prefix: /a matches /abc
  });

  it('keeps IR order even when a shorter prefix comes first', () => {
    const t = table([route('short', '/a', forward('c1')), route('long', '/a/b', forward('c2'))]);
    expect(routeName(t, input('/a/b/c'))).toBe('short');
  });

  it('checks header, method and query matchers on candidates', () => {
    const t = table([
      route('inverted', '/x', forward('c1'), {
        match: {
          headers: [
            { name: 'x-block', invert: true },
            { name: ':method', match: { exact: 'PUT' } },
          ],
        },
      }),
      route('present', '/x', forward('c1'), { match: { headers: [{ name: 'x-flag' }] } }),
      route('query', '/x', forward('c1'), {
        match: { queryParams: [{ name: 'v', match: { prefix: 'be', ignoreCase: true } }] },
      }),
      route('rest', '/x', forward('c2')),
    ]);
    expect(routeName(t, input('/x', { method: 'PUT' }))).toBe('inverted');
    expect(routeName(t, input('/x', { method: 'PUT', headers: { 'x-block': '1' } }))).toBe('rest');
    expect(routeName(t, input('/x', { headers: { 'x-flag': '' } }))).toBe('present');
    expect(routeName(t, input('/x', { query: 'a=1&v=BETA%20x' }))).toBe('query');
    expect(routeName(t, input('/x', { query: 'v=alpha' }))).toBe('rest');
  });

  it('uses one random draw per request for match.fraction (cumulative canary split)', () => {
    const t = table([
      route('ten', '/c', forward('c1'), { match: { fraction: 10 } }),
      route('forty', '/c', forward('c2'), { match: { fraction: 40 } }),
      route('rest', '/c', forward('c1')),
    ]);
    expect(routeName(t, input('/c', { fractionDraw: 5 }))).toBe('ten');
    expect(routeName(t, input('/c', { fractionDraw: 25 }))).toBe('forty');
    expect(routeName(t, input('/c', { fractionDraw: 70 }))).toBe('rest');
  });

  it('applies the secure flag and the vhost insecure policy', () => {
    const ir = makeIR(
      [
        vhost(['secure.example'], [route('s', '/', forward('c1'))], { insecure: 'redirect' }),
        vhost(['reject.example'], [route('r', '/', forward('c1'))], { insecure: 'reject' }),
        vhost(
          ['*'],
          [
            route('only-secure', '/', forward('c1'), { match: { secure: true } }),
            route('plain', '/', forward('c2')),
          ],
        ),
      ],
      clusters,
    );
    const t = compileRouteTables(ir).tables.get('listener-8080');
    if (!t) throw new Error('no table');
    expect(t.route(input('/', { authority: 'secure.example' })).kind).toBe('insecure-redirect');
    expect(t.route(input('/', { authority: 'secure.example', secure: true })).kind).toBe('route');
    expect(t.route(input('/', { authority: 'reject.example' })).kind).toBe('no-route');
    expect(routeName(t, input('/', { authority: 'x', secure: true }))).toBe('only-secure');
    expect(routeName(t, input('/', { authority: 'x', secure: false }))).toBe('plain');
  });

  it('reports invalid regexes, oversized regexes and missing clusters as diagnostics', () => {
    const ir = makeIR(
      [
        route('bad-regex', { kind: 'regex', value: '(a' }, forward('c1')),
        route('backref', { kind: 'regex', value: '(a)\\1' }, forward('c1')),
        route('huge', { kind: 'regex', value: '(abc|def|ghi){50}' }, forward('c1')),
        route('missing', '/m', forward('nope')),
      ],
      clusters,
    );
    const { diagnostics } = compileRouteTables(ir);
    const byName = (n: string) => diagnostics.filter((d) => d.resource.name === n);
    expect(byName('bad-regex')[0]?.path).toBe('match.path.value');
    expect(byName('backref')).toHaveLength(1);
    expect(byName('huge')[0]?.message).toMatch(/program size \d+, above the limit 200/);
    expect(byName('missing')[0]?.path).toBe('action.clusters[0].cluster');
    expect(byName('missing')[0]?.message).toContain('"nope" is not defined');
  });

  it('picks weighted clusters by cumulative weight', () => {
    const t = table([
      route(
        'w',
        '/',
        forward([
          ['c1', 70],
          ['c2', 30],
        ]),
      ),
    ]);
    const d = t.route(input('/'));
    if (d.kind !== 'route' || d.route.action.kind !== 'forward') throw new Error('expected forward');
    expect(pickWeightedCluster(d.route.action, 0)?.cluster).toBe('c1');
    expect(pickWeightedCluster(d.route.action, 0.69)?.cluster).toBe('c1');
    expect(pickWeightedCluster(d.route.action, 0.7)?.cluster).toBe('c2');
    expect(pickWeightedCluster(d.route.action, 0.999)?.cluster).toBe('c2');
  });
});

describe('virtual host selection', () => {
  it('prefers exact, then longest suffix wildcard, then longest prefix wildcard, then *', () => {
    const m = new HostMatcher<string>();
    for (const d of ['*', 'api.*', 'api.example.*', '*.example.com', '*.b.example.com', 'a.b.example.com'])
      m.add(d, d);
    expect(m.match('a.b.example.com')).toBe('a.b.example.com');
    expect(m.match('x.b.example.com')).toBe('*.b.example.com');
    expect(m.match('b.example.com')).toBe('*.example.com');
    expect(m.match('api.example.com')).toBe('*.example.com'); // suffix beats prefix
    expect(m.match('api.example.org')).toBe('api.example.*');
    expect(m.match('api.other')).toBe('api.*');
    expect(m.match('example.com')).toBe('*'); // a wildcard matches at least one character
  });

  it('normalises authorities: lower case, no port, no trailing dot', () => {
    expect(normalizeAuthority('API.Example.COM.:8443', true)).toBe('api.example.com');
    expect(normalizeAuthority('[::1]:8080', true)).toBe('[::1]');
    expect(normalizeAuthority('host:8080', false)).toBe('host:8080');
  });
});

describe('prefix index', () => {
  it('yields every indexed key that prefixes the path, shortest first', () => {
    const idx = new PrefixIndex();
    idx.insert('/api/v1', 0);
    idx.insert('/api', 1);
    idx.insert('/', 2);
    idx.insert('/api/v2', 3);
    idx.insert('/apis', 4);
    const out: number[][] = [];
    const n = idx.collect('/api/v1/users', out);
    expect(out.slice(0, n)).toEqual([[2], [1], [0]]);
    const m = idx.collect('/apis/x', out);
    expect(out.slice(0, m)).toEqual([[2], [1], [4]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the indexed lookup returns exactly what a linear first-match scan returns.

const SEGMENTS = ['a', 'ab', 'b', 'api', 'v1', 'A', 'x'];
const segment = fc.constantFrom(...SEGMENTS);
const pathArb = fc
  .array(segment, { minLength: 0, maxLength: 4 })
  .chain((segs) =>
    fc.boolean().map((trailing) => `/${segs.join('/')}${trailing && segs.length > 0 ? '/' : ''}`),
  );
const REGEXES = ['/a/.*', '/(a|b)/v1', '/api/[a-z]+', '.*x', '/[A-Z].*', '/ab?/?'];

const pathMatchArb: fc.Arbitrary<IRPathMatch> = fc.oneof(
  pathArb.map((value) => ({ kind: 'prefix' as const, value })),
  pathArb.map((value) => ({ kind: 'prefix' as const, value: value.length > 1 ? value.slice(0, -1) : value })),
  pathArb.map((value) => ({ kind: 'segment-prefix' as const, value })),
  pathArb.map((value) => ({ kind: 'exact' as const, value })),
  fc.constantFrom(...REGEXES).map((value) => ({ kind: 'regex' as const, value })),
);

const routeArb = fc.record({
  path: pathMatchArb,
  caseSensitive: fc.boolean(),
  header: fc.option(fc.constantFrom('x-a', 'x-b'), { nil: undefined }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  fraction: fc.option(fc.constantFrom(25, 50, 100), { nil: undefined }),
});

describe('property: indexed lookup equals linear first-match', () => {
  it('agrees on random route tables and requests', () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { minLength: 1, maxLength: 40 }),
        fc.array(
          fc.record({
            path: pathArb,
            upper: fc.boolean(),
            headers: fc.subarray(['x-a', 'x-b']),
            method: fc.constantFrom('GET', 'POST'),
            draw: fc.double({ min: 0, max: 99.999, noNaN: true }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (specs, requests) => {
          const routes = specs.map((s, i) =>
            route(`r${i}`, s.path, forward('c1'), {
              match: {
                caseSensitive: s.caseSensitive,
                headers: [
                  ...(s.header ? [{ name: s.header }] : []),
                  ...(s.method ? [{ name: ':method', match: { exact: s.method } }] : []),
                ],
                ...(s.fraction !== undefined ? { fraction: s.fraction } : {}),
              },
            }),
          );
          const built = compileRouteTables(makeIR(routes, clusters));
          const vh = built.tables.get('listener-8080')?.vhosts[0] as CompiledVirtualHost;
          for (const r of requests) {
            const headers = Object.fromEntries(r.headers.map((h) => [h, '1']));
            const path = r.upper ? r.path.toUpperCase() : r.path;
            const a = matchIndexed(vh, input(path, { headers, method: r.method, fractionDraw: r.draw }));
            const b = matchLinear(vh, input(path, { headers, method: r.method, fractionDraw: r.draw }));
            expect(a?.index).toBe(b?.index);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
