import type { Diagnostic } from '@gateway/core';
import { emitConfigMap, type LegacyConfig, parseConfigMap, validateLegacyConfig } from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

/** Wraps legacy config text (indented by the caller) into a ConfigMap document. */
function configMap(config: string): string {
  const body = config
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: metallb-system\ndata:\n  config: |\n${body}\n`;
}

function diags(config: string): { path: string; message: string; severity: string }[] {
  return parseConfigMap(configMap(config)).diagnostics.map((d: Diagnostic) => ({
    path: d.path,
    message: d.message,
    severity: d.severity,
  }));
}

const POOL = 'address-pools:\n- name: p\n  protocol: layer2\n  addresses: [10.0.0.0/24]';

describe('parseConfigMap', () => {
  it('reads every field', () => {
    const { config, diagnostics } = parseConfigMap(
      configMap(`
peers:
- peer-address: 10.0.0.1
  peer-asn: 64513
  my-asn: 64512
  peer-port: 1179
  source-address: 10.0.0.2
  hold-time: 120s
  keepalive-time: 30s
  router-id: 10.0.0.2
  password: pw
  bfd-profile: b
  ebgp-multihop: true
  node-selectors:
  - match-labels: {rack: a}
    match-expressions:
    - {key: zone, operator: In, values: [x]}
bgp-communities:
  no-export: 65535:65281
address-pools:
- name: p
  protocol: bgp
  addresses: [10.0.0.0/24]
  avoid-buggy-ips: true
  auto-assign: false
  bgp-advertisements:
  - aggregation-length: 24
    aggregation-length-v6: 64
    localpref: 100
    communities: [no-export]
bfd-profiles:
- name: b
  receive-interval: 100
  transmit-interval: 200
  detect-multiplier: 3
  echo-interval: 50
  echo-mode: true
  passive-mode: true
  minimum-ttl: 10
`),
    );
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({
      namespace: 'metallb-system',
      name: 'config',
      source: { line: 7, column: 11 },
      peers: [
        {
          peerAddress: '10.0.0.1',
          peerASN: 64513,
          myASN: 64512,
          peerPort: 1179,
          sourceAddress: '10.0.0.2',
          holdTime: '120s',
          keepaliveTime: '30s',
          routerID: '10.0.0.2',
          password: 'pw',
          bfdProfile: 'b',
          ebgpMultiHop: true,
          nodeSelectors: [
            {
              matchLabels: { rack: 'a' },
              matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }],
            },
          ],
        },
      ],
      bgpCommunities: { 'no-export': '65535:65281' },
      addressPools: [
        {
          name: 'p',
          protocol: 'bgp',
          addresses: ['10.0.0.0/24'],
          avoidBuggyIPs: true,
          autoAssign: false,
          bgpAdvertisements: [
            { aggregationLength: 24, aggregationLengthV6: 64, localPref: 100, communities: ['no-export'] },
          ],
        },
      ],
      bfdProfiles: [
        {
          name: 'b',
          receiveInterval: 100,
          transmitInterval: 200,
          detectMultiplier: 3,
          echoInterval: 50,
          echoMode: true,
          passiveMode: true,
          minimumTtl: 10,
        },
      ],
    });
  });

  it('rejects unknown keys like yaml.v2 UnmarshalStrict, with the file position', () => {
    const { diagnostics } = parseConfigMap(configMap(`${POOL}\n  autoassign: false`), { file: 'cm.yaml' });
    expect(diagnostics).toEqual([
      {
        resource: { kind: 'ConfigMap', namespace: 'metallb-system', name: 'config' },
        path: 'data.config.address-pools[0].autoassign',
        message:
          'unknown field "autoassign": expected one of protocol, name, addresses, avoid-buggy-ips, auto-assign, bgp-advertisements',
        severity: 'error',
        code: 'unknown-field',
        source: { file: 'cm.yaml', line: 12, column: 7 },
      },
    ]);
  });

  it('rejects unknown top-level keys', () => {
    expect(diags(`${POOL}\npeer-autodiscovery: {}`)).toEqual([
      {
        path: 'data.config.peer-autodiscovery',
        message:
          'unknown field "peer-autodiscovery": expected one of peers, bgp-communities, address-pools, bfd-profiles',
        severity: 'error',
      },
    ]);
  });

  it('rejects duplicate keys', () => {
    expect(diags(`${POOL}\n  name: q`)[0]).toMatchObject({ path: 'data.config', severity: 'error' });
    expect(diags(`${POOL}\n  name: q`)[0]?.message).toMatch(
      /^could not parse config: Map keys must be unique/,
    );
  });

  it('rejects wrong types', () => {
    expect(diags('peers:\n- my-asn: "64512"\n  peer-asn: 1\n  peer-address: 10.0.0.1')).toEqual([
      {
        path: 'data.config.peers[0].my-asn',
        message: 'expected an ASN from 0 to 4294967295, got "64512"',
        severity: 'error',
      },
      {
        path: 'data.config.peers[0].my-asn',
        message: 'missing local ASN: expected my-asn from 1 to 4294967295',
        severity: 'error',
      },
    ]);
  });

  it('reads numbers into string fields and YAML 1.1 booleans, as yaml.v2 does', () => {
    const { config } = parseConfigMap(
      configMap(
        'peers:\n- my-asn: 1\n  peer-asn: 2\n  peer-address: 10.0.0.1\n  password: 1234\n  ebgp-multihop: yes',
      ),
    );
    expect(config?.peers[0]).toMatchObject({ password: '1234', ebgpMultiHop: true });
  });

  it('accepts the bare data.config document', () => {
    const { config, diagnostics } = parseConfigMap(POOL);
    expect(diagnostics).toEqual([]);
    expect(config?.addressPools[0]?.name).toBe('p');
  });

  it('reports a ConfigMap without data.config', () => {
    expect(
      parseConfigMap('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config}\ndata: {}\n').diagnostics[0],
    ).toMatchObject({
      path: 'data.config',
      message: 'expected the MetalLB configuration as a YAML string under data.config',
    });
  });

  it('warns when the ConfigMap is not named config', () => {
    const text = configMap(POOL).replace('name: config', 'name: metallb');
    expect(parseConfigMap(text).diagnostics[0]).toMatchObject({
      path: 'metadata.name',
      message: 'MetalLB reads the ConfigMap named "config", not "metallb"',
      severity: 'warning',
    });
  });

  it('never throws on garbage', () => {
    for (const text of [
      '',
      ':',
      '[1, 2',
      'kind: ConfigMap\ndata: {config: 7}',
      configMap('- a\n- b'),
      configMap('peers: 3'),
    ]) {
      expect(() => parseConfigMap(text)).not.toThrow();
      expect(parseConfigMap(text).diagnostics.length).toBeGreaterThan(0);
    }
  });
});

describe('MetalLB v0.12.1 rules (one test each)', () => {
  const peer = (extra = '') => `peers:\n- my-asn: 64512\n  peer-asn: 64513\n  peer-address: 10.0.0.1${extra}`;

  it('missing local ASN', () => {
    expect(diags('peers:\n- peer-asn: 1\n  peer-address: 10.0.0.1')).toEqual([
      {
        path: 'data.config.peers[0].my-asn',
        message: 'missing local ASN: expected my-asn from 1 to 4294967295',
        severity: 'error',
      },
    ]);
  });

  it('missing peer ASN', () => {
    expect(diags('peers:\n- my-asn: 1\n  peer-address: 10.0.0.1')).toEqual([
      {
        path: 'data.config.peers[0].peer-asn',
        message: 'missing peer ASN: expected peer-asn from 1 to 4294967295',
        severity: 'error',
      },
    ]);
  });

  it('invalid peer IP', () => {
    expect(diags('peers:\n- my-asn: 1\n  peer-asn: 2\n  peer-address: router')).toEqual([
      {
        path: 'data.config.peers[0].peer-address',
        message: 'invalid peer IP "router": expected an IPv4 or IPv6 address',
        severity: 'error',
      },
    ]);
  });

  it('hold time must be 0 or >= 3s', () => {
    expect(diags(peer('\n  hold-time: 2900ms'))).toEqual([
      {
        path: 'data.config.peers[0].hold-time',
        message: 'invalid hold time "2900ms": expected 0 or at least 3s',
        severity: 'error',
      },
    ]);
  });

  it('keepalive time must not exceed the (default) hold time', () => {
    expect(diags(peer('\n  keepalive-time: 2m'))).toEqual([
      {
        path: 'data.config.peers[0].keepalive-time',
        message: 'invalid keepalive time "2m": expected at most the hold time 1m30s (default)',
        severity: 'error',
      },
    ]);
  });

  it('invalid source IP and router ID', () => {
    expect(diags(peer('\n  source-address: a\n  router-id: b')).map((d) => d.path)).toEqual([
      'data.config.peers[0].router-id',
      'data.config.peers[0].source-address',
    ]);
  });

  it('ebgp-multihop on an iBGP peer', () => {
    expect(
      diags('peers:\n- my-asn: 5\n  peer-asn: 5\n  peer-address: 10.0.0.1\n  ebgp-multihop: true'),
    ).toEqual([
      {
        path: 'data.config.peers[0].ebgp-multihop',
        message:
          'invalid ebgp-multihop parameter set for an ibgp peer: peer-asn equals my-asn (5); ebgp-multihop only applies to eBGP peers',
        severity: 'error',
      },
    ]);
  });

  it('bfd-profile referencing a profile that does not exist', () => {
    expect(diags(peer('\n  bfd-profile: fast'))).toEqual([
      {
        path: 'data.config.peers[0].bfd-profile',
        message: 'peer #1 referencing non existing bfd profile "fast": expected a name from bfd-profiles',
        severity: 'error',
      },
    ]);
  });

  it('identical peers', () => {
    expect(
      diags(`${peer()}\n- my-asn: 64512\n  peer-asn: 64513\n  peer-address: 10.0.0.1\n  hold-time: 90s`),
    ).toEqual([
      {
        path: 'data.config.peers[1]',
        message: 'peer #2 already exists: identical to peers[0]',
        severity: 'error',
      },
    ]);
  });

  it('invalid node selector', () => {
    expect(
      diags(
        peer('\n  node-selectors:\n  - match-expressions:\n    - {key: a, operator: Exists, values: [x]}'),
      ),
    ).toEqual([
      {
        path: 'data.config.peers[0].node-selectors[0].match-expressions[0].values',
        message: 'operator Exists expects no values',
        severity: 'error',
      },
    ]);
  });

  it('missing pool name', () => {
    expect(diags('address-pools:\n- protocol: layer2\n  addresses: [10.0.0.0/24]')).toEqual([
      {
        path: 'data.config.address-pools[0].name',
        message: 'missing pool name: every address pool needs a name',
        severity: 'error',
      },
    ]);
  });

  it('duplicate pool names', () => {
    expect(diags(`${POOL}\n- name: p\n  protocol: layer2\n  addresses: [10.1.0.0/24]`)).toEqual([
      {
        path: 'data.config.address-pools[1].name',
        message: 'duplicate definition of pool "p": already defined at address-pools[0]',
        severity: 'error',
      },
    ]);
  });

  it('missing protocol', () => {
    expect(diags('address-pools:\n- name: p\n  addresses: [10.0.0.0/24]')).toEqual([
      {
        path: 'data.config.address-pools[0].protocol',
        message: 'address pool is missing the protocol field: expected bgp or layer2',
        severity: 'error',
      },
    ]);
  });

  it('unknown protocol', () => {
    expect(diags('address-pools:\n- name: p\n  protocol: l2\n  addresses: [10.0.0.0/24]')).toEqual([
      {
        path: 'data.config.address-pools[0].protocol',
        message: 'unknown protocol "l2": expected bgp or layer2',
        severity: 'error',
      },
    ]);
  });

  it('pool without addresses', () => {
    expect(diags('address-pools:\n- name: p\n  protocol: bgp')).toEqual([
      {
        path: 'data.config.address-pools[0].addresses',
        message: 'pool has no prefixes defined: expected at least one CIDR or IP range',
        severity: 'error',
      },
    ]);
  });

  it('invalid CIDR', () => {
    expect(diags('address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0]')).toEqual([
      {
        path: 'data.config.address-pools[0].addresses[0]',
        message:
          'invalid CIDR "10.0.0.0" (missing /prefix-length): expected a CIDR such as 192.168.10.0/24 or a range such as 192.168.10.10-192.168.10.20',
        severity: 'error',
      },
    ]);
  });

  it('overlapping CIDRs across pools', () => {
    expect(diags(`${POOL}\n- name: q\n  protocol: bgp\n  addresses: [10.0.0.5-10.0.0.6]`)).toEqual([
      {
        path: 'data.config.address-pools[1].addresses[0]',
        message:
          'CIDR "10.0.0.5/32" in pool "q" overlaps with already defined CIDR "10.0.0.0/24" (in pool "p"); pools must not share addresses',
        severity: 'error',
      },
    ]);
  });

  it('bgp-advertisements in a layer2 pool', () => {
    expect(diags(`${POOL}\n  bgp-advertisements:\n  - localpref: 1`)).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements',
        message:
          'cannot have bgp-advertisements configuration element in a layer2 address pool: advertisements only apply to protocol bgp',
        severity: 'error',
      },
    ]);
  });

  it('aggregation length more specific than a pool prefix', () => {
    expect(
      diags(
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/28]\n  bgp-advertisements:\n  - aggregation-length: 24',
      ),
    ).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements[0].aggregation-length',
        message:
          'invalid aggregation length 24: addresses "10.0.0.0/28" have prefix length 28, which is more specific; expected aggregation-length of at least 28',
        severity: 'error',
      },
    ]);
  });

  it('aggregation length above 32', () => {
    expect(
      diags(
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/28]\n  bgp-advertisements:\n  - aggregation-length: 33',
      ),
    ).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements[0].aggregation-length',
        message: 'invalid aggregation length 33 for IPv4: expected a value from 0 to 32',
        severity: 'error',
      },
    ]);
  });

  it('invalid community in an advertisement', () => {
    expect(
      diags(
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/24]\n  bgp-advertisements:\n  - communities: ["1:70000"]',
      ),
    ).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements[0].communities[0]',
        message:
          'invalid community "1:70000" in BGP advertisement: expected an alias from bgp-communities or <0-65535>:<0-65535>',
        severity: 'error',
      },
    ]);
  });

  it('unknown community alias', () => {
    expect(
      diags(
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/24]\n  bgp-advertisements:\n  - communities: [no-export]',
      ),
    ).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements[0].communities[0]',
        message:
          'unknown community alias "no-export": expected an alias from bgp-communities or a value such as 65535:65281',
        severity: 'error',
      },
    ]);
  });

  it('invalid bgp-communities value', () => {
    expect(diags(`bgp-communities:\n  bad: "65536:1"\n${POOL}`)).toEqual([
      {
        path: 'data.config.bgp-communities.bad',
        message: 'invalid community string "65536:1" for alias "bad": expected <0-65535>:<0-65535>',
        severity: 'error',
      },
    ]);
  });

  it('equal advertisements', () => {
    expect(
      diags(
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/24]\n  bgp-advertisements:\n  - localpref: 5\n  - localpref: 5\n    aggregation-length: 32',
      ),
    ).toEqual([
      {
        path: 'data.config.address-pools[0].bgp-advertisements[1]',
        message: 'duplicate definition of bgpadvertisements: advertisement 2 is equal to advertisement 1',
        severity: 'error',
      },
    ]);
  });

  it('BFD profile ranges and names', () => {
    expect(
      diags('bfd-profiles:\n- name: a\n  detect-multiplier: 1\n- name: a\n- receive-interval: 5'),
    ).toEqual([
      {
        path: 'data.config.bfd-profiles[0].detect-multiplier',
        message: 'invalid detect multiplier 1: expected a value from 2 to 255',
        severity: 'error',
      },
      {
        path: 'data.config.bfd-profiles[1].name',
        message: 'duplicate bfd profile name "a": already defined at bfd-profiles[0]',
        severity: 'error',
      },
      { path: 'data.config.bfd-profiles[2].name', message: 'missing bfd profile name', severity: 'error' },
      {
        path: 'data.config.bfd-profiles[2].receive-interval',
        message: 'invalid receive interval 5: expected a value from 10 to 60000',
        severity: 'error',
      },
    ]);
  });

  it('native mode rejects FRR-only settings', () => {
    const text = configMap(`${peer('\n  bfd-profile: b\n  keepalive-time: 10s')}\nbfd-profiles:\n- name: b`);
    expect(parseConfigMap(text, { bgpMode: 'native' }).diagnostics.map((d) => d.path)).toEqual([
      'data.config.peers[0].bfd-profile',
      'data.config.peers[0].keepalive-time',
      'data.config.bfd-profiles',
    ]);
  });

  it('validates a config built in code (paths by array index)', () => {
    const legacy: LegacyConfig = {
      namespace: 'metallb-system',
      name: 'config',
      peers: [],
      bgpCommunities: {},
      bfdProfiles: [],
      addressPools: [
        {
          name: 'a',
          protocol: 'bgp',
          addresses: ['10.0.0.0/24'],
          bgpAdvertisements: [{ aggregationLength: 8 }],
        },
      ],
    };
    expect(validateLegacyConfig(legacy).map((d) => d.path)).toEqual([
      'data.config.address-pools[0].bgp-advertisements[0].aggregation-length',
    ]);
  });
});

describe('emitConfigMap', () => {
  it('round-trips a parsed ConfigMap', () => {
    const text = configMap(`
peers:
- peer-address: 10.0.0.1
  peer-asn: 64513
  my-asn: 64512
  node-selectors:
  - match-labels:
      kubernetes.io/hostname: n1
address-pools:
- name: p
  protocol: bgp
  addresses:
  - 10.0.0.0/24
  bgp-advertisements:
  - communities:
    - "64512:1"
`);
    const first = parseConfigMap(text).config as LegacyConfig;
    const emitted = emitConfigMap(first);
    const again = parseConfigMap(emitted).config as LegacyConfig;
    expect({ ...again, source: undefined }).toEqual({ ...first, source: undefined });
    expect(emitted).toContain('    - "64512:1"\n');
  });
});
