import type { Diagnostic } from '@gateway/core';
import {
  addressPool,
  bfdProfile,
  bgpAdvertisement,
  bgpPeer,
  community,
  l2Advertisement,
  type MetalLBConfig,
  type MetalLBObjectBuilder,
  metallbConfig,
  parseCRDs,
  validateMetalLB,
} from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

function config(...items: MetalLBObjectBuilder[]): MetalLBConfig {
  return metallbConfig()
    .add(...items)
    .build();
}

/** Errors only (the "pool not announced" warning is tested on its own). */
function errors(c: MetalLBConfig, opts: Parameters<typeof validateMetalLB>[1] = {}): Diagnostic[] {
  return validateMetalLB(c, { warnUnannounced: false, ...opts });
}

function only(diags: Diagnostic[]): {
  kind: string;
  name: string;
  path: string;
  message: string;
  code?: string;
} {
  expect(diags).toHaveLength(1);
  const d = diags[0] as Diagnostic;
  return { kind: d.resource.kind, name: d.resource.name, path: d.path, message: d.message, code: d.code };
}

const announce = l2Advertisement('all');
const peer = () => bgpPeer('tor').myASN(64512).peerASN(64513).peerAddress('10.0.0.1');

describe('validateMetalLB: pools', () => {
  it('accepts a valid configuration', () => {
    expect(
      validateMetalLB(
        config(
          addressPool('a').addresses('10.0.0.0/24', 'fc00::/120'),
          announce,
          peer(),
          bgpAdvertisement('b'),
        ),
      ),
    ).toEqual([]);
  });

  it('reports overlapping pools on the later pool', () => {
    expect(
      only(
        errors(config(addressPool('a').addresses('10.0.0.0/16'), addressPool('b').addresses('10.0.4.0/24'))),
      ),
    ).toEqual({
      kind: 'IPAddressPool',
      name: 'b',
      path: 'spec.addresses[0]',
      message:
        'CIDR "10.0.4.0/24" in pool "b" overlaps with already defined CIDR "10.0.0.0/16" (in pool "a"); pools must not share addresses',
      code: 'cidr-overlap',
    });
  });

  it('reports overlaps inside one pool, ranges included', () => {
    expect(
      only(errors(config(addressPool('a').addresses('10.0.0.0/28', '10.0.0.10-10.0.0.20')))).message,
    ).toBe(
      'CIDR "10.0.0.10/31" in pool "a" overlaps with already defined CIDR "10.0.0.0/28" (in the same pool); pools must not share addresses',
    );
  });

  it('reports a bad CIDR', () => {
    expect(only(errors(config(addressPool('a').addresses('10.0.0.0/33'))))).toMatchObject({
      path: 'spec.addresses[0]',
      message:
        'invalid CIDR "10.0.0.0/33" (prefix length 33 is longer than 32): expected a CIDR such as 192.168.10.0/24 or a range such as 192.168.10.10-192.168.10.20',
      code: 'invalid-cidr',
    });
  });

  it('reports a range whose start is after its end', () => {
    expect(only(errors(config(addressPool('a').addresses('10.0.0.9-10.0.0.1'))))).toMatchObject({
      path: 'spec.addresses[0]',
      message: 'invalid IP range "10.0.0.9-10.0.0.1": start IP "10.0.0.9" is after the end IP "10.0.0.1"',
      code: 'range-start-after-end',
    });
  });

  it('reports a range with a bad end', () => {
    expect(only(errors(config(addressPool('a').addresses('10.0.0.1 - nope'))))).toMatchObject({
      path: 'spec.addresses[0]',
      message: 'invalid IP range "10.0.0.1 - nope": invalid end IP "nope", expected an IP address',
    });
  });

  it('reports a range mixing IPv4 and IPv6', () => {
    expect(only(errors(config(addressPool('a').addresses('10.0.0.1-fc00::1')))).code).toBe(
      'range-mixed-families',
    );
  });

  it('reports a pool without addresses', () => {
    expect(only(errors(config(addressPool('a'))))).toMatchObject({
      path: 'spec.addresses',
      message: 'pool has no prefixes defined: expected at least one CIDR or IP range',
    });
  });

  it('reports duplicate pool names', () => {
    expect(
      only(
        errors(config(addressPool('a').addresses('10.0.0.0/24'), addressPool('a').addresses('10.1.0.0/24'))),
      ),
    ).toMatchObject({
      path: 'metadata.name',
      message: 'duplicate definition of IPAddressPool "a": names must be unique (object #1 has it too)',
      code: 'duplicate-name',
    });
  });

  it('reports duplicate serviceAllocation namespaces', () => {
    expect(
      only(errors(config(addressPool('a').addresses('10.0.0.0/24').namespaces('x', 'x')))),
    ).toMatchObject({
      path: 'spec.serviceAllocation.namespaces[1]',
      message: 'duplicate definition of namespace "x"',
    });
  });

  it('reports invalid selectors', () => {
    const c = config(
      addressPool('a')
        .addresses('10.0.0.0/24')
        .serviceSelectors({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] }),
    );
    expect(only(errors(c))).toMatchObject({
      path: 'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].operator',
      message: 'unknown operator "Equals": expected In, NotIn, Exists or DoesNotExist',
    });
  });

  it('reports In without values', () => {
    const c = config(
      addressPool('a')
        .addresses('10.0.0.0/24')
        .serviceSelectors({ matchExpressions: [{ key: 'app', operator: 'In' }] }),
    );
    expect(only(errors(c))).toMatchObject({
      path: 'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values',
      message: 'operator In expects at least one value',
    });
  });

  it('warns about a pool no advertisement announces', () => {
    expect(only(validateMetalLB(config(addressPool('a').addresses('10.0.0.0/24'))))).toMatchObject({
      path: '',
      message:
        'no BGPAdvertisement or L2Advertisement selects this pool: its addresses are assigned but never announced',
      code: 'pool-not-announced',
    });
  });

  it("warns about a pool outside MetalLB's namespace", () => {
    expect(
      only(errors(config(addressPool('a').addresses('10.0.0.0/24').namespace('default')))),
    ).toMatchObject({
      path: 'metadata.namespace',
      message: 'MetalLB only reads pools in its own namespace "metallb-system"; this one is in "default"',
    });
  });
});

describe('validateMetalLB: peers', () => {
  it('reports a zero local ASN', () => {
    expect(only(errors(config(peer().myASN(0))))).toMatchObject({
      kind: 'BGPPeer',
      path: 'spec.myASN',
      message: 'missing local ASN: expected myASN from 1 to 4294967295',
    });
  });

  it('reports an out-of-range ASN', () => {
    expect(only(errors(config(peer().myASN(4294967296))))).toMatchObject({
      path: 'spec.myASN',
      message: 'invalid local ASN 4294967296: expected myASN from 1 to 4294967295',
    });
  });

  it('reports a missing peer ASN', () => {
    expect(only(errors(config(bgpPeer('p').myASN(1).peerAddress('10.0.0.1'))))).toMatchObject({
      path: 'spec.peerASN',
      message: 'missing peer ASN: expected peerASN from 1 to 4294967295, or dynamicASN internal or external',
    });
  });

  it('reports peerASN together with dynamicASN', () => {
    expect(only(errors(config(peer().dynamicASN('external'))))).toMatchObject({
      path: 'spec.dynamicASN',
      message: 'both peerASN and dynamicASN are set: expected exactly one of them',
    });
  });

  it('reports ebgpMultiHop on an iBGP peer', () => {
    expect(only(errors(config(peer().peerASN(64512).ebgpMultiHop(true))))).toMatchObject({
      path: 'spec.ebgpMultiHop',
      message:
        'invalid ebgp-multihop parameter set for an ibgp peer: peerASN equals myASN (64512); ebgpMultiHop only applies to eBGP peers',
    });
  });

  it('reports a bad peer address', () => {
    expect(only(errors(config(peer().peerAddress('10.0.0.999'))))).toMatchObject({
      path: 'spec.peerAddress',
      message: 'invalid BGPPeer address "10.0.0.999": expected an IPv4 or IPv6 address',
    });
  });

  it('reports peerAddress together with interface', () => {
    expect(only(errors(config(peer().interface('eth0'))))).toMatchObject({
      path: 'spec.interface',
      message: 'both peerAddress and interface are set: expected exactly one of them',
    });
  });

  it('reports a bad source address and router ID', () => {
    const diags = errors(config(peer().sourceAddress('x').routerID('y')));
    expect(diags.map((d) => [d.path, d.message])).toEqual([
      ['spec.sourceAddress', 'invalid source IP "x": expected an IP address'],
      ['spec.routerID', 'invalid router ID "y": expected an IP address'],
    ]);
  });

  it('reports a port outside 1–16384', () => {
    expect(only(errors(config(peer().peerPort(20000))))).toMatchObject({
      path: 'spec.peerPort',
      message: 'invalid peerPort 20000: expected a port from 1 to 16384',
    });
  });

  it('reports a hold time below 3s', () => {
    expect(only(errors(config(peer().holdTime('2s'))))).toMatchObject({
      path: 'spec.holdTime',
      message: 'invalid hold time "2s": expected 0 or at least 3s',
      code: 'invalid-hold-time',
    });
  });

  it('accepts a hold time of 0 (keepalives off)', () => {
    expect(errors(config(peer().holdTime('0s')))).toEqual([]);
  });

  it('reports a hold time that is not a duration', () => {
    expect(only(errors(config(peer().holdTime('90'))))).toMatchObject({
      path: 'spec.holdTime',
      message:
        'invalid hold time "90": missing unit in duration "90"; expected a Go duration such as 90s or 1m30s',
    });
  });

  it('reports a keepalive time above the hold time', () => {
    expect(only(errors(config(peer().holdTime('30s').keepaliveTime('40s'))))).toMatchObject({
      path: 'spec.keepaliveTime',
      message: 'invalid keepalive time "40s": expected at most the hold time 30s',
      code: 'invalid-keepalive-time',
    });
  });

  it('derives the hold time from a lone keepalive time (×3)', () => {
    expect(only(errors(config(peer().keepaliveTime('500ms'))))).toMatchObject({
      path: 'spec.keepaliveTime',
      message:
        'keepalive time "500ms" implies a hold time of 1.5s (3 × keepalive): expected 0 or at least 3s',
    });
  });

  it('reports a connect time that is not whole seconds', () => {
    expect(only(errors(config(peer().connectTime('1500ms'))))).toMatchObject({
      path: 'spec.connectTime',
      message: 'invalid connect time "1500ms": expected a whole number of seconds',
    });
  });

  it('reports a connect time out of range', () => {
    expect(only(errors(config(peer().connectTime('20h'))))).toMatchObject({
      path: 'spec.connectTime',
      message: 'invalid connect time "20h": expected 1s to 65535s',
    });
  });

  it('reports password together with passwordSecret', () => {
    expect(only(errors(config(peer().password('x').passwordSecret({ name: 's' }))))).toMatchObject({
      path: 'spec.passwordSecret',
      message: 'both password and passwordSecret are set: expected at most one of them',
    });
  });

  it('reports a dangling BFD profile', () => {
    expect(only(errors(config(peer().bfdProfile('fast'))))).toMatchObject({
      path: 'spec.bfdProfile',
      message: 'references BFDProfile "fast", which does not exist',
      code: 'dangling-reference',
    });
  });

  it('reports identical peers', () => {
    expect(
      only(errors(config(peer(), bgpPeer('tor-copy').myASN(64512).peerASN(64513).peerAddress('10.0.0.1')))),
    ).toMatchObject({
      name: 'tor-copy',
      path: 'spec',
      message: 'peer tor-copy already exists: it is identical to BGPPeer "tor"',
    });
  });

  it('reports duplicate node selectors', () => {
    expect(
      only(errors(config(peer().nodeSelectors({ matchLabels: { a: 'b' } }, { matchLabels: { a: 'b' } })))),
    ).toMatchObject({
      path: 'spec.nodeSelectors[1]',
      message: 'duplicate definition of nodeSelectors: same as nodeSelectors[0]',
    });
  });
});

describe('validateMetalLB: advertisements, communities, BFD', () => {
  const pool = addressPool('p').addresses('10.0.0.0/24', 'fc00::/120');

  it('reports an aggregation length shorter than a pool prefix', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').aggregationLength(16))))).toMatchObject({
      kind: 'BGPAdvertisement',
      path: 'spec.aggregationLength',
      message:
        'invalid aggregation length 16: addresses "10.0.0.0/24" have prefix length 24, which is more specific; expected aggregationLength of at least 24 (pool "p")',
    });
  });

  it('checks IPv6 aggregation against IPv6 prefixes', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').aggregationLengthV6(64))))).toMatchObject({
      path: 'spec.aggregationLengthV6',
      message:
        'invalid aggregation length 64: addresses "fc00::/120" have prefix length 120, which is more specific; expected aggregationLengthV6 of at least 120 (pool "p")',
    });
  });

  it('uses the largest block of a range for the aggregation check', () => {
    // 10.2.0.1-10.2.0.254 summarises to blocks no larger than /26 (10.2.0.64/26, 10.2.0.128/26).
    const range = () => addressPool('r').addresses('10.2.0.1-10.2.0.254');
    expect(errors(config(range(), bgpAdvertisement('ad').aggregationLength(26)))).toEqual([]);
    expect(only(errors(config(range(), bgpAdvertisement('ad').aggregationLength(25))))).toMatchObject({
      message:
        'invalid aggregation length 25: addresses "10.2.0.1-10.2.0.254" have prefix length 26, which is more specific; expected aggregationLength of at least 26 (pool "r")',
    });
  });

  it('reports aggregation lengths out of bounds', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').aggregationLength(33))))).toMatchObject({
      path: 'spec.aggregationLength',
      message: 'invalid aggregation length 33 for IPv4: expected a value from 0 to 32',
    });
    expect(only(errors(config(pool, bgpAdvertisement('ad').aggregationLengthV6(129))))).toMatchObject({
      path: 'spec.aggregationLengthV6',
      message: 'invalid aggregation length 129 for IPv6: expected a value from 0 to 128',
    });
  });

  it('reports serviceSelectors with a non-default aggregation length', () => {
    const c = config(
      addressPool('p4').addresses('10.0.0.0/24'),
      bgpAdvertisement('ad')
        .aggregationLength(24)
        .serviceSelectors({ matchLabels: { a: 'b' } }),
    );
    expect(only(errors(c))).toMatchObject({
      path: 'spec.serviceSelectors',
      message:
        'serviceSelectors cannot be combined with a non-default aggregationLength or aggregationLengthV6',
    });
  });

  it('reports conflicting local preferences for the same announcements', () => {
    const c = config(pool, bgpAdvertisement('a1').localPref(100), bgpAdvertisement('a2').localPref(200));
    expect(only(errors(c))).toMatchObject({
      name: 'a2',
      path: 'spec.localPref',
      message:
        'invalid local preference 200: BGPAdvertisement "a1" already sets local preference 100 for the same announcements of pool "p" (same pool, aggregation length, peers and nodes)',
    });
  });

  it('allows different local preferences towards different peers', () => {
    const c = config(
      pool,
      peer(),
      bgpPeer('tor2').myASN(64512).peerASN(64514).peerAddress('10.0.0.2'),
      bgpAdvertisement('a1').localPref(100).peers('tor'),
      bgpAdvertisement('a2').localPref(200).peers('tor2'),
    );
    expect(errors(c)).toEqual([]);
  });

  it('reports dangling pool and peer references', () => {
    const diags = errors(config(pool, bgpAdvertisement('ad').ipAddressPools('p', 'ghost').peers('nobody')));
    expect(diags.map((d) => [d.path, d.message])).toEqual([
      ['spec.ipAddressPools[1]', 'references IPAddressPool "ghost", which does not exist'],
      ['spec.peers[0]', 'references BGPPeer "nobody", which does not exist'],
    ]);
  });

  it('reports a dangling L2 pool reference', () => {
    expect(only(errors(config(pool, l2Advertisement('l2').ipAddressPools('ghost'))))).toMatchObject({
      kind: 'L2Advertisement',
      path: 'spec.ipAddressPools[0]',
      message: 'references IPAddressPool "ghost", which does not exist',
    });
  });

  it('reports a dangling community alias', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').communities('no-export'))))).toMatchObject({
      path: 'spec.communities[0]',
      message:
        'references community alias "no-export", which no Community object defines; expected an alias or a value such as 65535:65281',
      code: 'dangling-reference',
    });
  });

  it('resolves community aliases from Community objects', () => {
    expect(
      errors(
        config(
          pool,
          community('c').alias('no-export', '65535:65281'),
          bgpAdvertisement('ad').communities('no-export', 'large:1:2:3'),
        ),
      ),
    ).toEqual([]);
  });

  it('reports an invalid community value', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').communities('65536:1'))))).toMatchObject({
      path: 'spec.communities[0]',
      message:
        'invalid community "65536:1" in BGP advertisement: expected <0-65535>:<0-65535>, large:<n>:<n>:<n> or an alias',
      code: 'invalid-community',
    });
  });

  it('reports a duplicate community in one advertisement', () => {
    expect(only(errors(config(pool, bgpAdvertisement('ad').communities('1:1', '1:1'))))).toMatchObject({
      path: 'spec.communities[1]',
      message: 'duplicate definition of community "1:1"',
    });
  });

  it('reports a duplicate community alias across Community objects', () => {
    expect(
      only(errors(config(community('c1').alias('x', '1:1'), community('c2').alias('x', '2:2')))),
    ).toMatchObject({
      kind: 'Community',
      name: 'c2',
      path: 'spec.communities[0].name',
      message: 'duplicate definition of community "x": aliases must be unique across Community objects',
    });
  });

  it('reports an invalid alias value', () => {
    expect(only(errors(config(community('c').alias('x', 'a:b'))))).toMatchObject({
      path: 'spec.communities[0].value',
      message:
        'invalid community value "a:b" for alias "x": expected <0-65535>:<0-65535> or large:<n>:<n>:<n>',
    });
  });

  it("reports BFD values outside MetalLB's ranges", () => {
    const diags = errors(
      config(bfdProfile('b').receiveInterval(5).detectMultiplier(1).minimumTtl(255).echoInterval(70000)),
    );
    expect(diags.map((d) => [d.path, d.message])).toEqual([
      ['spec.detectMultiplier', 'invalid detect multiplier 1: expected a value from 2 to 255'],
      ['spec.receiveInterval', 'invalid receive interval 5: expected a value from 10 to 60000'],
      ['spec.minimumTtl', 'invalid minimum ttl 255: expected a value from 1 to 254'],
      ['spec.echoInterval', 'invalid echo interval 70000: expected a value from 10 to 60000'],
    ]);
  });

  it('reports BFD echo mode with IPv6 announcements', () => {
    const c = config(
      pool,
      peer().bfdProfile('echo'),
      bfdProfile('echo').echoMode(true),
      bgpAdvertisement('ad'),
    );
    expect(only(errors(c))).toMatchObject({
      kind: 'BGPAdvertisement',
      path: 'spec',
      message:
        'pool "p" has IPv6 addresses announced to peer "tor", whose BFD profile "echo" enables echo mode; BFD echo does not work with IPv6',
    });
  });

  it('reports invalid preferredNodeSelectors weights', () => {
    const c = config(
      pool,
      l2Advertisement('l2').preferredNodeSelectors({ weight: 0, preference: { matchLabels: { z: 'a' } } }),
    );
    expect(only(errors(c))).toMatchObject({
      path: 'spec.preferredNodeSelectors[0].weight',
      message: 'invalid weight 0: expected a value from 1 to 100',
    });
  });
});

describe('validateMetalLB: BGP modes', () => {
  it('native mode rejects FRR-only peer settings, BFD profiles and IPv6 over BGP', () => {
    const c = config(
      addressPool('p').addresses('fc00::/120'),
      peer().keepaliveTime('10s').vrf('red'),
      bgpAdvertisement('ad'),
      bfdProfile('b'),
    );
    expect(errors(c, { bgpMode: 'native' }).map((d) => [d.resource.kind, d.path, d.message])).toEqual([
      [
        'BGPPeer',
        'spec.keepaliveTime',
        'peer 10.0.0.1 has keepaliveTime set on native bgp mode: it needs the FRR mode',
      ],
      ['BGPPeer', 'spec.vrf', 'peer 10.0.0.1 has vrf set on native bgp mode: it needs the FRR mode'],
      ['BFDProfile', '', 'BFD profiles need the FRR mode; native bgp mode does not support them'],
      [
        'IPAddressPool',
        'spec.addresses[0]',
        'pool "p" has ipv6 CIDR fc00::/120 announced over BGP, native bgp mode does not support ipv6',
      ],
    ]);
  });

  it('native mode rejects large communities', () => {
    const c = config(
      addressPool('p').addresses('10.0.0.0/24'),
      bgpAdvertisement('ad').communities('large:1:2:3'),
    );
    expect(only(errors(c, { bgpMode: 'native' }))).toMatchObject({
      path: 'spec.communities[0]',
      message: 'native BGP mode only supports standard communities; "large:1:2:3" is a large community',
    });
  });

  it('FRR mode wants one router ID, one local ASN per VRF and unique peers', () => {
    const c = config(
      peer().routerID('1.1.1.1'),
      bgpPeer('b').myASN(64999).peerASN(64513).peerAddress('10.0.0.1').routerID('2.2.2.2'),
    );
    expect(errors(c, { bgpMode: 'frr' }).map((d) => [d.resource.name, d.path, d.message])).toEqual([
      [
        'b',
        'spec.routerID',
        'peer has routerID "2.2.2.2", different from "1.1.1.1" on tor: in FRR mode all router IDs must be equal',
      ],
      [
        'b',
        'spec.myASN',
        'peer has myASN 64999, different from 64512 on tor: in FRR mode all myASN must be equal for the same VRF',
      ],
      [
        'b',
        'spec.peerAddress',
        "peer 10.0.0.1 already exists as tor: FRR mode doesn't support duplicate BGPPeers",
      ],
    ]);
  });
});

describe('validateMetalLB: source positions', () => {
  it('points diagnostics at the offending field of a parsed file', () => {
    const { config: c } = parseCRDs(
      [
        'apiVersion: metallb.io/v1beta2',
        'kind: BGPPeer',
        'metadata: {name: p, namespace: metallb-system}',
        'spec:',
        '  myASN: 64512',
        '  peerASN: 64513',
        '  peerAddress: 10.0.0.1',
        '  holdTime: 1s',
        '',
      ].join('\n'),
      { file: 'peer.yaml' },
    );
    expect(only(errors(c))).toMatchObject({ path: 'spec.holdTime' });
    expect(errors(c)[0]?.source).toEqual({ file: 'peer.yaml', line: 8, column: 13 });
  });
});
