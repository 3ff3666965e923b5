import { describe, expect, it } from 'vitest';
import {
  checkConsistency,
  createSnapshot,
  type EnvoyResource,
  snapshotFromIR,
  translate,
} from '../src/index.js';
import { cluster, forward, prefix, route, simpleIR } from './fixtures/ir.js';

const ir = (target = 'cluster_a') =>
  simpleIR(
    [route('default/root', prefix('/'), forward(target))],
    [cluster('cluster_a'), cluster('cluster_b')],
  );

describe('snapshots', () => {
  it('are consistent for every translated IR', () => {
    const { resources } = translate(ir());
    expect(checkConsistency(resources)).toEqual([]);
  });

  it('report missing route configs, endpoints and secrets, and duplicate names', () => {
    const { resources } = translate(ir());
    const broken = {
      ...resources,
      routes: [],
      endpoints: resources.endpoints.slice(1),
      clusters: [...resources.clusters, resources.clusters[0] as EnvoyResource],
      secrets: [],
    };
    broken.clusters[1] = {
      ...(broken.clusters[1] as EnvoyResource),
      transport_socket: {
        name: 'tls',
        typed_config: {
          '@type': 'x',
          common_tls_context: {
            tls_certificate_sds_secret_configs: [{ name: 'missing-secret', sds_config: { ads: {} } }],
          },
        },
      },
    };
    const codes = checkConsistency(broken).map((d) => `${d.code} ${d.resource.name}`);
    expect(codes.sort()).toEqual([
      'duplicate-resource cluster_a',
      'missing-endpoints cluster_a',
      'missing-endpoints cluster_a',
      'missing-route listener-8080',
      'missing-secret cluster_b',
    ]);
  });

  it('refuse resources of the wrong type or that do not encode, keeping no snapshot', () => {
    const { resources } = translate(ir());
    const wrongList = createSnapshot({
      version: 'v',
      resources: { ...resources, clusters: [...resources.clusters, resources.routes[0] as EnvoyResource] },
    });
    expect(wrongList.snapshot).toBeUndefined();
    expect(wrongList.diagnostics.map((d) => d.code)).toContain('wrong-type');
    const bad = { ...(resources.clusters[0] as EnvoyResource), conect_timeout: '1s' };
    const misspelt = createSnapshot({
      version: 'v',
      resources: { ...resources, clusters: [bad, ...resources.clusters.slice(1)] },
    });
    expect(misspelt.snapshot).toBeUndefined();
    expect(misspelt.diagnostics).toEqual([
      expect.objectContaining({
        resource: { kind: 'Cluster', namespace: '', name: 'cluster_a' },
        path: 'conect_timeout',
        code: 'invalid-xds',
      }),
    ]);
  });

  it('keep a type version while its resources are unchanged and change it otherwise', () => {
    const a = snapshotFromIR(ir('cluster_a')).snapshot;
    const again = snapshotFromIR(ir('cluster_a')).snapshot;
    const b = snapshotFromIR(ir('cluster_b')).snapshot;
    if (!a || !again || !b) throw new Error('snapshots expected');
    expect(again.types.route.version).toBe(a.types.route.version);
    expect(b.types.route.version).not.toBe(a.types.route.version);
    expect(b.types.cluster.version).toBe(a.types.cluster.version);
    expect(b.types.endpoint.version).toBe(a.types.endpoint.version);
    expect(a.types.route.items.get('listener-8080')?.version).toMatch(/^[0-9a-f]{16}$/);
  });
});
