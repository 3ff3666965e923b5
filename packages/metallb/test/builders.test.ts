import { addressPool, bgpPeer, l2Advertisement, metallbConfig } from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

describe('builders', () => {
  it('build plain model objects', () => {
    expect(
      addressPool('prod')
        .addresses('192.168.10.0/24')
        .addresses('fc00::/120')
        .autoAssign(false)
        .avoidBuggyIPs(true)
        .priority(2)
        .namespaces('shop')
        .serviceSelectors({ matchLabels: { exposure: 'public' } })
        .labels({ tier: 'prod' })
        .build(),
    ).toEqual({
      name: 'prod',
      labels: { tier: 'prod' },
      addresses: ['192.168.10.0/24', 'fc00::/120'],
      autoAssign: false,
      avoidBuggyIPs: true,
      serviceAllocation: {
        priority: 2,
        namespaces: ['shop'],
        serviceSelectors: [{ matchLabels: { exposure: 'public' } }],
      },
    });
  });

  it('return independent copies from build()', () => {
    const b = bgpPeer('p').myASN(1).peerASN(2).peerAddress('10.0.0.1');
    const first = b.build();
    first.myASN = 99;
    expect(b.build().myASN).toBe(1);
  });

  it('collect objects into a config by kind, in order', () => {
    const config = metallbConfig('lb')
      .add(
        l2Advertisement('l2'),
        addressPool('b').addresses('10.1.0.0/24'),
        addressPool('a').addresses('10.0.0.0/24'),
      )
      .build();
    expect(config.namespace).toBe('lb');
    expect(config.pools.map((p) => p.name)).toEqual(['b', 'a']);
    expect(config.l2Advertisements.map((p) => p.name)).toEqual(['l2']);
  });
});
