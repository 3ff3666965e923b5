import type {
  AddressPool,
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  Community,
  L2Advertisement,
  LabelSelector,
  MetalLBConfig,
  PreferredNodeSelector,
  SecretReference,
} from './types.js';
import { DEFAULT_METALLB_NAMESPACE, emptyConfig } from './types.js';

/**
 * Typed fluent builders for the MetalLB model. Each setter returns the builder; `build()` returns
 * a fresh plain object, so one builder can stamp out several objects.
 */

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** The keys of `T` whose values are (optional) arrays. */
type ListField<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];

abstract class ObjectBuilder<T extends { name: string; labels?: Record<string, string> }> {
  protected readonly value: T;

  protected constructor(value: T) {
    this.value = value;
  }

  /** Sets `metadata.namespace` (defaults to the config's namespace when emitted). */
  namespace(namespace: string): this {
    (this.value as { namespace?: string }).namespace = namespace;
    return this;
  }

  /** Merges labels into `metadata.labels` (pool selectors match on these). */
  labels(labels: Record<string, string>): this {
    this.value.labels = { ...(this.value.labels ?? {}), ...labels };
    return this;
  }

  build(): T {
    return copy(this.value);
  }

  /** Appends `items` to the optional list field `key`, creating it on first use. */
  protected append<K extends ListField<T>>(key: K, items: NonNullable<T[K]>): this {
    const list = (this.value[key] ?? []) as readonly unknown[];
    this.value[key] = [...list, ...(items as readonly unknown[])] as T[K];
    return this;
  }
}

/** Builds an `IPAddressPool`.
 *
 * @example
 * ```ts
 * new AddressPoolBuilder('prod').addresses('192.168.10.0/24').build(); // same as addressPool('prod')…
 * ```
 */
export class AddressPoolBuilder extends ObjectBuilder<AddressPool> {
  readonly kind = 'IPAddressPool' as const;

  constructor(name: string) {
    super({ name, addresses: [] });
  }

  /** Appends CIDRs or `a-b` ranges. */
  addresses(...entries: string[]): this {
    this.value.addresses.push(...entries);
    return this;
  }

  autoAssign(enabled: boolean): this {
    this.value.autoAssign = enabled;
    return this;
  }

  avoidBuggyIPs(enabled: boolean): this {
    this.value.avoidBuggyIPs = enabled;
    return this;
  }

  /** Lower is tried first; pools without a priority come after those with one. */
  priority(priority: number): this {
    this.value.serviceAllocation = { ...(this.value.serviceAllocation ?? {}), priority };
    return this;
  }

  private allocation(): NonNullable<AddressPool['serviceAllocation']> {
    if (!this.value.serviceAllocation) this.value.serviceAllocation = {};
    return this.value.serviceAllocation;
  }

  /** Only Services in these namespaces may use the pool. */
  namespaces(...namespaces: string[]): this {
    const sa = this.allocation();
    sa.namespaces = [...(sa.namespaces ?? []), ...namespaces];
    return this;
  }

  namespaceSelectors(...selectors: LabelSelector[]): this {
    const sa = this.allocation();
    sa.namespaceSelectors = [...(sa.namespaceSelectors ?? []), ...selectors];
    return this;
  }

  /** Only Services whose labels match one of these may use the pool. */
  serviceSelectors(...selectors: LabelSelector[]): this {
    const sa = this.allocation();
    sa.serviceSelectors = [...(sa.serviceSelectors ?? []), ...selectors];
    return this;
  }
}

/** Builds a `BGPPeer`.
 *
 * @example
 * ```ts
 * new BGPPeerBuilder('tor').myASN(64512).peerASN(64513).peerAddress('10.0.0.1').build();
 * ```
 */
export class BGPPeerBuilder extends ObjectBuilder<BGPPeer> {
  readonly kind = 'BGPPeer' as const;

  constructor(name: string) {
    super({ name, myASN: 0 });
  }

  myASN(asn: number): this {
    this.value.myASN = asn;
    return this;
  }

  peerASN(asn: number): this {
    this.value.peerASN = asn;
    return this;
  }

  dynamicASN(mode: 'internal' | 'external'): this {
    this.value.dynamicASN = mode;
    return this;
  }

  peerAddress(address: string): this {
    this.value.peerAddress = address;
    return this;
  }

  interface(name: string): this {
    this.value.interface = name;
    return this;
  }

  sourceAddress(address: string): this {
    this.value.sourceAddress = address;
    return this;
  }

  peerPort(port: number): this {
    this.value.peerPort = port;
    return this;
  }

  /** Go duration text, e.g. `90s`. */
  holdTime(duration: string): this {
    this.value.holdTime = duration;
    return this;
  }

  keepaliveTime(duration: string): this {
    this.value.keepaliveTime = duration;
    return this;
  }

  connectTime(duration: string): this {
    this.value.connectTime = duration;
    return this;
  }

  routerID(id: string): this {
    this.value.routerID = id;
    return this;
  }

  nodeSelectors(...selectors: LabelSelector[]): this {
    return this.append('nodeSelectors', selectors);
  }

  password(password: string): this {
    this.value.password = password;
    return this;
  }

  passwordSecret(ref: SecretReference): this {
    this.value.passwordSecret = { ...ref };
    return this;
  }

  bfdProfile(name: string): this {
    this.value.bfdProfile = name;
    return this;
  }

  ebgpMultiHop(enabled: boolean): this {
    this.value.ebgpMultiHop = enabled;
    return this;
  }

  enableGracefulRestart(enabled: boolean): this {
    this.value.enableGracefulRestart = enabled;
    return this;
  }

  vrf(name: string): this {
    this.value.vrf = name;
    return this;
  }

  disableMP(disabled: boolean): this {
    this.value.disableMP = disabled;
    return this;
  }

  dualStackAddressFamily(enabled: boolean): this {
    this.value.dualStackAddressFamily = enabled;
    return this;
  }
}

/** Builds a `BGPAdvertisement`.
 *
 * @example
 * ```ts
 * new BGPAdvertisementBuilder('adv').ipAddressPools('prod').localPref(100).build();
 * ```
 */
export class BGPAdvertisementBuilder extends ObjectBuilder<BGPAdvertisement> {
  readonly kind = 'BGPAdvertisement' as const;

  constructor(name: string) {
    super({ name });
  }

  aggregationLength(bits: number): this {
    this.value.aggregationLength = bits;
    return this;
  }

  aggregationLengthV6(bits: number): this {
    this.value.aggregationLengthV6 = bits;
    return this;
  }

  localPref(pref: number): this {
    this.value.localPref = pref;
    return this;
  }

  communities(...communities: string[]): this {
    return this.append('communities', communities);
  }

  ipAddressPools(...pools: string[]): this {
    return this.append('ipAddressPools', pools);
  }

  ipAddressPoolSelectors(...selectors: LabelSelector[]): this {
    return this.append('ipAddressPoolSelectors', selectors);
  }

  nodeSelectors(...selectors: LabelSelector[]): this {
    return this.append('nodeSelectors', selectors);
  }

  peers(...peers: string[]): this {
    return this.append('peers', peers);
  }

  serviceSelectors(...selectors: LabelSelector[]): this {
    return this.append('serviceSelectors', selectors);
  }
}

/** Builds an `L2Advertisement`.
 *
 * @example
 * ```ts
 * new L2AdvertisementBuilder('lan').ipAddressPools('lan').build();
 * ```
 */
export class L2AdvertisementBuilder extends ObjectBuilder<L2Advertisement> {
  readonly kind = 'L2Advertisement' as const;

  constructor(name: string) {
    super({ name });
  }

  ipAddressPools(...pools: string[]): this {
    return this.append('ipAddressPools', pools);
  }

  ipAddressPoolSelectors(...selectors: LabelSelector[]): this {
    return this.append('ipAddressPoolSelectors', selectors);
  }

  nodeSelectors(...selectors: LabelSelector[]): this {
    return this.append('nodeSelectors', selectors);
  }

  interfaces(...names: string[]): this {
    return this.append('interfaces', names);
  }

  serviceSelectors(...selectors: LabelSelector[]): this {
    return this.append('serviceSelectors', selectors);
  }

  preferredNodeSelectors(...selectors: PreferredNodeSelector[]): this {
    return this.append('preferredNodeSelectors', selectors);
  }
}

/** Builds a `Community` (a set of named aliases).
 *
 * @example
 * ```ts
 * new CommunityBuilder('communities').alias('no-export', '65535:65281').build();
 * ```
 */
export class CommunityBuilder extends ObjectBuilder<Community> {
  readonly kind = 'Community' as const;

  constructor(name: string) {
    super({ name, communities: [] });
  }

  /** Adds alias `name` for `value` (`a:b` or `large:a:b:c`). */
  alias(name: string, value: string): this {
    this.value.communities.push({ name, value });
    return this;
  }
}

/** Builds a `BFDProfile`.
 *
 * @example
 * ```ts
 * new BFDProfileBuilder('fast').detectMultiplier(3).build();
 * ```
 */
export class BFDProfileBuilder extends ObjectBuilder<BFDProfile> {
  readonly kind = 'BFDProfile' as const;

  constructor(name: string) {
    super({ name });
  }

  receiveInterval(ms: number): this {
    this.value.receiveInterval = ms;
    return this;
  }

  transmitInterval(ms: number): this {
    this.value.transmitInterval = ms;
    return this;
  }

  detectMultiplier(n: number): this {
    this.value.detectMultiplier = n;
    return this;
  }

  echoInterval(ms: number): this {
    this.value.echoInterval = ms;
    return this;
  }

  echoMode(enabled: boolean): this {
    this.value.echoMode = enabled;
    return this;
  }

  passiveMode(enabled: boolean): this {
    this.value.passiveMode = enabled;
    return this;
  }

  minimumTtl(ttl: number): this {
    this.value.minimumTtl = ttl;
    return this;
  }
}

/** Any object builder `MetalLBConfigBuilder.add` accepts. */
export type MetalLBObjectBuilder =
  | AddressPoolBuilder
  | BGPPeerBuilder
  | BGPAdvertisementBuilder
  | L2AdvertisementBuilder
  | CommunityBuilder
  | BFDProfileBuilder;

/** Collects objects into a `MetalLBConfig`, keeping insertion order.
 *
 * @example
 * ```ts
 * new MetalLBConfigBuilder('metallb-system').add(addressPool('a').addresses('10.0.0.0/24')).build();
 * ```
 */
export class MetalLBConfigBuilder {
  private readonly items: MetalLBObjectBuilder[] = [];

  constructor(private readonly ns: string) {}

  add(...builders: MetalLBObjectBuilder[]): this {
    this.items.push(...builders);
    return this;
  }

  build(): MetalLBConfig {
    const config = emptyConfig(this.ns);
    for (const b of this.items) {
      switch (b.kind) {
        case 'IPAddressPool':
          config.pools.push(b.build());
          break;
        case 'BGPPeer':
          config.peers.push(b.build());
          break;
        case 'BGPAdvertisement':
          config.bgpAdvertisements.push(b.build());
          break;
        case 'L2Advertisement':
          config.l2Advertisements.push(b.build());
          break;
        case 'Community':
          config.communities.push(b.build());
          break;
        case 'BFDProfile':
          config.bfdProfiles.push(b.build());
          break;
      }
    }
    return config;
  }
}

/**
 * Starts an `IPAddressPool`.
 *
 * @example
 * ```ts
 * addressPool('prod').addresses('192.168.10.0/24').autoAssign(false).build();
 * ```
 */
export function addressPool(name: string): AddressPoolBuilder {
  return new AddressPoolBuilder(name);
}

/**
 * Starts a `BGPPeer`.
 *
 * @example
 * ```ts
 * bgpPeer('tor1').myASN(64512).peerASN(64513).peerAddress('10.0.0.1').holdTime('90s').build();
 * ```
 */
export function bgpPeer(name: string): BGPPeerBuilder {
  return new BGPPeerBuilder(name);
}

/**
 * Starts a `BGPAdvertisement`.
 *
 * @example
 * ```ts
 * bgpAdvertisement('prod').ipAddressPools('prod').aggregationLength(24).communities('no-export').build();
 * ```
 */
export function bgpAdvertisement(name: string): BGPAdvertisementBuilder {
  return new BGPAdvertisementBuilder(name);
}

/**
 * Starts an `L2Advertisement`.
 *
 * @example
 * ```ts
 * l2Advertisement('lan').ipAddressPools('lan').interfaces('eth0').build();
 * ```
 */
export function l2Advertisement(name: string): L2AdvertisementBuilder {
  return new L2AdvertisementBuilder(name);
}

/**
 * Starts a `Community` holding aliases.
 *
 * @example
 * ```ts
 * community('communities').alias('no-export', '65535:65281').build();
 * ```
 */
export function community(name: string): CommunityBuilder {
  return new CommunityBuilder(name);
}

/**
 * Starts a `BFDProfile`.
 *
 * @example
 * ```ts
 * bfdProfile('fast').receiveInterval(100).transmitInterval(100).detectMultiplier(3).build();
 * ```
 */
export function bfdProfile(name: string): BFDProfileBuilder {
  return new BFDProfileBuilder(name);
}

/**
 * Starts a whole configuration.
 *
 * @example
 * ```ts
 * const config = metallbConfig()
 *   .add(addressPool('lan').addresses('192.168.1.240/28'))
 *   .add(l2Advertisement('lan').ipAddressPools('lan'))
 *   .build();
 * ```
 */
export function metallbConfig(namespace: string = DEFAULT_METALLB_NAMESPACE): MetalLBConfigBuilder {
  return new MetalLBConfigBuilder(namespace);
}
