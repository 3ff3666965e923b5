import type { Diagnostic, ResourceRef } from '@gateway/core';
import type {
  LegacyAddressPool,
  LegacyBGPAdvertisement,
  LegacyConfig,
  LegacyPeer,
} from '../configmap/types.js';
import { LEGACY_CONFIGMAP_NAME } from '../configmap/types.js';
import type { BGPAdvertisement, BGPPeer, CRDKind, MetalLBConfig, ObjectMeta } from '../model/types.js';
import { parseCommunity } from '../net/community.js';
import { DiagnosticSink } from '../util/diagnostics.js';
import { locateIn } from '../util/origins.js';
import { poolsSelectedBy } from '../validate/validate.js';

/**
 * The reverse of `convertConfigMapToCRDs`, for clusters still on MetalLB ≤ 0.12: CRDs → the
 * legacy ConfigMap. The ConfigMap cannot say everything the CRDs can; whatever it cannot say is
 * dropped with a warning naming the field, and a pool must pick one protocol.
 */
export interface CRDsToConfigMapResult {
  config: LegacyConfig;
  diagnostics: Diagnostic[];
}

const PEER_UNSUPPORTED: (keyof BGPPeer)[] = [
  'dynamicASN',
  'localASN',
  'interface',
  'connectTime',
  'enableGracefulRestart',
  'vrf',
  'disableMP',
  'dualStackAddressFamily',
];

function isDefaultAdvertisement(ad: LegacyBGPAdvertisement): boolean {
  return (
    (ad.aggregationLength ?? 32) === 32 &&
    (ad.aggregationLengthV6 ?? 128) === 128 &&
    (ad.localPref ?? 0) === 0 &&
    (ad.communities ?? []).length === 0
  );
}

/**
 * Maps the CRD model onto the legacy ConfigMap. A pool is `bgp` when a BGPAdvertisement selects
 * it and `layer2` when only an L2Advertisement does; a pool no advertisement selects becomes
 * `layer2` (with a warning, since the ConfigMap always announces). BGP advertisements are copied
 * into every pool they select; one that only restates the defaults is dropped, so a converted
 * ConfigMap converts back unchanged.
 *
 * @example
 * ```ts
 * const { config } = crdsToConfigMap(parseCRDs(text).config);
 * emitConfigMap(config);
 * ```
 */
export function crdsToConfigMap(model: MetalLBConfig): CRDsToConfigMapResult {
  const sink = new DiagnosticSink();
  const ref = (kind: CRDKind, o: ObjectMeta): ResourceRef => ({
    kind,
    namespace: o.namespace ?? model.namespace,
    name: o.name,
  });
  const dropped = (
    kind: CRDKind,
    o: ObjectMeta,
    field: string,
    why = 'the legacy ConfigMap has no such setting',
  ) =>
    sink.add(
      ref(kind, o),
      `spec.${field}`,
      `dropped: ${why}`,
      'not-representable',
      'warning',
      locateIn(o, ['spec', field], o.source),
    );

  const config: LegacyConfig = {
    namespace: model.namespace,
    name: LEGACY_CONFIGMAP_NAME,
    peers: [],
    bgpCommunities: {},
    addressPools: [],
    bfdProfiles: [],
  };

  for (const p of model.peers) {
    for (const field of PEER_UNSUPPORTED) {
      if (p[field] !== undefined && p[field] !== false && p[field] !== '') dropped('BGPPeer', p, field);
    }
    if (p.passwordSecret?.name) {
      dropped(
        'BGPPeer',
        p,
        'passwordSecret',
        'the legacy ConfigMap cannot reference a Secret; set password instead',
      );
    }
    const peer: LegacyPeer = { myASN: p.myASN, peerASN: p.peerASN ?? 0, peerAddress: p.peerAddress ?? '' };
    if (p.sourceAddress) peer.sourceAddress = p.sourceAddress;
    if (p.peerPort) peer.peerPort = p.peerPort;
    if (p.holdTime) peer.holdTime = p.holdTime;
    if (p.keepaliveTime) peer.keepaliveTime = p.keepaliveTime;
    if (p.routerID) peer.routerID = p.routerID;
    if (p.password) peer.password = p.password;
    if (p.bfdProfile) peer.bfdProfile = p.bfdProfile;
    if (p.ebgpMultiHop) peer.ebgpMultiHop = true;
    if (p.nodeSelectors && p.nodeSelectors.length > 0) peer.nodeSelectors = p.nodeSelectors;
    config.peers.push(peer);
  }

  for (const co of model.communities) {
    for (const alias of co.communities) {
      const parsed = parseCommunity(alias.value);
      if (parsed.ok && parsed.value.kind === 'large') {
        sink.add(
          ref('Community', co),
          'spec.communities',
          `dropped alias ${JSON.stringify(alias.name)}: the legacy ConfigMap only supports standard communities`,
          'not-representable',
          'warning',
          co.source,
        );
        continue;
      }
      if (alias.name in config.bgpCommunities) {
        sink.add(
          ref('Community', co),
          'spec.communities',
          `duplicate definition of community ${JSON.stringify(alias.name)}: the legacy ConfigMap has one alias namespace`,
          'duplicate-community',
          'error',
          co.source,
        );
        continue;
      }
      config.bgpCommunities[alias.name] = alias.value;
    }
  }

  const bgpAdsFor = new Map<string, BGPAdvertisement[]>();
  for (const ad of model.bgpAdvertisements) {
    for (const field of ['nodeSelectors', 'peers', 'serviceSelectors'] as const) {
      if ((ad[field] ?? []).length > 0) dropped('BGPAdvertisement', ad, field);
    }
    for (const pool of poolsSelectedBy(ad, model.pools)) {
      bgpAdsFor.set(pool.name, [...(bgpAdsFor.get(pool.name) ?? []), ad]);
    }
  }
  const l2Pools = new Set<string>();
  for (const ad of model.l2Advertisements) {
    for (const field of [
      'nodeSelectors',
      'interfaces',
      'serviceSelectors',
      'preferredNodeSelectors',
    ] as const) {
      if ((ad[field] ?? []).length > 0) dropped('L2Advertisement', ad, field);
    }
    for (const pool of poolsSelectedBy(ad, model.pools)) l2Pools.add(pool.name);
  }

  for (const p of model.pools) {
    if (p.serviceAllocation) dropped('IPAddressPool', p, 'serviceAllocation');
    const bgp = bgpAdsFor.get(p.name) ?? [];
    let protocol: 'bgp' | 'layer2' = bgp.length > 0 ? 'bgp' : 'layer2';
    if (bgp.length > 0 && l2Pools.has(p.name)) {
      sink.add(
        ref('IPAddressPool', p),
        '',
        'announced over both BGP and layer 2, but a legacy pool has one protocol: written as bgp',
        'not-representable',
        'warning',
        p.source,
      );
    } else if (bgp.length === 0 && !l2Pools.has(p.name)) {
      sink.add(
        ref('IPAddressPool', p),
        '',
        'no advertisement selects this pool, but every legacy pool is announced: written as layer2',
        'not-representable',
        'warning',
        p.source,
      );
      protocol = 'layer2';
    }
    const pool: LegacyAddressPool = { name: p.name, protocol, addresses: [...p.addresses] };
    if (p.autoAssign !== undefined) pool.autoAssign = p.autoAssign;
    if (p.avoidBuggyIPs) pool.avoidBuggyIPs = true;
    if (protocol === 'bgp') {
      const ads = bgp.map((ad) => {
        const out: LegacyBGPAdvertisement = {};
        if (ad.aggregationLength !== undefined) out.aggregationLength = ad.aggregationLength;
        if (ad.aggregationLengthV6 !== undefined) out.aggregationLengthV6 = ad.aggregationLengthV6;
        if (ad.localPref) out.localPref = ad.localPref;
        const communities = (ad.communities ?? []).filter((c) => {
          const parsed = parseCommunity(c);
          if (parsed.ok && parsed.value.kind === 'large') {
            dropped(
              'BGPAdvertisement',
              ad,
              'communities',
              `large community ${JSON.stringify(c)} is not supported by the legacy ConfigMap`,
            );
            return false;
          }
          return true;
        });
        if (communities.length > 0) out.communities = communities;
        return out;
      });
      if (!(ads.length === 1 && ads[0] && isDefaultAdvertisement(ads[0]))) pool.bgpAdvertisements = ads;
    }
    config.addressPools.push(pool);
  }

  for (const b of model.bfdProfiles) {
    const profile: LegacyConfig['bfdProfiles'][number] = { name: b.name };
    if (b.receiveInterval !== undefined) profile.receiveInterval = b.receiveInterval;
    if (b.transmitInterval !== undefined) profile.transmitInterval = b.transmitInterval;
    if (b.detectMultiplier !== undefined) profile.detectMultiplier = b.detectMultiplier;
    if (b.echoInterval !== undefined) profile.echoInterval = b.echoInterval;
    if (b.echoMode !== undefined) profile.echoMode = b.echoMode;
    if (b.passiveMode !== undefined) profile.passiveMode = b.passiveMode;
    if (b.minimumTtl !== undefined) profile.minimumTtl = b.minimumTtl;
    config.bfdProfiles.push(profile);
  }
  return { config, diagnostics: sink.diagnostics };
}
