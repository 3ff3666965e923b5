import {
  CoordinationV1Api,
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../src/testing/fake-api-server.js';
import { ingress, plainService } from '../support/objects.js';
import { eventually } from '../support/sink.js';

describe('fake API server with the real client-node', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await startFakeApiServer({ objects: [plainService('web'), ingress('web', '/web', 'web')] });
  });
  afterAll(() => api.close());

  it('lists with a resourceVersion; built-in list items carry no kind', async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const list = await core.listNamespacedService({ namespace: 'default' });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    const raw = await fetch(`${api.url}/api/v1/namespaces/default/services`).then(
      (r) => r.json() as Promise<{ items: Array<Record<string, unknown>> }>,
    );
    expect(raw.items[0]!.kind).toBeUndefined();
  });

  it('creates, reads, conflicts on stale replaces, and deletes', async () => {
    const coord = api.kubeConfig().makeApiClient(CoordinationV1Api);
    const created = await coord.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a' } },
    });
    await expect(
      coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'l' }, spec: {} } }),
    ).rejects.toMatchObject({ code: 409 });
    const read = await coord.readNamespacedLease({ name: 'l', namespace: 'default' });
    expect(read.spec?.holderIdentity).toBe('a');
    await coord.replaceNamespacedLease({
      name: 'l',
      namespace: 'default',
      body: { ...read, spec: { holderIdentity: 'b' } },
    });
    // A replace based on the old resourceVersion loses.
    await expect(
      coord.replaceNamespacedLease({
        name: 'l',
        namespace: 'default',
        body: { ...created, spec: { holderIdentity: 'c' } },
      }),
    ).rejects.toMatchObject({ code: 409 });
    await coord.deleteNamespacedLease({ name: 'l', namespace: 'default' });
    await expect(coord.readNamespacedLease({ name: 'l', namespace: 'default' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('patches the status subresource (merge) without touching the spec, and JSON-patches objects', async () => {
    const net = api.kubeConfig().makeApiClient(NetworkingV1Api);
    await net.patchNamespacedIngressStatus(
      {
        name: 'web',
        namespace: 'default',
        body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } }, spec: { rules: [] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const stored = api.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!;
    expect(stored.status).toEqual({ loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
    expect(stored.spec.rules).toHaveLength(1);
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await core.patchNamespacedService(
      {
        name: 'web',
        namespace: 'default',
        body: [{ op: 'add', path: '/metadata/labels', value: { tier: 'front' } }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(api.get('v1', 'Service', 'default', 'web')!.metadata?.labels).toEqual({ tier: 'front' });
  });

  it('streams watch events from a resourceVersion, filtered by field selector', async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const rv = (await core.listSecretForAllNamespaces()).metadata!.resourceVersion!;
    const seen: string[] = [];
    const watch = new Watch(api.kubeConfig());
    const req = await watch.watch(
      '/api/v1/secrets',
      { resourceVersion: rv, fieldSelector: 'type=kubernetes.io/tls' },
      (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opaque', namespace: 'default' },
      type: 'Opaque',
    });
    api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cert', namespace: 'default' },
      type: 'kubernetes.io/tls',
    });
    await eventually(() => (seen.length > 0 ? true : undefined), 2000, 'a watch event');
    req.abort();
    expect(seen).toEqual(['ADDED cert']);
  });

  it('answers 410 in-stream for a compacted resourceVersion', async () => {
    const old = api.resourceVersion;
    api.create(plainService('later'));
    api.compact();
    const text = await fetch(`${api.url}/api/v1/services?watch=true&resourceVersion=${old}`).then((r) =>
      r.text(),
    );
    expect(JSON.parse(text.trim())).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('serves discovery', async () => {
    const res = await fetch(`${api.url}/apis/getambassador.io/v3alpha1`).then(
      (r) => r.json() as Promise<{ resources: Array<{ name: string }> }>,
    );
    expect(res.resources.map((r) => r.name)).toContain('mappings');
  });
});
