import { describe, expect, it } from 'vitest';
import { loadObjects, loadYaml, type Mapping } from '../src/index.js';

describe('loadYaml', () => {
  it('translates snake_case to camelCase and keeps user map keys untouched', () => {
    const { resources, diagnostics } = loadYaml(`
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: m, namespace: ns}
spec:
  prefix: /a/
  service: a
  host_rewrite: a.example
  add_request_headers: {x_custom_header: v}
  retry_policy: {retry_on: 5xx, num_retries: 2}
`);
    expect(diagnostics).toEqual([]);
    const m = resources[0] as Mapping;
    expect(m.metadata).toEqual({ name: 'm', namespace: 'ns', labels: {}, annotations: {} });
    expect(m.spec).toEqual({
      prefix: '/a/',
      service: 'a',
      hostRewrite: 'a.example',
      addRequestHeaders: { x_custom_header: 'v' },
      retryPolicy: { retryOn: '5xx', numRetries: 2 },
    });
  });

  it('reports unknown fields as warnings with their path and line:column', () => {
    const { diagnostics } = loadYaml(
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m}\nspec:\n  prefix: /\n  service: s\n  cors:\n    orgins: [x]\n',
      { file: 'f.yaml' },
    );
    expect(diagnostics).toEqual([
      {
        resource: { kind: 'Mapping', namespace: 'default', name: 'm' },
        path: 'spec.cors.orgins',
        message: 'unknown field "orgins"; ignored',
        severity: 'warning',
        code: 'unknown-field',
        source: { file: 'f.yaml', line: 8, column: 5 },
      },
    ]);
  });

  it('records the document position of every resource', () => {
    const { resources } = loadYaml(
      '# comment\n---\napiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata: {name: a}\nspec: {}\n---\n\napiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata: {name: b}\nspec: {}\n',
      { file: 'h.yaml' },
    );
    expect(resources.map((r) => r.source)).toEqual([
      { file: 'h.yaml', line: 3, column: 1 },
      { file: 'h.yaml', line: 9, column: 1 },
    ]);
  });

  it('accepts JSON text, arrays and Lists', () => {
    const doc = { apiVersion: 'getambassador.io/v3alpha1', kind: 'Host', metadata: { name: 'h' }, spec: {} };
    expect(loadYaml(JSON.stringify(doc)).resources).toHaveLength(1);
    expect(loadYaml(JSON.stringify([doc, { ...doc, metadata: { name: 'h2' } }])).resources).toHaveLength(2);
    expect(loadYaml(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [doc] })).resources).toHaveLength(
      1,
    );
  });

  it('turns syntax errors, non-objects, missing kinds and unknown kinds into diagnostics', () => {
    const { resources, diagnostics } = loadYaml(
      'a: [\n---\n- 1\n---\nkind: ""\n---\napiVersion: getambassador.io/v3alpha1\nkind: Nope\nmetadata: {name: x}\n',
    );
    expect(resources).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['yaml-syntax', 'error'],
      ['not-an-object', 'error'],
      ['missing-kind', 'error'],
      ['unknown-kind', 'error'],
    ]);
  });

  it('ignores non-gateway Kubernetes objects with a notice', () => {
    const { diagnostics } = loadYaml('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n');
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'notice', code: 'ignored-kind' })]);
  });

  it('unfolds flat annotation documents with the Service namespace and labels', () => {
    const { resources } = loadYaml(`
apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: team
  labels: {app: svc}
  annotations:
    getambassador.io/config: |
      apiVersion: ambassador/v1
      kind: Mapping
      name: svc_mapping
      prefix: /svc/
      service: svc
      ---
      apiVersion: getambassador.io/v2
      kind: Mapping
      name: other
      namespace: elsewhere
      metadata_labels: {own: "yes"}
      prefix: /other/
      service: other
`);
    expect(resources.map((r) => [r.metadata.namespace, r.metadata.name, r.metadata.labels])).toEqual([
      ['team', 'svc_mapping', { app: 'svc' }],
      ['elsewhere', 'other', { own: 'yes' }],
    ]);
    expect((resources[0] as Mapping).spec.hostname).toBe('*');
  });

  it('converts v2 fields to their v3alpha1 meaning', () => {
    const { resources } = loadYaml(`
apiVersion: getambassador.io/v2
kind: Mapping
metadata: {name: m}
spec:
  prefix: /a/
  service: a
  host: a.example.com
  tls: true
  use_websocket: true
  cors: {origins: "https://x.example, https://y.example"}
`);
    const spec = (resources[0] as Mapping).spec;
    expect(spec.hostname).toBe('a.example.com');
    expect(spec.host).toBeUndefined();
    expect(spec.service).toBe('https://a');
    expect(spec.useWebsocket).toBe(true);
    expect(spec.cors?.origins).toEqual(['https://x.example', 'https://y.example']);
  });

  it('never throws on odd input', () => {
    for (const input of [
      '',
      '---',
      '...',
      '%YAML 1.2\n---\na: 1',
      '*alias',
      '!!binary x',
      'a: &x [*x]',
      '\u0000',
      '- - - -',
    ]) {
      expect(() => loadYaml(input)).not.toThrow();
    }
    expect(() => loadObjects([null, 1, 'x', [], { kind: 5 }, { apiVersion: 'x', kind: 'Y' }])).not.toThrow();
  });
});

describe('Ingress loading', () => {
  const ingress = (spec: string, meta = 'name: web') =>
    `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {${meta}}\nspec:\n${spec}`;

  it('maps Prefix to a segment prefix, Exact to an exact match with precedence 1, never rewriting', () => {
    const { resources } = loadYaml(
      ingress(`  rules:
    - http:
        paths:
          - {path: /app/, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
          - {path: /app/login, pathType: Exact, backend: {service: {name: login, port: {number: 80}}}}`),
    );
    const specs = (resources as Mapping[]).map((m) => m.spec);
    expect(specs[0]).toEqual({
      prefix: '/app',
      service: 'app:80',
      rewrite: '',
      hostname: '*',
      gatewaySdk: { prefixMatch: 'segment' },
    });
    expect(specs[1]).toEqual({
      prefix: '/app/login',
      service: 'login:80',
      rewrite: '',
      hostname: '*',
      prefixExact: true,
      precedence: 1,
    });
  });

  it('matches *.x hosts with exactly one label', () => {
    const { resources } = loadYaml(
      ingress(`  rules:
    - host: "*.example.com"
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]`),
    );
    expect((resources[0] as Mapping).spec).toMatchObject({ host: '[^.]+\\.example\\.com', hostRegex: true });
  });

  it('skips other ingress classes with a notice and accepts ambassador and the configured class', () => {
    const rules = `  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}]`;
    expect(loadYaml(ingress(`  ingressClassName: nginx\n${rules}`)).resources).toEqual([]);
    expect(loadYaml(ingress(`  ingressClassName: ambassador\n${rules}`)).resources).toHaveLength(1);
    expect(
      loadYaml(ingress(`  ingressClassName: edge\n${rules}`), { ingressClass: 'edge' }).resources,
    ).toHaveLength(1);
    expect(
      loadYaml(ingress(rules, 'name: w, annotations: {kubernetes.io/ingress.class: nginx}')).resources,
    ).toEqual([]);
  });
});

describe('AuthorizationPolicy rules', () => {
  it("flattens Istio's nested from/to/when form", async () => {
    const { resources, diagnostics } = loadYaml(`
apiVersion: gateway.sdk/v1alpha1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  action: ALLOW
  rules:
    - from:
        - source: {principals: ["system:serviceaccount:a:b"]}
        - source: {ipBlocks: [10.0.0.0/8]}
      to:
        - operation: {methods: [GET], paths: ["/api/*"]}
      when:
        - key: request.headers[X-Tenant]
          values: [ops]
`);
    expect(diagnostics).toEqual([]);
    expect((resources[0]!.spec as { rules: unknown[] }).rules).toEqual([
      {
        principals: ['system:serviceaccount:a:b'],
        methods: ['GET'],
        paths: ['/api/*'],
        headers: { 'x-tenant': ['ops'] },
      },
      { sourceIPs: ['10.0.0.0/8'], methods: ['GET'], paths: ['/api/*'], headers: { 'x-tenant': ['ops'] } },
    ]);
  });
});

describe('keys that shadow Object.prototype', () => {
  it('treats keys named like Object.prototype members as unknown fields, and keeps loading', () => {
    const text = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: a, namespace: default }
spec:
  prefix: /a/
  service: a
  constructor: 1
  to_string: x
  hasOwnProperty: y
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: b, namespace: default }
spec: { prefix: /b/, service: b }
`;
    const { resources, diagnostics } = loadYaml(text);
    expect(resources.map((r) => r.metadata.name)).toEqual(['a', 'b']);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const unknown = diagnostics.filter((d) => d.resource.name === 'a').map((d) => d.path);
    expect(unknown).toEqual(
      expect.arrayContaining(['spec.constructor', 'spec.to_string', 'spec.has_own_property']),
    );
    const fromJson = loadObjects([
      JSON.parse(
        '{"apiVersion":"getambassador.io/v3alpha1","kind":"Mapping","metadata":{"name":"c"},"spec":{"prefix":"/c/","service":"c","__proto__":{"polluted":1}}}',
      ),
    ]);
    expect(fromJson.resources.map((r) => r.metadata.name)).toEqual(['c']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
