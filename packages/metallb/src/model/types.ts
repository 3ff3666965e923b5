import type { SourceLocation } from '@gateway/core';

/**
 * The MetalLB model, shaped like MetalLB's CRDs (`metallb.io/v1beta1`, `BGPPeer` `v1beta2`) with
 * camelCase fields. Optional fields left `undefined` mean "not set" and are omitted when emitted,
 * so a parsed object re-emits as written. The legacy ConfigMap has its own shape in
 * `../configmap/types.ts`; `convertConfigMapToCRDs` maps it onto this one.
 */

/** MetalLB's namespace; its CRDs are only read there. */
export const DEFAULT_METALLB_NAMESPACE = 'metallb-system';

/** A Kubernetes label selector (`metav1.LabelSelector`). An empty selector matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: string;
  values?: string[];
}

/** Fields every MetalLB object carries. */
export interface ObjectMeta {
  name: string;
  /** Defaults to the config's namespace (`metallb-system`). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Where the object was read from; never emitted. */
  source?: SourceLocation;
}

/** Restricts which Services may get addresses from a pool (`IPAddressPool.spec.serviceAllocation`). */
export interface ServiceAllocation {
  /** Lower values are tried first; 0 or unset means "after every pool with a priority". */
  priority?: number;
  namespaces?: string[];
  namespaceSelectors?: LabelSelector[];
  serviceSelectors?: LabelSelector[];
}

/**
 * `IPAddressPool`: addresses MetalLB may hand out.
 *
 * @example
 * ```ts
 * const pool: AddressPool = { name: 'prod', addresses: ['192.168.10.0/24', 'fc00::/120'], autoAssign: false };
 * ```
 */
export interface AddressPool extends ObjectMeta {
  /** CIDRs (`192.168.10.0/24`) or inclusive ranges (`192.168.10.10-192.168.10.20`), IPv4 or IPv6. */
  addresses: string[];
  /** Default true; false means only Services that ask for this pool or its addresses get them. */
  autoAssign?: boolean;
  /** Default false; true skips IPv4 addresses ending in .0 and .255. */
  avoidBuggyIPs?: boolean;
  serviceAllocation?: ServiceAllocation;
}

/** `corev1.SecretReference`; MetalLB's converter always writes an empty one. */
export interface SecretReference {
  name?: string;
  namespace?: string;
}

/**
 * `BGPPeer` (`metallb.io/v1beta2`): one BGP session per selected node.
 *
 * @example
 * ```ts
 * const peer: BGPPeer = { name: 'tor', myASN: 64512, peerASN: 64513, peerAddress: '10.0.0.1', holdTime: '90s' };
 * ```
 */
export interface BGPPeer extends ObjectMeta {
  /** Local AS number, 1–4294967295 (required). */
  myASN: number;
  /** Remote AS number, 1–4294967295; exactly one of `peerASN` and `dynamicASN`. */
  peerASN?: number;
  /** Accept any remote ASN of this kind instead of a fixed `peerASN`. */
  dynamicASN?: 'internal' | 'external';
  /** Passed through unchanged (newer MetalLB releases). */
  localASN?: number;
  /** Address to dial; exactly one of `peerAddress` and `interface`. */
  peerAddress?: string;
  /** Node interface for unnumbered BGP peering. */
  interface?: string;
  sourceAddress?: string;
  /** 1–16384; default 179. */
  peerPort?: number;
  /** Go duration (`90s`, `1m30s`); 0 or at least 3s. */
  holdTime?: string;
  /** Go duration; at most `holdTime`. */
  keepaliveTime?: string;
  /** Go duration, whole seconds, 1–65535s. */
  connectTime?: string;
  routerID?: string;
  /** The session is set up on nodes matching any selector; none means every node. */
  nodeSelectors?: LabelSelector[];
  /** TCP MD5 password; exclusive with a named `passwordSecret`. */
  password?: string;
  /** A `kubernetes.io/basic-auth` Secret holding key `password`. */
  passwordSecret?: SecretReference;
  /** Name of a `BFDProfile`. */
  bfdProfile?: string;
  enableGracefulRestart?: boolean;
  ebgpMultiHop?: boolean;
  vrf?: string;
  disableMP?: boolean;
  dualStackAddressFamily?: boolean;
}

/** `BGPAdvertisement`: how addresses of the selected pools are announced over BGP. */
export interface BGPAdvertisement extends ObjectMeta {
  /** IPv4 prefix length to announce (default 32); must not be shorter than any pool prefix. */
  aggregationLength?: number;
  /** IPv6 prefix length to announce (default 128). */
  aggregationLengthV6?: number;
  /** LOCAL_PREF for iBGP peers. */
  localPref?: number;
  /** `a:b`, `large:a:b:c`, or the name of an alias from a `Community` object. */
  communities?: string[];
  /** Pools by name; with no pools and no pool selectors, every pool. */
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  nodeSelectors?: LabelSelector[];
  /** `BGPPeer` names; none means every peer. */
  peers?: string[];
  serviceSelectors?: LabelSelector[];
}

/** `preferredNodeSelectors` entry of an `L2Advertisement`. */
export interface PreferredNodeSelector {
  /** 1–100. */
  weight: number;
  preference: LabelSelector;
}

/** `L2Advertisement`: addresses of the selected pools are answered for with ARP/NDP. */
export interface L2Advertisement extends ObjectMeta {
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  nodeSelectors?: LabelSelector[];
  interfaces?: string[];
  serviceSelectors?: LabelSelector[];
  preferredNodeSelectors?: PreferredNodeSelector[];
}

/** One named community alias. */
export interface CommunityAlias {
  name: string;
  /** `a:b` (standard) or `large:a:b:c`. */
  value: string;
}

/** `Community`: named aliases usable in `BGPAdvertisement.communities`. */
export interface Community extends ObjectMeta {
  communities: CommunityAlias[];
}

/** `BFDProfile`: BFD timers for peers that name it in `bfdProfile`. */
export interface BFDProfile extends ObjectMeta {
  /** Milliseconds, 10–60000. */
  receiveInterval?: number;
  /** Milliseconds, 10–60000. */
  transmitInterval?: number;
  /** 2–255. */
  detectMultiplier?: number;
  /** Milliseconds, 10–60000. */
  echoInterval?: number;
  echoMode?: boolean;
  passiveMode?: boolean;
  /** 1–254. */
  minimumTtl?: number;
}

/**
 * A whole MetalLB configuration: every object the controller and speakers read.
 *
 * @example
 * ```ts
 * const config: MetalLBConfig = {
 *   namespace: 'metallb-system',
 *   pools: [{ name: 'lan', addresses: ['192.168.1.240/28'] }],
 *   peers: [], bgpAdvertisements: [], l2Advertisements: [{ name: 'lan', ipAddressPools: ['lan'] }],
 *   communities: [], bfdProfiles: [],
 * };
 * ```
 */
export interface MetalLBConfig {
  namespace: string;
  pools: AddressPool[];
  peers: BGPPeer[];
  bgpAdvertisements: BGPAdvertisement[];
  l2Advertisements: L2Advertisement[];
  communities: Community[];
  bfdProfiles: BFDProfile[];
}

/** An empty configuration in `namespace`. */
export function emptyConfig(namespace = DEFAULT_METALLB_NAMESPACE): MetalLBConfig {
  return {
    namespace,
    pools: [],
    peers: [],
    bgpAdvertisements: [],
    l2Advertisements: [],
    communities: [],
    bfdProfiles: [],
  };
}

/** CRD kinds, with the API version MetalLB stores them in. */
export const CRD_API_VERSIONS = {
  IPAddressPool: 'metallb.io/v1beta1',
  BGPPeer: 'metallb.io/v1beta2',
  BGPAdvertisement: 'metallb.io/v1beta1',
  L2Advertisement: 'metallb.io/v1beta1',
  Community: 'metallb.io/v1beta1',
  BFDProfile: 'metallb.io/v1beta1',
} as const;

export type CRDKind = keyof typeof CRD_API_VERSIONS;
