import {
  addressPool,
  bfdProfile,
  bgpAdvertisement,
  bgpPeer,
  community,
  emitCRDs,
  l2Advertisement,
  loadMetalLBInputs,
  metallbConfig,
  parseCRDs,
  toCRDObjects,
} from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

describe('parseCRDs / emitCRDs', () => {
  const config = metallbConfig()
    .add(
      addressPool('prod')
        .addresses('192.168.10.0/24', 'fc00::/120')
        .autoAssign(false)
        .priority(3)
        .namespaces('shop'),
    )
    .add(
      bgpPeer('tor')
        .myASN(64512)
        .peerASN(64513)
        .peerAddress('10.0.0.1')
        .holdTime('90s')
        .keepaliveTime('30s')
        .bfdProfile('fast')
        .nodeSelectors({ matchLabels: { rack: 'a' } }),
    )
    .add(
      bgpAdvertisement('prod')
        .ipAddressPools('prod')
        .aggregationLength(32)
        .localPref(100)
        .communities('no-export'),
    )
    .add(l2Advertisement('lan').ipAddressPools('prod').interfaces('eth0'))
    .add(community('communities').alias('no-export', '65535:65281'))
    .add(bfdProfile('fast').receiveInterval(100).transmitInterval(100).echoMode(false))
    .build();

  it('round-trips every kind through YAML', () => {
    const parsed = parseCRDs(emitCRDs(config));
    expect(parsed.diagnostics).toEqual([]);
    const strip = <T extends { source?: unknown }>(list: T[]) => list.map(({ source: _s, ...rest }) => rest);
    expect({
      ...parsed.config,
      pools: strip(parsed.config.pools),
      peers: strip(parsed.config.peers),
      bgpAdvertisements: strip(parsed.config.bgpAdvertisements),
      l2Advertisements: strip(parsed.config.l2Advertisements),
      communities: strip(parsed.config.communities),
      bfdProfiles: strip(parsed.config.bfdProfiles),
    }).toEqual({
      ...config,
      pools: config.pools.map((p) => ({ ...p, namespace: 'metallb-system' })),
      peers: config.peers.map((p) => ({ ...p, namespace: 'metallb-system' })),
      bgpAdvertisements: config.bgpAdvertisements.map((p) => ({ ...p, namespace: 'metallb-system' })),
      l2Advertisements: config.l2Advertisements.map((p) => ({ ...p, namespace: 'metallb-system' })),
      communities: config.communities.map((p) => ({ ...p, namespace: 'metallb-system' })),
      bfdProfiles: config.bfdProfiles.map((p) => ({ ...p, namespace: 'metallb-system' })),
    });
  });

  it('emits objects in converter order with the right apiVersions', () => {
    expect(toCRDObjects(config).map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'metallb.io/v1beta2 BGPPeer',
      'metallb.io/v1beta1 IPAddressPool',
      'metallb.io/v1beta1 BGPAdvertisement',
      'metallb.io/v1beta1 L2Advertisement',
      'metallb.io/v1beta1 BFDProfile',
      'metallb.io/v1beta1 Community',
    ]);
  });

  it('writes spec keys sorted, like MetalLB', () => {
    const yaml = emitCRDs(
      metallbConfig()
        .add(addressPool('a').addresses('10.0.0.0/24').avoidBuggyIPs(true).autoAssign(true))
        .build(),
    );
    expect(yaml).toBe(
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: a\n  namespace: metallb-system\nspec:\n  addresses:\n  - 10.0.0.0/24\n  autoAssign: true\n  avoidBuggyIPs: true\n',
    );
  });

  it('warns about unknown spec fields and ignores status and extra metadata', () => {
    const { config: c, diagnostics } = parseCRDs(
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a, uid: x, resourceVersion: "1"}\nspec: {addresses: [10.0.0.0/24], autoassign: true}\nstatus: {assignedIPv4: 1}\n',
    );
    expect(c.pools).toHaveLength(1);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        path: 'spec.autoassign',
        message:
          'unknown field "autoassign": expected one of addresses, autoAssign, avoidBuggyIPs, serviceAllocation (ignored)',
        severity: 'warning',
      }),
    ]);
  });

  it('reports wrong types as errors (CRDs are JSON-typed)', () => {
    const { diagnostics } = parseCRDs(
      'apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: p}\nspec: {myASN: "1", peerASN: 2, peerAddress: 10.0.0.1, holdTime: 90, ebgpMultiHop: "yes"}\n',
    );
    expect(diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['spec.myASN', 'expected an ASN from 0 to 4294967295, got "1"'],
      ['spec.holdTime', 'expected a duration string such as 90s or 1m30s, got 90'],
      ['spec.ebgpMultiHop', 'expected true or false, got "yes"'],
    ]);
  });

  it('reports objects without a name', () => {
    const { config: c, diagnostics } = parseCRDs(
      'apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {}\n',
    );
    expect(c.l2Advertisements).toEqual([]);
    expect(diagnostics[0]).toMatchObject({
      resource: { kind: 'L2Advertisement', name: '<unnamed>' },
      path: 'metadata.name',
      message: 'missing metadata.name: every L2Advertisement needs a name',
    });
  });

  it('warns about unsupported MetalLB kinds', () => {
    const { diagnostics } = parseCRDs(
      'apiVersion: metallb.io/v1beta1\nkind: AddressPool\nmetadata: {name: old}\n',
    );
    expect(diagnostics[0]?.code).toBe('unsupported-kind');
  });

  it('reads kind: List documents and JSON', () => {
    const { config: c } = parseCRDs(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'metallb.io/v1beta1',
            kind: 'IPAddressPool',
            metadata: { name: 'x', namespace: 'lb' },
            spec: { addresses: ['10.0.0.0/24'] },
          },
        ],
      }),
    );
    expect(c.namespace).toBe('lb');
    expect(c.pools.map((p) => p.name)).toEqual(['x']);
  });

  it('writes converter style with creationTimestamp, status and trailing separators', () => {
    const yaml = emitCRDs(metallbConfig().add(l2Advertisement('l')).build(), { style: 'converter' });
    expect(yaml).toBe(
      "# This was autogenerated by MetalLB's custom resource generator.\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  creationTimestamp: null\n  name: l\n  namespace: metallb-system\nspec: {}\nstatus: {}\n---\n",
    );
  });

  it('never throws on garbage input', () => {
    for (const text of [
      '',
      '{',
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nspec: 5',
      'apiVersion: metallb.io/v1beta1\nkind: BGPPeer\nmetadata: {name: p}\nspec: {nodeSelectors: [1, {matchExpressions: 7}]}',
    ]) {
      expect(() => parseCRDs(text)).not.toThrow();
      expect(() => loadMetalLBInputs(text)).not.toThrow();
    }
  });
});

describe('loadMetalLBInputs', () => {
  it('sorts documents into ConfigMap, CRDs, Services and Namespaces', () => {
    const inputs = loadMetalLBInputs([
      {
        file: 'a.yaml',
        text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: web}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n',
      },
      {
        file: 'b.yaml',
        text: 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p}\nspec: {addresses: [10.0.0.0/24]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ignored}\n',
      },
    ]);
    expect(inputs.diagnostics).toEqual([]);
    expect(inputs.namespaces).toEqual([{ name: 'shop', labels: { team: 'web' } }]);
    expect(inputs.services).toEqual([
      { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    ]);
    expect(inputs.crds?.pools.map((p) => p.name)).toEqual(['p']);
    expect(inputs.legacy).toBeUndefined();
  });

  it('reports bad Service ports', () => {
    const inputs = loadMetalLBInputs(
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, ports: [{port: 70000}, {port: 80, protocol: HTTP}]}\n',
    );
    expect(inputs.diagnostics.map((d) => [d.resource.name, d.path, d.message])).toEqual([
      ['s', 'spec.ports[0].port', 'expected a port from 1 to 65535, got 70000'],
      ['s', 'spec.ports[1].protocol', 'unknown protocol "HTTP": expected TCP, UDP or SCTP'],
    ]);
  });

  it('reports a second MetalLB ConfigMap', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: metallb-system}\ndata: {config: "address-pools: []"}\n';
    const inputs = loadMetalLBInputs([{ text: cm }, { text: cm }]);
    expect(inputs.diagnostics.map((d) => d.message)).toEqual([
      'more than one MetalLB ConfigMap in the input: only the first is used',
    ]);
  });
});

describe("loadMetalLBInputs: which ConfigMaps are MetalLB's", () => {
  it('ignores other ConfigMaps that happen to have a config key', () => {
    const other =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-settings, namespace: shop}\ndata: {config: "debug: true"}\n';
    const inputs = loadMetalLBInputs(other);
    expect(inputs.legacy).toBeUndefined();
    expect(inputs.diagnostics).toEqual([]);
  });
});
