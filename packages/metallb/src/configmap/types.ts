import type { SourceLocation } from '@gateway/core';
import type { LabelSelector } from '../model/types.js';

/**
 * The legacy MetalLB configuration (≤ v0.12): ConfigMap `config` in `metallb-system`, key
 * `data.config`, a YAML document with `peers`, `bgp-communities`, `address-pools` and
 * `bfd-profiles`. Field names are camelCase here; the YAML keys are in the TSDoc. Durations stay
 * text so a parsed file re-emits as written.
 */

/** `peers[]`. */
export interface LegacyPeer {
  /** `my-asn` (required, ≠ 0). */
  myASN: number;
  /** `peer-asn` (required, ≠ 0). */
  peerASN: number;
  /** `peer-address` (required). */
  peerAddress: string;
  /** `source-address`. */
  sourceAddress?: string;
  /** `peer-port` (default 179). */
  peerPort?: number;
  /** `hold-time`, Go duration (default 90s). */
  holdTime?: string;
  /** `keepalive-time`, Go duration (default hold-time / 3). */
  keepaliveTime?: string;
  /** `router-id`. */
  routerID?: string;
  /** `password` (TCP MD5). */
  password?: string;
  /** `bfd-profile`: a name from `bfd-profiles`. */
  bfdProfile?: string;
  /** `ebgp-multihop`. */
  ebgpMultiHop?: boolean;
  /** `node-selectors[]` (`match-labels`, `match-expressions`). */
  nodeSelectors?: LabelSelector[];
}

/** `address-pools[].bgp-advertisements[]`. */
export interface LegacyBGPAdvertisement {
  /** `aggregation-length` (default 32). */
  aggregationLength?: number;
  /** `aggregation-length-v6` (default 128). */
  aggregationLengthV6?: number;
  /** `localpref`. */
  localPref?: number;
  /** `communities[]`: `a:b` or an alias from `bgp-communities`. */
  communities?: string[];
}

/** `address-pools[]`. */
export interface LegacyAddressPool {
  name: string;
  /** `protocol`: `bgp` or `layer2` (required). */
  protocol: string;
  addresses: string[];
  /** `avoid-buggy-ips` (default false). */
  avoidBuggyIPs?: boolean;
  /** `auto-assign` (default true). */
  autoAssign?: boolean;
  /** `bgp-advertisements[]` (bgp pools only). */
  bgpAdvertisements?: LegacyBGPAdvertisement[];
}

/** `bfd-profiles[]`. */
export interface LegacyBFDProfile {
  name: string;
  /** `receive-interval`. */
  receiveInterval?: number;
  /** `transmit-interval`. */
  transmitInterval?: number;
  /** `detect-multiplier`. */
  detectMultiplier?: number;
  /** `echo-interval`. */
  echoInterval?: number;
  /** `echo-mode`. */
  echoMode?: boolean;
  /** `passive-mode`. */
  passiveMode?: boolean;
  /** `minimum-ttl`. */
  minimumTtl?: number;
}

/**
 * A parsed legacy ConfigMap.
 *
 * @example
 * ```ts
 * const legacy: LegacyConfig = {
 *   namespace: 'metallb-system', name: 'config', peers: [], bgpCommunities: {}, bfdProfiles: [],
 *   addressPools: [{ name: 'default', protocol: 'layer2', addresses: ['192.168.1.240/28'] }],
 * };
 * ```
 */
export interface LegacyConfig {
  /** The ConfigMap's namespace (`metallb-system`); CRDs converted from it go there too. */
  namespace: string;
  /** The ConfigMap's name (MetalLB reads `config`). */
  name: string;
  peers: LegacyPeer[];
  /** `bgp-communities`: alias → `a:b`, in file order. */
  bgpCommunities: Record<string, string>;
  addressPools: LegacyAddressPool[];
  bfdProfiles: LegacyBFDProfile[];
  /** Where `data.config` starts; never emitted. */
  source?: SourceLocation;
}

/** ConfigMap name and key MetalLB reads. */
export const LEGACY_CONFIGMAP_NAME = 'config';
export const LEGACY_CONFIGMAP_KEY = 'config';
