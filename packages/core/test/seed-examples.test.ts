import { describe, expect, it } from 'vitest';
import { compileYaml, type IRRoute, type IRRouteActionForward } from '../src/index.js';

function routes(text: string): IRRoute[] {
  const { ir, diagnostics } = compileYaml(text);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return ir.listeners.flatMap((l) => l.virtualHosts.flatMap((vh) => vh.routes));
}

const forward = (r: IRRoute) => r.action as IRRouteActionForward;

describe('seed examples', () => {
  it('compiles a Service annotated with an ambassador/v0 httpbin Mapping', () => {
    const text = `
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  namespace: default
  annotations:
    getambassador.io/config: |
      ---
      apiVersion: ambassador/v0
      kind: Mapping
      name: httpbin_mapping
      prefix: /httpbin/
      service: httpbin.org:80
      host_rewrite: httpbin.org
spec:
  ports: [{port: 80}]
`;
    const { ir } = compileYaml(text);
    const [route] = routes(text);
    expect(route!.name).toBe('default/httpbin_mapping');
    expect(route!.match.path).toEqual({ kind: 'prefix', value: '/httpbin/' });
    expect(forward(route!).rewrite).toEqual({ kind: 'prefix', value: '/' });
    expect(forward(route!).hostRewrite).toBe('httpbin.org');
    expect(forward(route!).clusters).toEqual([
      expect.objectContaining({ cluster: 'cluster_httpbin_org_80_default', weight: 100 }),
    ]);
    const cluster = ir.clusters.find((c) => c.name === 'cluster_httpbin_org_80_default');
    expect(cluster?.discovery).toEqual({
      kind: 'dns',
      host: 'httpbin.org',
      port: 80,
      mode: 'strict',
      respectDnsTtl: false,
    });
    expect(cluster?.tls).toBeUndefined();
  });

  it('compiles a POST-only kubeflow Mapping that rewrites to the predict endpoint', () => {
    const [route] = routes(`
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: tfserving-predict, namespace: kubeflow}
spec:
  prefix: /models/test/
  rewrite: /model/test/:predict
  method: POST
  service: test.kubeflow:8000
`);
    expect(route!.match.path).toEqual({ kind: 'prefix', value: '/models/test/' });
    expect(route!.match.headers).toEqual([{ name: ':method', match: { exact: 'POST' } }]);
    expect(forward(route!).rewrite).toEqual({ kind: 'prefix', value: '/model/test/:predict' });
    expect(forward(route!).clusters.map((c) => c.cluster)).toEqual(['cluster_test_kubeflow_8000_kubeflow']);
    expect(forward(route!).timeoutMs).toBe(3000);
  });

  it('compiles a 90/10 canary into one route with weighted clusters', () => {
    const rs = routes(`
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote}
spec: {prefix: /backend/, service: quote, weight: 90}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote-canary}
spec: {prefix: /backend/, service: quote-canary, weight: 10}
`);
    expect(rs).toHaveLength(1);
    const shares = Object.fromEntries(forward(rs[0]!).clusters.map((c) => [c.cluster, c.weight]));
    expect(shares).toEqual({ cluster_quote_default: 90, cluster_quote_canary_default: 10 });
    expect(rs[0]!.match.fraction).toBeUndefined();
  });
});
