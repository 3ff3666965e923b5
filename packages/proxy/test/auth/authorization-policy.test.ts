import { readFileSync } from 'node:fs';
import type { IRAuthorizationPolicy, IRJwtProvider } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import {
  CompiledPolicies,
  evaluatePolicies,
  hostWithoutPort,
  patternMatcher,
} from '../../src/filters/authorization-policy.js';
import { deriveIdentity, identityFromContext, parseServiceAccount } from '../../src/filters/identity.js';
import { SOURCE } from './helpers.js';

interface TableRequest {
  name: string;
  method: string;
  path: string;
  authority: string;
  remoteAddress: string;
  headers: Record<string, string | string[]>;
  jwt?: { provider: string; claims: Record<string, unknown> };
  routePolicies?: string[];
  expect: 'allow' | 'deny';
}
interface DecisionTable {
  providers: Array<{ name: string; principal: IRJwtProvider['principal'] }>;
  cases: Array<{ name: string; policies: IRAuthorizationPolicy[]; requests: TableRequest[] }>;
}

const table = JSON.parse(
  readFileSync(new URL('../testdata/authz-decisions.json', import.meta.url), 'utf8'),
) as DecisionTable;
const providers = new Map(table.providers.map((p) => [p.name, p]));

describe('authorization decision table (shared with the Envoy RBAC emitter)', () => {
  for (const c of table.cases) {
    describe(c.name, () => {
      const compiled = new CompiledPolicies(c.policies);
      it('compiles without problems', () => {
        expect(compiled.problems).toEqual([]);
      });
      for (const r of c.requests) {
        it(`${r.name} -> ${r.expect}`, () => {
          const route = {
            auth: {
              bypassExtAuthz: false,
              contextExtensions: {},
              jwtProviders: r.jwt ? [r.jwt.provider] : [],
              jwtOptional: false,
            },
            authorizationPolicies: r.routePolicies ?? [],
          };
          const identity = identityFromContext(
            route,
            providers,
            undefined,
            r.jwt ? { [r.jwt.provider]: r.jwt.claims } : undefined,
          );
          const { policies, missing } = compiled.forRoute(route);
          expect(missing).toEqual([]);
          const d = compiled.evaluate(policies, r, identity);
          expect(d.allowed ? 'allow' : 'deny').toBe(r.expect);
        });
      }
    });
  }
});

describe('evaluatePolicies', () => {
  const req = { method: 'GET', path: '/a', authority: 'x', remoteAddress: '10.0.0.1', headers: {} };

  it('reports the deciding policy and rule', () => {
    const d = evaluatePolicies(
      [
        {
          name: 'a',
          source: SOURCE,
          action: 'ALLOW',
          gatewayWide: true,
          rules: [{ methods: ['POST'] }, { paths: ['/a'] }],
        },
      ],
      req,
      {},
    );
    expect(d).toEqual({ allowed: true, policy: 'a', rule: 1, reason: 'allow-rule' });
  });

  it('reports a matching DENY rule', () => {
    const d = evaluatePolicies(
      [
        {
          name: 'd',
          source: SOURCE,
          action: 'DENY',
          gatewayWide: true,
          rules: [{ sourceIps: ['10.0.0.0/24'] }],
        },
      ],
      req,
      {},
    );
    expect(d).toEqual({ allowed: false, policy: 'd', rule: 0, reason: 'deny-rule' });
  });

  it('allows when no policy applies', () => {
    expect(evaluatePolicies([], req, {})).toEqual({ allowed: true, reason: 'no-policies' });
  });

  it('matches IPv4-mapped IPv6 client addresses against IPv4 CIDRs', () => {
    const d = evaluatePolicies(
      [
        {
          name: 'd',
          source: SOURCE,
          action: 'DENY',
          gatewayWide: true,
          rules: [{ sourceIps: ['10.0.0.0/8'] }],
        },
      ],
      { ...req, remoteAddress: '::ffff:10.9.9.9' },
      {},
    );
    expect(d.allowed).toBe(false);
  });

  it('fails closed on a malformed CIDR and names the field', () => {
    const policies: IRAuthorizationPolicy[] = [
      {
        name: 'bad',
        source: SOURCE,
        action: 'DENY',
        gatewayWide: true,
        rules: [{ sourceIps: ['10.0.0.0/8', '10.0.0.0/99'] }],
      },
    ];
    const compiled = new CompiledPolicies(policies);
    expect(compiled.problems).toEqual([
      {
        policy: 'bad',
        path: 'rules[0].sourceIps[1]',
        message: 'expected an IP address or CIDR, got "10.0.0.0/99"',
      },
    ]);
    expect(compiled.forRoute({ authorizationPolicies: [] }).missing).toEqual(['bad']);
    expect(evaluatePolicies(policies, { ...req, remoteAddress: '192.0.2.1' }, {})).toEqual({
      allowed: false,
      reason: 'invalid-policy',
    });
  });

  it('reports policies a route names that do not exist', () => {
    const compiled = new CompiledPolicies([]);
    expect(compiled.forRoute({ authorizationPolicies: ['ghost'] }).missing).toEqual(['ghost']);
  });
});

describe('patterns', () => {
  it('supports exact, prefix, suffix and any', () => {
    expect(patternMatcher('/a')('/a')).toBe(true);
    expect(patternMatcher('/a')('/a/')).toBe(false);
    expect(patternMatcher('/a/*')('/a/b/c')).toBe(true);
    expect(patternMatcher('/a/*')('/a')).toBe(false);
    expect(patternMatcher('*.json')('/x.json')).toBe(true);
    expect(patternMatcher('*.json')('/x.jsonp')).toBe(false);
    expect(patternMatcher('*')('')).toBe(true);
    expect(patternMatcher('A*', true)('abc')).toBe(true);
  });

  it('strips ports from authorities, IPv6 included', () => {
    expect(hostWithoutPort('a.example:8080')).toBe('a.example');
    expect(hostWithoutPort('[::1]:8080')).toBe('[::1]');
    expect(hostWithoutPort('[::1]')).toBe('[::1]');
    expect(hostWithoutPort('a.example')).toBe('a.example');
    expect(hostWithoutPort('a.example:http')).toBe('a.example:http');
    expect(hostWithoutPort('a.example:')).toBe('a.example:');
    expect(hostWithoutPort('::1')).toBe('::1');
  });
});

describe('identity', () => {
  it('derives Kubernetes ServiceAccount principals', () => {
    const k8s = { principal: 'kubernetes-service-account' as const };
    expect(
      deriveIdentity(k8s, { 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa' } } }),
    ).toEqual({
      principal: 'system:serviceaccount:ns:sa',
      namespace: 'ns',
    });
    expect(deriveIdentity(k8s, { sub: 'system:serviceaccount:a:b' })).toEqual({
      principal: 'system:serviceaccount:a:b',
      namespace: 'a',
    });
    expect(deriveIdentity(k8s, { sub: 'alice' })).toEqual({ principal: 'alice' });
    expect(deriveIdentity(k8s, {})).toEqual({});
    expect(deriveIdentity({ principal: 'sub' }, { sub: 'system:serviceaccount:a:b' })).toEqual({
      principal: 'system:serviceaccount:a:b',
    });
  });

  it('parses only well-formed ServiceAccount names', () => {
    expect(parseServiceAccount('system:serviceaccount:a:b')).toEqual({ namespace: 'a', name: 'b' });
    expect(parseServiceAccount('system:serviceaccount:a:')).toBeUndefined();
    expect(parseServiceAccount('system:serviceaccount:a:b:c')).toBeUndefined();
    expect(parseServiceAccount('user:a:b')).toBeUndefined();
  });
});
