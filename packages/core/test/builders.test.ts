import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  authorizationPolicy,
  compile,
  host,
  jwtProvider,
  listener,
  type Mapping,
  mapping,
  stableStringify,
} from '../src/index.js';

describe('mapping builder', () => {
  it('builds the resource the YAML form loads to', () => {
    const m = mapping('quote', { namespace: 'shop', labels: { team: 'a' } })
      .prefix('/backend/')
      .service('quote:80')
      .weight(10)
      .header('x-beta', true)
      .timeoutMs(5000)
      .build();
    expect(m).toEqual({
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Mapping',
      metadata: { name: 'quote', namespace: 'shop', labels: { team: 'a' }, annotations: {} },
      spec: {
        prefix: '/backend/',
        service: 'quote:80',
        weight: 10,
        headers: { 'x-beta': true },
        timeoutMs: 5000,
      },
    });
    expectTypeOf(m).toEqualTypeOf<Mapping>();
  });

  it('compiles builder output like YAML', () => {
    const { ir, diagnostics } = compile([
      mapping('a').prefix('/a/').service('a').build(),
      mapping('r')
        .prefixExact('/old')
        .redirectTo('https://new.example', { rewrite: { path: '/new' }, code: 302 })
        .build(),
      mapping('s').prefix('/a/').shadowOf('a-next', 5).build(),
      host('h', { hostname: '*' }),
      listener('l', {
        port: 8080,
        protocol: 'HTTP',
        securityModel: 'XFP',
        hostBinding: { namespace: { from: 'ALL' } },
      }),
      jwtProvider('j', { issuer: 'i', jwks: '{"keys":[]}' }),
      authorizationPolicy('p', { rules: [{ methods: ['GET'] }] }),
    ]);
    expect(diagnostics.filter((d) => d.severity !== 'notice')).toEqual([
      expect.objectContaining({
        code: 'unattached-mapping',
        resource: expect.objectContaining({ name: 'a' }),
      }),
      expect.objectContaining({
        code: 'unattached-mapping',
        resource: expect.objectContaining({ name: 'r' }),
      }),
    ]);
    expect(stableStringify(ir)).toContain('"filters"');
  });

  it('makes mutually exclusive fields impossible to combine (type-level)', () => {
    const b = mapping('x').prefix('/a/');
    // @ts-expect-error prefixRegex conflicts with prefix
    b.prefixRegex('.*');
    // @ts-expect-error prefixExact conflicts with prefix
    b.prefixExact('/a');
    const rw = b.rewrite('/b/');
    // @ts-expect-error regexRewrite conflicts with rewrite
    rw.regexRewrite('a', 'b');
    // @ts-expect-error noRewrite conflicts with rewrite
    rw.noRewrite();
    const h = mapping('y').hostname('*.example.com');
    // @ts-expect-error host conflicts with hostname
    h.host('a.example.com');
    const red = mapping('z').prefix('/z/').redirectTo('example.com');
    // @ts-expect-error service conflicts with redirectTo
    red.service('s');
    // @ts-expect-error a redirect has no canary weight
    red.weight(10);
    // @ts-expect-error build() needs a path and a target
    mapping('incomplete').prefix('/a/').build();
    // @ts-expect-error build() needs a path and a target
    mapping('incomplete').service('a').build();
    const redirecting = mapping('r').prefix('/');
    // @ts-expect-error redirect path forms are a discriminated union: only one at a time
    redirecting.redirectTo('x', { rewrite: { path: '/a', prefix: '/b' } });
    // @ts-expect-error Host takes tls or tlsContext, not both
    host('h', { hostname: 'a', tls: {}, tlsContext: { name: 'c' } });
    // @ts-expect-error Listener takes protocol or protocolStack, not both
    listener('l', { port: 1, protocol: 'HTTP', protocolStack: ['HTTP'], securityModel: 'XFP' });
    // @ts-expect-error JwtProvider takes one JWKS source
    jwtProvider('j', { issuer: 'i', jwksUri: 'https://x', jwks: '{}' });
    expectTypeOf(mapping('ok').prefix('/').service('s').build).toBeFunction();
    expect(true).toBe(true);
  });
});
