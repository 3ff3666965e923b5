import { compile, createIR, type GatewayIR, type IRCluster } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { applyEndpointSlices, endpointSourceFrom } from '../../src/read/endpoint-slices.js';
import { isIngressServed } from '../../src/read/ingress-class.js';
import { compileKubernetesObjects, parseObject } from '../../src/read/objects.js';
import { applySecrets, secretLookupFrom } from '../../src/read/secrets.js';
import type { IngressClass, Secret } from '../../src/types.js';
import { endpointSlice, ingress, plainService } from '../support/objects.js';
import { hasRoute } from '../support/sink.js';

const cluster = (name: string, discovery: IRCluster['discovery'], service = 'x:80'): IRCluster => ({
  name,
  service,
  discovery,
  protocol: 'http1',
  lbPolicy: 'round_robin',
  connectTimeoutMs: 3000,
  idleTimeoutMs: 0,
  maxConnectionLifetimeMs: 0,
  circuitBreakers: [],
  healthChecks: [],
  dnsLookupFamily: 'v4',
  statsName: name,
});
const dns = (host: string, port = 80): IRCluster['discovery'] => ({
  kind: 'dns',
  host,
  port,
  mode: 'strict',
  respectDnsTtl: false,
});

describe('reading Services with getambassador.io/config annotations', () => {
  it('loads the httpbin seed (ambassador/v0, external upstream, host_rewrite)', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'httpbin',
        namespace: 'default',
        annotations: {
          'getambassador.io/config':
            '---\napiVersion: ambassador/v0\nkind: Mapping\nname: httpbin_mapping\nprefix: /httpbin/\nservice: httpbin.org:80\nhost_rewrite: httpbin.org\n',
        },
      },
      spec: { ports: [{ port: 80 }] },
    };
    const parsed = parseObject(svc);
    expect(parsed.origin).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'default',
      name: 'httpbin',
    });
    expect(parsed.resources).toHaveLength(1);
    const { ir } = compile(parsed.resources);
    const route = ir.listeners[0]!.virtualHosts[0]!.routes[0]!;
    expect(route.match.path).toEqual({ kind: 'prefix', value: '/httpbin/' });
    expect(route.action).toMatchObject({
      kind: 'forward',
      hostRewrite: 'httpbin.org',
      rewrite: { kind: 'prefix', value: '/' },
    });
    expect(ir.clusters[0]!.discovery).toMatchObject({ kind: 'dns', host: 'httpbin.org', port: 80 });
  });

  it('loads Kubeflow-style per-model Mappings (POST only, /models/<name>/ → /model/<name>/:predict)', () => {
    const model = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'kubeflow',
        annotations: {
          'getambassador.io/config': `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nname: ${name}-predict\nhostname: "*"\nprefix: /models/${name}/\nrewrite: /model/${name}/:predict\nmethod: POST\nservice: ${name}.kubeflow:8000\n`,
        },
      },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000 }] },
    });
    const { ir, diagnostics } = compileKubernetesObjects([
      model('iris'),
      model('mnist'),
      endpointSlice('iris-1', 'iris', [{ ip: '10.1.0.5' }], 8000, 'kubeflow'),
    ]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const routes = ir.listeners[0]!.virtualHosts[0]!.routes;
    const iris = routes.find((r) => r.match.path.value === '/models/iris/')!;
    expect(iris.match.headers).toEqual([{ name: ':method', match: { exact: 'POST' } }]);
    expect(iris.action).toMatchObject({ rewrite: { kind: 'prefix', value: '/model/iris/:predict' } });
    const irisCluster = ir.clusters.find((c) => c.service === 'iris.kubeflow:8000')!;
    expect(irisCluster.discovery).toEqual({
      kind: 'eds',
      serviceName: 'k8s/kubeflow/iris/8000',
      endpoints: [{ address: '10.1.0.5', port: 8000, weight: 1, zone: '', health: 'healthy' }],
    });
    // mnist has a Service but no EndpointSlice yet: known Service, no endpoints.
    expect(ir.clusters.find((c) => c.service === 'mnist.kubeflow:8000')!.discovery).toEqual({
      kind: 'eds',
      serviceName: 'k8s/kubeflow/mnist/8000',
      endpoints: [],
    });
  });

  it('produces nothing (not even a notice) for Services without the annotation', () => {
    expect(parseObject(plainService('web'))).toEqual({
      origin: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' },
      resources: [],
      diagnostics: [],
    });
  });
});

describe('Ingress class filtering', () => {
  const ours: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'public' },
    spec: { controller: 'gateway-sdk.io/ingress-controller' },
  };
  const theirs: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx' },
  };
  const unclassed = { ...ingress('a', '/a', 'a'), spec: { rules: ingress('a', '/a', 'a').spec!.rules } };

  it('serves its class name and IngressClasses of its controller', () => {
    expect(isIngressServed(ingress('a', '/a', 'a', { className: 'gateway' }), [])).toBe(true);
    expect(isIngressServed(ingress('a', '/a', 'a', { className: 'public' }), [ours, theirs])).toBe(true);
    expect(isIngressServed(ingress('a', '/a', 'a', { className: 'nginx' }), [ours, theirs])).toBe(false);
    expect(isIngressServed(ingress('a', '/a', 'a', { className: 'unknown' }), [ours])).toBe(false);
  });

  it('honours the legacy annotation', () => {
    const legacy = (cls: string) => ({
      ...unclassed,
      metadata: { ...unclassed.metadata, annotations: { 'kubernetes.io/ingress.class': cls } },
    });
    expect(isIngressServed(legacy('gateway'), [])).toBe(true);
    expect(isIngressServed(legacy('nginx'), [])).toBe(false);
  });

  it('serves unclassed Ingresses only when our IngressClass is the default (unless told otherwise)', () => {
    expect(isIngressServed(unclassed, [ours])).toBe(false);
    const defaultOurs = {
      ...ours,
      metadata: { ...ours.metadata, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    };
    expect(isIngressServed(unclassed, [defaultOurs])).toBe(true);
    expect(isIngressServed(unclassed, [], { unclassed: 'always' })).toBe(true);
    expect(isIngressServed(unclassed, [defaultOurs], { unclassed: 'never' })).toBe(false);
  });

  it('loads Ingresses served through an IngressClass of another name', () => {
    const { ir } = compileKubernetesObjects([
      ours,
      ingress('shop', '/shop', 'shop', { className: 'public' }),
      ingress('n', '/n', 'n', { className: 'nginx' }),
    ]);
    expect(hasRoute(ir, '/shop')).toBe(true);
    expect(hasRoute(ir, '/n')).toBe(false);
  });
});

describe('EndpointSlices → endpoints', () => {
  const svc = plainService('quote', 'default', [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'admin', port: 9000, targetPort: 9900 },
  ]);
  const slice = {
    ...endpointSlice('quote-a', 'quote', []),
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'admin', port: 9900, protocol: 'TCP' },
    ],
    endpoints: [
      { addresses: ['10.0.0.2'], conditions: { ready: true }, zone: 'z1' },
      { addresses: ['10.0.0.1'], conditions: {} },
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.0.4'], conditions: { ready: false } },
    ],
  };

  it('maps the Service port to the target port by name and keeps ready (and draining) endpoints', () => {
    const ir = createIR({
      clusters: [
        cluster('c-http', dns('quote')),
        cluster('c-admin', dns('quote.default.svc.cluster.local', 9000)),
      ],
    });
    const out = applyEndpointSlices(ir, endpointSourceFrom([svc], [slice]));
    expect(out.diagnostics).toEqual([]);
    expect(out.ir.version).not.toBe(ir.version);
    expect(out.ir.clusters[0]!.discovery).toEqual({
      kind: 'eds',
      serviceName: 'k8s/default/quote/80',
      endpoints: [
        { address: '10.0.0.1', port: 8080, weight: 1, zone: '', health: 'healthy' },
        { address: '10.0.0.2', port: 8080, weight: 1, zone: 'z1', health: 'healthy' },
        { address: '10.0.0.3', port: 8080, weight: 1, zone: '', health: 'draining' },
      ],
    });
    expect(out.ir.clusters[1]!.discovery).toMatchObject({
      kind: 'eds',
      serviceName: 'k8s/default/quote/9000',
    });
    expect((out.ir.clusters[1]!.discovery as { endpoints: unknown[] }).endpoints).toHaveLength(3);
  });

  it('supports static discovery', () => {
    const ir = createIR({ clusters: [cluster('c', dns('quote'))] });
    expect(
      applyEndpointSlices(ir, endpointSourceFrom([svc], [slice]), { mode: 'static' }).ir.clusters[0]!
        .discovery.kind,
    ).toBe('static');
  });

  it('leaves external hosts and unknown Services alone (httpbin.org is not Service httpbin in namespace org)', () => {
    const ir = createIR({ clusters: [cluster('ext', dns('httpbin.org')), cluster('unknown', dns('nope'))] });
    const out = applyEndpointSlices(ir, endpointSourceFrom([svc], [slice]));
    expect(out.ir).toBe(ir);
  });

  it('resolves ExternalName Services by DNS and reports unexposed ports', () => {
    const ext = {
      apiVersion: 'v1' as const,
      kind: 'Service' as const,
      metadata: { name: 'db', namespace: 'default' },
      spec: { type: 'ExternalName', externalName: 'db.example.com.' },
    };
    const ir = createIR({ clusters: [cluster('db', dns('db', 5432)), cluster('bad', dns('quote', 81))] });
    const out = applyEndpointSlices(ir, endpointSourceFrom([svc, ext], [slice]));
    expect(out.ir.clusters[0]!.discovery).toEqual({
      kind: 'dns',
      host: 'db.example.com',
      port: 5432,
      mode: 'strict',
      respectDnsTtl: false,
    });
    expect(out.ir.clusters[1]!.discovery).toEqual({
      kind: 'eds',
      serviceName: 'k8s/default/quote/81',
      endpoints: [],
    });
    expect(out.diagnostics).toEqual([
      {
        resource: { kind: 'Service', namespace: 'default', name: 'quote' },
        path: 'spec.ports',
        message: 'cluster bad uses port 81, which the Service does not expose; it has no endpoints',
        severity: 'warning',
        code: 'service-port-missing',
      },
    ]);
  });

  it('fills eds clusters from the endpoint resolver', () => {
    const ir = createIR({
      clusters: [cluster('e', { kind: 'eds', serviceName: 'k8s/default/quote/80', endpoints: [] })],
    });
    const d = applyEndpointSlices(ir, endpointSourceFrom([svc], [slice])).ir.clusters[0]!.discovery as {
      endpoints: unknown[];
    };
    expect(d.endpoints).toHaveLength(3);
  });
});

describe('TLS Secrets → inline PEM', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secret = (name: string, data: Record<string, string>): Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  });
  const irWith = (...names: string[]): GatewayIR =>
    createIR({
      secrets: names.map((n) => ({
        name: `default/${n}`,
        kubernetesSecret: { namespace: 'default', name: n },
      })),
    });

  it('inlines tls.crt, tls.key and ca.crt', () => {
    const out = applySecrets(
      irWith('site'),
      secretLookupFrom([secret('site', { 'tls.crt': CERT, 'tls.key': KEY, 'ca.crt': CERT })]),
    );
    expect(out.diagnostics).toEqual([]);
    expect(out.ir.secrets).toEqual([
      {
        name: 'default/site',
        certificateChain: { inline: CERT },
        privateKey: { inline: KEY },
        trustedCa: { inline: CERT },
      },
    ]);
  });

  it('reports missing Secrets, missing keys and non-PEM data, leaving the reference', () => {
    const out = applySecrets(
      irWith('gone', 'half', 'junk'),
      secretLookupFrom([
        secret('half', { 'tls.crt': CERT }),
        secret('junk', { 'tls.crt': 'not pem', 'tls.key': KEY }),
      ]),
    );
    expect(out.diagnostics.map((d) => `${d.resource.name} ${d.code}: ${d.message}`)).toEqual([
      'gone secret-not-found: Secret default/gone not found (referenced as TLS secret default/gone)',
      'half secret-incomplete: expected both tls.crt and tls.key, got only tls.crt',
      'junk secret-not-pem: expected PEM data in tls.crt',
      'junk secret-incomplete: expected both tls.crt and tls.key, got only tls.key',
    ]);
    expect(out.ir.secrets.every((s) => s.kubernetesSecret)).toBe(true);
  });

  it('serves a Host whose certificate is a Kubernetes Secret', () => {
    const host = {
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Host',
      metadata: { name: 'site', namespace: 'default' },
      spec: { hostname: 'site.example.com', tlsSecret: { name: 'site' } },
    };
    const { ir, diagnostics } = compileKubernetesObjects([
      host,
      secret('site', { 'tls.crt': CERT, 'tls.key': KEY }),
    ]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ir.secrets).toEqual([
      { name: 'default/site', certificateChain: { inline: CERT }, privateKey: { inline: KEY } },
    ]);
  });
});
