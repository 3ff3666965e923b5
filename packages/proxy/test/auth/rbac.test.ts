import { describe, expect, it } from 'vitest';
import { rbacFilterFactory } from '../../src/filters/rbac.js';
import { makeCtx, makeDeps, makeIR, makeRoute, SOURCE } from './helpers.js';

describe('rbac filter', () => {
  const route = makeRoute({ name: 'default/admin', authorizationPolicies: ['ops-only'] });
  const open = makeRoute({ name: 'default/open' });
  const ir = makeIR(
    {
      jwt: [
        {
          name: 'k8s',
          source: SOURCE,
          issuer: 'https://kubernetes.default.svc',
          audiences: [],
          jwks: { kind: 'inline', jwks: '{"keys":[]}' },
          from: [],
          claimToHeaders: [],
          algorithms: [],
          clockSkewSeconds: 60,
          forward: true,
          principal: 'kubernetes-service-account',
        },
      ],
      authorization: [
        {
          name: 'ops-only',
          source: SOURCE,
          action: 'ALLOW',
          gatewayWide: false,
          rules: [{ namespaces: ['ops'] }],
        },
        {
          name: 'no-trace',
          source: SOURCE,
          action: 'DENY',
          gatewayWide: true,
          rules: [{ methods: ['TRACE'] }],
        },
      ],
    },
    [route, open],
  );

  it('is not built without policies', () => {
    expect(rbacFilterFactory(makeIR({}, [open]), makeDeps({}))).toBeUndefined();
  });

  it('allows a ServiceAccount of the right namespace (identity from jwt_authn claims)', async () => {
    const filter = rbacFilterFactory(ir, makeDeps({}))!;
    const ctx = makeCtx(ir, { ...route, auth: { ...route.auth, jwtProviders: ['k8s'] } });
    ctx.principal = 'system:serviceaccount:ops:bot';
    ctx.claims = { k8s: { 'kubernetes.io': { namespace: 'ops', serviceaccount: { name: 'bot' } } } };
    expect(await filter.onRequest(ctx)).toEqual({ kind: 'continue' });
  });

  it('answers 403 "RBAC: access denied" otherwise', async () => {
    const filter = rbacFilterFactory(ir, makeDeps({}))!;
    const out = await filter.onRequest(makeCtx(ir, route));
    expect(out).toMatchObject({ kind: 'respond', status: 403, body: 'RBAC: access denied' });
  });

  it('applies gateway-wide DENY policies on every route', async () => {
    const filter = rbacFilterFactory(ir, makeDeps({}))!;
    expect(await filter.onRequest(makeCtx(ir, open))).toEqual({ kind: 'continue' });
    expect(await filter.onRequest(makeCtx(ir, open, { method: 'TRACE' }))).toMatchObject({
      status: 403,
      reason: 'rbac-deny:no-trace[0]',
    });
  });

  it('answers gRPC clients with PERMISSION_DENIED', async () => {
    const filter = rbacFilterFactory(ir, makeDeps({}))!;
    const out = await filter.onRequest(
      makeCtx(ir, route, { headers: { 'content-type': 'application/grpc' } }),
    );
    expect(out).toMatchObject({ kind: 'respond', status: 200, headers: { 'grpc-status': '7' } });
  });

  it('fails closed for routes naming a missing policy, and logs once', async () => {
    const deps = makeDeps({});
    const broken = makeRoute({ name: 'default/broken', authorizationPolicies: ['ghost'] });
    const irB = makeIR({ authorization: ir.filters.authorization }, [broken]);
    const filter = rbacFilterFactory(irB, deps)!;
    expect(await filter.onRequest(makeCtx(irB, broken))).toMatchObject({ status: 403 });
    expect(await filter.onRequest(makeCtx(irB, broken))).toMatchObject({ status: 403 });
    expect(deps.logs.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('fails closed for a policy with a malformed CIDR and reports its path', async () => {
    const deps = makeDeps({});
    const irB = makeIR(
      {
        authorization: [
          {
            name: 'bad',
            source: SOURCE,
            action: 'DENY',
            gatewayWide: true,
            rules: [{ sourceIps: ['not-an-ip'] }],
          },
        ],
      },
      [open],
    );
    const filter = rbacFilterFactory(irB, deps)!;
    expect(await filter.onRequest(makeCtx(irB, open))).toMatchObject({ status: 403 });
    expect(deps.logs[0]).toMatchObject({
      level: 'error',
      obj: { policy: 'bad', path: 'rules[0].sourceIps[0]' },
    });
  });
});

describe('rbac filter without any policy defined', () => {
  it('still denies routes that name a policy', async () => {
    const ghost = makeRoute({ authorizationPolicies: ['ghost'] });
    const ir = makeIR({}, [ghost]);
    const filter = rbacFilterFactory(ir, makeDeps({}))!;
    expect(await filter.onRequest(makeCtx(ir, ghost))).toMatchObject({ status: 403 });
  });
});
