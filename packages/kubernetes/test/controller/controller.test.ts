import { stableStringify } from '@gateway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/controller/controller.js';
import { compileKubernetesObjects } from '../../src/read/objects.js';
import { startFakeApiServer } from '../../src/testing/fake-api-server.js';
import type { KubeObject } from '../../src/types.js';
import { annotatedService, endpointSlice, ingress, mappingCrd, plainService } from '../support/objects.js';
import { eventually, hasRoute, RecordingSink } from '../support/sink.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  objects: KubeObject[] = [],
  extra: Partial<Parameters<typeof createController>[0]> = {},
) {
  const api = await startFakeApiServer({ objects });
  cleanups.push(() => api.close());
  const sink = new RecordingSink();
  const logs: string[] = [];
  const controller = createController({
    kubeConfig: api.kubeConfig(),
    sink,
    debounceMs: 20,
    timing: { backoffBaseMs: 50, backoffMaxMs: 200 },
    log: (level, m) => logs.push(`${level} ${m}`),
    ...extra,
  });
  cleanups.push(() => controller.close());
  await controller.start();
  return { api, sink, controller, logs };
}

describe('controller (client-node against the loopback fake API server)', () => {
  it('feeds the sink from the initial state', async () => {
    const { sink, controller } = await setup([
      annotatedService('quote', '/quote/'),
      mappingCrd('books', '/books/', 'books'),
    ]);
    expect(hasRoute(sink.last!, '/quote/')).toBe(true);
    expect(hasRoute(sink.last!, '/books/')).toBe(true);
    expect(controller.stats.applies).toBe(1);
  });

  it('makes a route live when a Service annotation is added (within a second)', async () => {
    const { api, sink } = await setup([plainService('quote')]);
    expect(hasRoute(sink.last!, '/quote/')).toBe(false);
    api.apply(annotatedService('quote', '/quote/'));
    const ir = await sink.waitFor((x) => hasRoute(x, '/quote/'), 1000, 'route /quote/');
    expect(hasRoute(ir, '/quote/')).toBe(true);
  });

  it('removes the routes of a deleted Ingress', async () => {
    const { api, sink } = await setup([ingress('web', '/web', 'web'), ingress('shop', '/shop', 'shop')]);
    expect(hasRoute(sink.last!, '/web')).toBe(true);
    api.delete('networking.k8s.io/v1', 'Ingress', 'default', 'web');
    const ir = await sink.waitFor((x) => !hasRoute(x, '/web'), 2000, 'route /web gone');
    expect(hasRoute(ir, '/shop')).toBe(true);
  });

  it('ignores Ingresses of other classes', async () => {
    const { api, sink, controller } = await setup([ingress('web', '/web', 'web')]);
    api.create(ingress('other', '/other', 'other', { className: 'nginx' }));
    api.apply(annotatedService('marker', '/marker/'));
    await sink.waitFor((x) => hasRoute(x, '/marker/'), 2000, 'marker route');
    expect(hasRoute(sink.last!, '/other')).toBe(false);
    await controller.flush();
  });

  it('loses no update when a watch is dropped mid-stream', async () => {
    const { api, sink, controller } = await setup([
      annotatedService('a', '/a/'),
      annotatedService('b', '/b/'),
    ]);
    const dropped = api.dropWatches({ partialLine: true });
    expect(dropped).toBeGreaterThan(0);
    // These happen while the controller's watches are down.
    api.apply(annotatedService('b', '/b2/'));
    api.create(annotatedService('c', '/c/'));
    api.delete('v1', 'Service', 'default', 'a');
    const ir = await sink.waitFor(
      (x) => hasRoute(x, '/b2/') && hasRoute(x, '/c/') && !hasRoute(x, '/a/'),
      5000,
      'all three changes',
    );
    expect(hasRoute(ir, '/b/')).toBe(false);
    expect(controller.stats.watchErrors).toBeGreaterThan(0);
  });

  it('relists after 410 Gone and catches up, deletions included', async () => {
    const { api, sink } = await setup([annotatedService('a', '/a/'), annotatedService('b', '/b/')]);
    const listsBefore = api.requests.filter(
      (r) => r.method === 'GET' && r.path === '/api/v1/services' && r.query.watch !== 'true',
    ).length;
    api.dropWatches();
    api.delete('v1', 'Service', 'default', 'a');
    api.create(annotatedService('c', '/c/'));
    // History is compacted: resuming from the old resourceVersion gets 410 and must relist.
    api.compact();
    const ir = await sink.waitFor((x) => !hasRoute(x, '/a/') && hasRoute(x, '/c/'), 5000, 'relisted state');
    expect(hasRoute(ir, '/b/')).toBe(true);
    const listsAfter = api.requests.filter(
      (r) => r.method === 'GET' && r.path === '/api/v1/services' && r.query.watch !== 'true',
    ).length;
    expect(listsAfter).toBeGreaterThan(listsBefore);
  });

  it('relists when a watch request is answered with HTTP 410', async () => {
    const { api, sink } = await setup([annotatedService('a', '/a/')]);
    api.failWatches(1, 410, 'services');
    api.dropWatches();
    api.create(annotatedService('d', '/d/'));
    await sink.waitFor((x) => hasRoute(x, '/d/'), 5000, 'route /d/');
  });

  it('retries failed lists and watches with backoff', async () => {
    const api = await startFakeApiServer({ objects: [annotatedService('a', '/a/')] });
    cleanups.push(() => api.close());
    api.failLists(2, 500, 'services');
    const sink = new RecordingSink();
    const controller = createController({
      kubeConfig: api.kubeConfig(),
      sink,
      debounceMs: 10,
      timing: { backoffBaseMs: 20, backoffMaxMs: 50 },
    });
    cleanups.push(() => controller.close());
    await controller.start();
    expect(hasRoute(sink.last!, '/a/')).toBe(true);
    expect(controller.stats.watchErrors).toBe(2);
    api.failWatches(1, 500, 'services');
    api.dropWatches();
    api.create(annotatedService('e', '/e/'));
    await sink.waitFor((x) => hasRoute(x, '/e/'), 5000, 'route /e/');
  });

  it('reports an invalid annotation as an Event and keeps the other routes', async () => {
    const bad = annotatedService('broken', '/broken/', { extra: 'weight: 250\n' });
    const { api, sink, controller } = await setup([annotatedService('good', '/good/'), bad]);
    expect(hasRoute(sink.last!, '/good/')).toBe(true);
    expect(hasRoute(sink.last!, '/broken/')).toBe(false);
    const events = await eventually(
      () => {
        const list = api.list('v1', 'Event', 'default');
        return list.length > 0 ? list : undefined;
      },
      2000,
      'an Event',
    );
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev.involvedObject).toMatchObject({
      kind: 'Service',
      name: 'broken',
      namespace: 'default',
      apiVersion: 'v1',
    });
    expect(ev.involvedObject.uid).toBe(api.get('v1', 'Service', 'default', 'broken')?.metadata?.uid);
    expect(ev.reason).toBe('InvalidConfig');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(/Mapping default\/broken: spec\.weight: /);
    // Another change recompiles; the same problem is not reported again.
    api.create(annotatedService('more', '/more/'));
    await sink.waitFor((x) => hasRoute(x, '/more/'), 2000, 'route /more/');
    await controller.flush();
    expect(api.list('v1', 'Event', 'default')).toHaveLength(1);
    expect(api.requestsMatching('POST', '/events')).toHaveLength(1);
  });

  it('puts ready endpoints of EndpointSlices into the IR without recompiling', async () => {
    const { api, sink, controller } = await setup([
      annotatedService('quote', '/quote/'),
      endpointSlice('quote-1', 'quote', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2', ready: false }]),
    ]);
    const cluster = () => sink.last!.clusters.find((c) => c.service.startsWith('quote'))!;
    expect(cluster().discovery).toEqual({
      kind: 'eds',
      serviceName: 'k8s/default/quote/80',
      endpoints: [{ address: '10.0.0.1', port: 8080, weight: 1, zone: '', health: 'healthy' }],
    });
    const compiles = controller.stats.compiles;
    api.create(endpointSlice('quote-2', 'quote', [{ ip: '10.0.0.3' }]));
    await sink.waitFor((x) => JSON.stringify(x.clusters).includes('10.0.0.3'), 2000, 'new endpoint');
    expect(controller.stats.compiles).toBe(compiles);
    api.delete('discovery.k8s.io/v1', 'EndpointSlice', 'default', 'quote-1');
    await sink.waitFor((x) => !JSON.stringify(x.clusters).includes('10.0.0.1'), 2000, 'endpoint removed');
  });

  it('updates incrementally and stays equal to a full compile of the cluster', async () => {
    const objects: KubeObject[] = [];
    for (let i = 0; i < 30; i++)
      objects.push(annotatedService(`svc${i}`, `/p${i % 7}/`, { extra: i % 3 === 0 ? 'weight: 20\n' : '' }));
    objects.push(endpointSlice('svc1-a', 'svc1', [{ ip: '10.0.0.1' }]));
    const { api, sink, controller } = await setup(objects);
    api.apply(annotatedService('svc4', '/moved/'));
    api.delete('v1', 'Service', 'default', 'svc5');
    api.create(annotatedService('svc99', '/p3/', { extra: 'method: POST\n' }));
    await sink.waitFor((x) => hasRoute(x, '/moved/'), 2000, 'changes applied');
    await controller.flush();
    expect(controller.stats.incrementalCompiles).toBeGreaterThan(0);
    const cluster = [
      ...api.list('v1', 'Service').map((o) => ({ ...o, apiVersion: 'v1', kind: 'Service' })),
      ...api
        .list('discovery.k8s.io/v1', 'EndpointSlice')
        .map((o) => ({ ...o, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' })),
    ];
    const expected = compileKubernetesObjects(cluster).ir;
    expect(stableStringify(sink.last)).toBe(stableStringify(expected));
    expect(sink.last!.version).toBe(expected.version);
  });

  it('serves TLS Secrets as inline PEM and picks up rotations without recompiling', async () => {
    const pem = (kind: string, body: string) => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
    const secret = (cert: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'site-tls', namespace: 'default' },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from(pem('CERTIFICATE', cert)).toString('base64'),
        'tls.key': Buffer.from(pem('PRIVATE KEY', 'k')).toString('base64'),
      },
    });
    const host = {
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Host',
      metadata: { name: 'site', namespace: 'default' },
      spec: { hostname: 'site.example.com', tlsSecret: { name: 'site-tls' } },
    };
    const opaque: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'other', namespace: 'default' },
      type: 'Opaque',
      data: { x: 'eA==' },
    };
    const { api, sink, controller } = await setup([host, secret('v1'), opaque]);
    expect(sink.last!.secrets).toEqual([
      {
        name: 'default/site-tls',
        certificateChain: { inline: pem('CERTIFICATE', 'v1') },
        privateKey: { inline: pem('PRIVATE KEY', 'k') },
      },
    ]);
    const compiles = controller.stats.compiles + controller.stats.incrementalCompiles;
    api.apply(secret('v2'));
    await sink.waitFor(
      (x) =>
        x.secrets[0]?.certificateChain !== undefined &&
        'inline' in x.secrets[0].certificateChain &&
        x.secrets[0].certificateChain.inline.includes('v2'),
      2000,
      'rotated certificate',
    );
    expect(controller.stats.compiles + controller.stats.incrementalCompiles).toBe(compiles);
    // Only TLS Secrets are watched (field selector), so other Secrets never reach the controller.
    expect(
      api.requests.some(
        (r) => r.path === '/api/v1/secrets' && r.query.fieldSelector === 'type=kubernetes.io/tls',
      ),
    ).toBe(true);
  });

  it('works without the getambassador.io CRDs installed', async () => {
    const { DEFAULT_RESOURCE_TYPES } = await import('../../src/testing/fake-api-server.js');
    const api = await startFakeApiServer({
      resourceTypes: DEFAULT_RESOURCE_TYPES.filter((t) => t.group !== 'getambassador.io'),
      objects: [annotatedService('quote', '/quote/')],
    });
    cleanups.push(() => api.close());
    const sink = new RecordingSink();
    const controller = createController({ kubeConfig: api.kubeConfig(), sink, debounceMs: 10 });
    cleanups.push(() => controller.close());
    await controller.start();
    expect(hasRoute(sink.last!, '/quote/')).toBe(true);
  });
});
