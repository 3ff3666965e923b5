import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileYaml, type IRRoute, type IRRouteActionForward } from '../src/index.js';

// Facts marked ✔ in the Ambassador semantics reference (confirmed against Emissary's compiler).

const mapping = (name: string, spec: Record<string, unknown>, namespace = 'default') =>
  `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${JSON.stringify(spec)}\n`;

function allRoutes(text: string): IRRoute[] {
  return compileYaml(text).ir.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.routes));
}

function clusterOf(spec: Record<string, unknown>, namespace = 'default'): string {
  const [r] = allRoutes(mapping('m', { prefix: '/p/', ...spec }, namespace));
  return (r!.action as IRRouteActionForward).clusters[0]!.cluster;
}

describe('Emissary cluster names', () => {
  it.each([
    [{ service: 'backend' }, 'default', 'cluster_backend_default'],
    [{ service: 'backend:8080' }, 'other', 'cluster_backend_other_8080_other'],
    [{ service: 'backend.third:9090' }, 'other', 'cluster_backend_third_9090_other'],
    [{ service: 'http://plain:81' }, 'default', 'cluster_http___plain_81_default'],
    [{ service: 'https://tls-svc' }, 'default', 'cluster_https___tls_svc_otls_default'],
    [{ service: '[::1]:8080' }, 'default', 'cluster____1__8080_default'],
    [
      {
        service: 'lbrh',
        resolver: 'kubernetes-endpoint',
        load_balancer: { policy: 'ring_hash', header: 'x-user' },
      },
      'default',
      'cluster_lbrh_default_er_ring_hash_hdr_x_user',
    ],
    [
      {
        service: 'backend',
        circuit_breakers: [
          {
            priority: 'default',
            max_connections: 100,
            max_pending_requests: 10,
            max_requests: 50,
            max_retries: 3,
          },
          { priority: 'high', max_connections: 200 },
        ],
      },
      'default',
      'cluster_backend_default_cbdc100p10r50t3_cbhc200',
    ],
  ])('%j in %s → %s', (spec, ns, expected) => {
    expect(clusterOf(spec, ns)).toBe(expected);
  });

  it('shortens names over 60 characters to name[0:40]-SHA1[0:16]-i', () => {
    const long = 'cluster_a_service_with_an_extremely_long_name_for_testing_8080_default';
    const expected = `${long.slice(0, 40)}-${createHash('sha1').update(long).digest('hex').slice(0, 16).toUpperCase()}-0`;
    expect(clusterOf({ service: 'a-service-with-an-extremely-long-name-for-testing:8080' })).toBe(expected);
  });
});

describe('Emissary canary weights', () => {
  function shares(weights: Array<number | undefined>): number[] {
    const text = weights
      .map((w, i) =>
        mapping(`m${i}`, { prefix: '/c/', service: `svc${i}`, ...(w === undefined ? {} : { weight: w }) }),
      )
      .join('');
    const [r] = allRoutes(text);
    const byCluster = new Map((r!.action as IRRouteActionForward).clusters.map((c) => [c.cluster, c.weight]));
    return weights.map((_w, i) => byCluster.get(`cluster_svc${i}_default`)!);
  }
  it('10, 30, none → 10 % / 30 % / 60 %', () => expect(shares([10, 30, undefined])).toEqual([10, 30, 60]));
  it('none, none → 50 % / 50 %', () => expect(shares([undefined, undefined])).toEqual([50, 50]));
  it('a canary at 100 leaves weightless members at 0 %', () =>
    expect(shares([undefined, 100])).toEqual([0, 100]));
  it('three weightless members → 33 / 33 / 34 (the last absorbs rounding)', () =>
    expect(shares([undefined, undefined, undefined])).toEqual([33, 33, 34]));
  it('rounds half to even like Python: 95 + two weightless → 2 and 3', () =>
    expect(shares([95, undefined, undefined])).toEqual([95, 2, 3]));

  it('uses cumulative fractions when members differ in route attributes', () => {
    const text =
      mapping('a', { prefix: '/s/', service: 'a', weight: 10, timeout_ms: 1000 }) +
      mapping('b', { prefix: '/s/', service: 'b', weight: 30 }) +
      mapping('c', { prefix: '/s/', service: 'c' });
    const rs = allRoutes(text);
    expect(rs.map((r) => r.match.fraction)).toEqual([10, 40, undefined]);
    expect(rs.map((r) => (r.action as IRRouteActionForward).clusters[0]!.cluster)).toEqual([
      'cluster_a_default',
      'cluster_b_default',
      'cluster_c_default',
    ]);
  });

  it('rejects an overweight group (Emissary still emits 70 and 120)', () => {
    const { ir, diagnostics } = compileYaml(
      mapping('a', { prefix: '/o/', service: 'a', weight: 70 }) +
        mapping('b', { prefix: '/o/', service: 'b', weight: 50 }),
    );
    expect(ir.listeners[0]!.virtualHosts[0]!.routes).toEqual([]);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('sum to 120, over 100');
  });
});

describe('Emissary group ids and route order', () => {
  it('group_id = sha1("HTTP-GET/test/hostfoo") for a Host selector matchLabels {host: foo}', () => {
    const text = `
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: foo}
spec:
  hostname: foo.example.com
  mappingSelector: {matchLabels: {host: foo}}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: test
  labels: {host: foo}
spec: {prefix: /test/, service: test}
`;
    const [r] = allRoutes(text);
    expect(r!.group).toBe(createHash('sha1').update('HTTP-GET/test/hostfoo').digest('hex'));
  });

  it('orders /s7/ before /s1/ (reverse-lexicographic on equal length)', () => {
    const rs = allRoutes(
      mapping('s1', { prefix: '/s1/', service: 's1' }) + mapping('s7', { prefix: '/s7/', service: 's7' }),
    );
    expect(rs.map((r) => r.name)).toEqual(['default/s7', 'default/s1']);
  });

  it('orders by precedence, then prefix length, then header length', () => {
    const rs = allRoutes(
      mapping('short-hdr', { prefix: '/a/', service: 'x', headers: { 'x-a': '1' } }) +
        mapping('long-hdr', { prefix: '/a/', service: 'y', headers: { 'x-aaaa': '1111' } }) +
        mapping('longer-prefix', { prefix: '/a/b/', service: 'z' }) +
        mapping('precedence', { prefix: '/', service: 'p', precedence: 1 }),
    );
    expect(rs.map((r) => r.name)).toEqual([
      'default/precedence',
      'default/longer-prefix',
      'default/long-hdr',
      'default/short-hdr',
    ]);
  });

  it('applies the default rewrite "/" to prefix matches but not to exact or regex ones', () => {
    const rs = allRoutes(
      mapping('p', { prefix: '/p/', service: 'p' }) +
        mapping('e', { prefix: '/exact', prefix_exact: true, service: 'e' }) +
        mapping('r', { prefix: '/re/[0-9]+', prefix_regex: true, service: 'r' }),
    );
    const rewrite = (n: string) =>
      (rs.find((r) => r.name === `default/${n}`)!.action as IRRouteActionForward).rewrite;
    expect(rewrite('p')).toEqual({ kind: 'prefix', value: '/' });
    expect(rewrite('e')).toBeUndefined();
    expect(rewrite('r')).toBeUndefined();
  });
});

describe('Emissary bugs we fix', () => {
  it('TCPMapping weights are raw shares: 20 and none → 20 / 80', () => {
    const { ir } = compileYaml(`
apiVersion: getambassador.io/v3alpha1
kind: TCPMapping
metadata: {name: a}
spec: {port: 5432, service: "a:5432", weight: 20}
---
apiVersion: getambassador.io/v3alpha1
kind: TCPMapping
metadata: {name: b}
spec: {port: 5432, service: "b:5432"}
`);
    expect(ir.tcpRoutes[0]!.clusters.map((c) => c.weight)).toEqual([20, 80]);
  });

  it('keepalive.idle_time reaches the cluster', () => {
    const { ir } = compileYaml(
      mapping('k', { prefix: '/k/', service: 'k', keepalive: { idle_time: 45, probes: 2 } }),
    );
    expect(ir.clusters[0]!.tcpKeepalive).toEqual({ idleTimeS: 45, probes: 2 });
  });

  it('glob CORS origins become suffix / regex matchers', () => {
    const [r] = allRoutes(
      mapping('c', {
        prefix: '/c/',
        service: 'c',
        cors: { origins: ['*.b.example', 'https://*.c.example'] },
      }),
    );
    expect(r!.cors?.allowOrigins).toEqual([
      { suffix: '.b.example' },
      { regex: 'https://[A-Za-z0-9.-]+\\.c\\.example' },
    ]);
  });

  it('core keys are checked symmetrically, independent of order', () => {
    const a = mapping('a', { prefix: '/k/', service: 'a', connect_timeout_ms: 5000 });
    const b = mapping('b', { prefix: '/k/', service: 'b', weight: 10 });
    for (const text of [a + b, b + a]) {
      const { ir, diagnostics } = compileYaml(text);
      expect(ir.listeners[0]!.virtualHosts[0]!.routes).toEqual([]);
      const errs = diagnostics.filter((d) => d.code === 'group-mismatch');
      expect(errs.map((d) => d.resource.name).sort()).toEqual(['a', 'b']);
      expect(errs[0]!.message).toContain('connect_timeout_ms');
    }
  });
});
