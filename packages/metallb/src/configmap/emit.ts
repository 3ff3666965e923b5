import type { LabelSelector } from '../model/types.js';
import { emitYaml } from '../yaml/emit.js';
import type { LegacyConfig } from './types.js';

function selectorToLegacy(s: LabelSelector): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.matchLabels && Object.keys(s.matchLabels).length > 0) out['match-labels'] = { ...s.matchLabels };
  if (s.matchExpressions && s.matchExpressions.length > 0) {
    out['match-expressions'] = s.matchExpressions.map((e) => ({
      key: e.key,
      operator: e.operator,
      values: e.values && e.values.length > 0 ? [...e.values] : undefined,
    }));
  }
  return out;
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/**
 * The `data.config` document as plain data with MetalLB's YAML keys, in the order MetalLB's
 * documentation writes them. Unset fields are left out.
 *
 * @example
 * ```ts
 * legacyConfigData(legacy); // { 'address-pools': [{ name: 'default', protocol: 'layer2', … }] }
 * ```
 */
export function legacyConfigData(config: LegacyConfig): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (config.peers.length > 0) {
    data.peers = config.peers.map((p) => ({
      'peer-address': p.peerAddress,
      'peer-asn': p.peerASN,
      'my-asn': p.myASN,
      'peer-port': p.peerPort,
      'source-address': p.sourceAddress,
      'router-id': p.routerID,
      'hold-time': p.holdTime,
      'keepalive-time': p.keepaliveTime,
      password: p.password,
      'bfd-profile': p.bfdProfile,
      'ebgp-multihop': p.ebgpMultiHop,
      'node-selectors': nonEmpty(p.nodeSelectors)?.map(selectorToLegacy),
    }));
  }
  if (Object.keys(config.bgpCommunities).length > 0) data['bgp-communities'] = { ...config.bgpCommunities };
  if (config.addressPools.length > 0) {
    data['address-pools'] = config.addressPools.map((pool) => ({
      name: pool.name,
      protocol: pool.protocol,
      addresses: [...pool.addresses],
      'auto-assign': pool.autoAssign,
      'avoid-buggy-ips': pool.avoidBuggyIPs,
      'bgp-advertisements': nonEmpty(pool.bgpAdvertisements)?.map((ad) => ({
        'aggregation-length': ad.aggregationLength,
        'aggregation-length-v6': ad.aggregationLengthV6,
        localpref: ad.localPref,
        communities: nonEmpty(ad.communities),
      })),
    }));
  }
  if (config.bfdProfiles.length > 0) {
    data['bfd-profiles'] = config.bfdProfiles.map((b) => ({
      name: b.name,
      'receive-interval': b.receiveInterval,
      'transmit-interval': b.transmitInterval,
      'detect-multiplier': b.detectMultiplier,
      'echo-interval': b.echoInterval,
      'echo-mode': b.echoMode,
      'passive-mode': b.passiveMode,
      'minimum-ttl': b.minimumTtl,
    }));
  }
  return data;
}

/** The legacy ConfigMap as a plain Kubernetes object (`data.config` holds the YAML text).
 *
 * @example
 * ```ts
 * toConfigMapObject(legacy).data; // { config: 'address-pools:\n- name: default\n…' }
 * ```
 */
export function toConfigMapObject(config: LegacyConfig): Record<string, unknown> {
  const data = legacyConfigData(config);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: config.name, namespace: config.namespace },
    data: { config: Object.keys(data).length > 0 ? emitYaml(data) : '' },
  };
}

/**
 * Writes the legacy ConfigMap as YAML, `data.config` as a literal block.
 *
 * @example
 * ```ts
 * emitConfigMap(parseConfigMap(text).config!); // "apiVersion: v1\nkind: ConfigMap\n…"
 * ```
 */
export function emitConfigMap(config: LegacyConfig): string {
  return emitYaml(toConfigMapObject(config));
}
