import type { Diagnostic, ResourceRef } from '@gateway/core';
import type { BGPMode } from '../configmap/validate.js';
import { anySelectorMatches, checkLabelSelector, selectorKey } from '../model/selectors.js';
import type {
  AddressPool,
  BGPAdvertisement,
  BGPPeer,
  CRDKind,
  LabelSelector,
  MetalLBConfig,
  ObjectMeta,
} from '../model/types.js';
import { type BGPCommunity, parseCommunity } from '../net/community.js';
import { parseGoDuration } from '../net/duration.js';
import type { AddressEntry } from '../net/ip.js';
import { parseIP } from '../net/ip.js';
import { DiagnosticSink, type PathSegment } from '../util/diagnostics.js';
import { locateIn } from '../util/origins.js';
import {
  ASN_MAX,
  checkAggregation,
  checkAggregationBounds,
  checkBfdValue,
  checkTimers,
  duplicateIndices,
  OverlapIndex,
  overlapMessage,
  parsePoolAddresses,
  type RuleProblem,
  resolveCommunity,
} from './rules.js';

export interface ValidateOptions {
  /** Apply the checks of MetalLB's native or FRR BGP implementation. */
  bgpMode?: BGPMode;
  /** Warn about pools no advertisement announces (default true). */
  warnUnannounced?: boolean;
}

/** The pools an advertisement applies to: named ones, label-selected ones, or all when it names none.
 *
 * @example
 * ```ts
 * poolsSelectedBy({ ipAddressPools: ['a'] }, config.pools); // [pool a]
 * ```
 */
export function poolsSelectedBy(
  ad: { ipAddressPools?: string[]; ipAddressPoolSelectors?: LabelSelector[] },
  pools: readonly AddressPool[],
): AddressPool[] {
  const names = ad.ipAddressPools ?? [];
  const selectors = ad.ipAddressPoolSelectors ?? [];
  if (names.length === 0 && selectors.length === 0) return [...pools];
  return pools.filter(
    (p) => names.includes(p.name) || (selectors.length > 0 && anySelectorMatches(selectors, p.labels)),
  );
}

class Checker {
  readonly sink = new DiagnosticSink();
  constructor(readonly config: MetalLBConfig) {}

  ref(kind: CRDKind, obj: ObjectMeta): ResourceRef {
    return { kind, namespace: obj.namespace ?? this.config.namespace, name: obj.name };
  }

  report(
    kind: CRDKind,
    obj: ObjectMeta,
    path: PathSegment[],
    message: string,
    code: string,
    severity: 'error' | 'warning' | 'notice' = 'error',
  ): void {
    this.sink.add(this.ref(kind, obj), path, message, code, severity, locateIn(obj, path, obj.source));
  }

  problems(kind: CRDKind, obj: ObjectMeta, base: PathSegment[], problems: RuleProblem[]): void {
    for (const p of problems)
      this.report(kind, obj, [...base, p.field], p.message, p.code, p.severity ?? 'error');
  }

  selectors(
    kind: CRDKind,
    obj: ObjectMeta,
    path: PathSegment[],
    selectors: LabelSelector[] | undefined,
    what: string,
  ): void {
    const seen = new Map<string, number>();
    (selectors ?? []).forEach((sel, i) => {
      for (const p of checkLabelSelector(sel))
        this.report(kind, obj, [...path, i, ...p.path], p.message, 'invalid-selector');
      const key = selectorKey(sel);
      const first = seen.get(key);
      if (first !== undefined) {
        this.report(
          kind,
          obj,
          [...path, i],
          `duplicate definition of ${what}: same as ${what}[${first}]`,
          'duplicate-selector',
        );
      } else seen.set(key, i);
    });
  }

  duplicates(
    kind: CRDKind,
    obj: ObjectMeta,
    path: PathSegment[],
    items: string[] | undefined,
    what: string,
  ): void {
    for (const d of duplicateIndices(items ?? [])) {
      this.report(
        kind,
        obj,
        [...path, d.index],
        `duplicate definition of ${what} ${JSON.stringify(items?.[d.index])}`,
        'duplicate-entry',
      );
    }
  }

  uniqueNames(kind: CRDKind, objects: readonly ObjectMeta[]): void {
    const seen = new Map<string, number>();
    objects.forEach((o, i) => {
      const key = `${o.namespace ?? this.config.namespace}/${o.name}`;
      const first = seen.get(key);
      if (first !== undefined) {
        this.report(
          kind,
          o,
          ['metadata', 'name'],
          `duplicate definition of ${kind} ${JSON.stringify(o.name)}: names must be unique (object #${first + 1} has it too)`,
          'duplicate-name',
        );
      } else seen.set(key, i);
    });
  }
}

/**
 * Checks a whole MetalLB configuration with MetalLB's rules (`internal/config`, the webhooks and
 * the CRDs' CEL rules) and returns every problem: bad or overlapping addresses, ASNs, timers,
 * aggregation lengths versus pool prefixes, conflicting local preferences, BFD ranges, duplicate
 * names and entries, and references to pools, peers, BFD profiles and community aliases that do
 * not exist. Never throws.
 *
 * @example
 * ```ts
 * const diagnostics = validateMetalLB(
 *   metallbConfig().add(addressPool('a').addresses('10.0.0.0/24'), addressPool('b').addresses('10.0.0.128/25')).build(),
 * );
 * // [{ resource: { kind: 'IPAddressPool', name: 'b', … }, path: 'spec.addresses[0]', message: 'CIDR "10.0.0.128/25" in pool "b" overlaps …' }]
 * ```
 */
export function validateMetalLB(config: MetalLBConfig, opts: ValidateOptions = {}): Diagnostic[] {
  const c = new Checker(config);
  const poolEntries = new Map<AddressPool, (AddressEntry | undefined)[]>();

  // Pools.
  c.uniqueNames('IPAddressPool', config.pools);
  const overlaps = new OverlapIndex();
  for (const pool of config.pools) {
    if (pool.namespace !== undefined && pool.namespace !== config.namespace) {
      c.report(
        'IPAddressPool',
        pool,
        ['metadata', 'namespace'],
        `MetalLB only reads pools in its own namespace ${JSON.stringify(config.namespace)}; this one is in ${JSON.stringify(pool.namespace)}`,
        'wrong-namespace',
        'warning',
      );
    }
    if (pool.addresses.length === 0) {
      c.report(
        'IPAddressPool',
        pool,
        ['spec', 'addresses'],
        'pool has no prefixes defined: expected at least one CIDR or IP range',
        'pool-no-addresses',
      );
    }
    const parsed = parsePoolAddresses(pool.addresses);
    poolEntries.set(pool, parsed.entries);
    for (const p of parsed.problems)
      c.report('IPAddressPool', pool, ['spec', 'addresses', p.index], p.message, p.code);
    parsed.entries.forEach((entry, j) => {
      for (const prefix of entry?.prefixes ?? []) {
        const hit = overlaps.add(prefix, pool.name);
        if (hit) {
          c.report(
            'IPAddressPool',
            pool,
            ['spec', 'addresses', j],
            overlapMessage(prefix, pool.name, hit),
            'cidr-overlap',
          );
          break;
        }
      }
    });
    const sa = pool.serviceAllocation;
    if (sa) {
      c.duplicates(
        'IPAddressPool',
        pool,
        ['spec', 'serviceAllocation', 'namespaces'],
        sa.namespaces,
        'namespace',
      );
      c.selectors(
        'IPAddressPool',
        pool,
        ['spec', 'serviceAllocation', 'namespaceSelectors'],
        sa.namespaceSelectors,
        'namespaceSelectors',
      );
      c.selectors(
        'IPAddressPool',
        pool,
        ['spec', 'serviceAllocation', 'serviceSelectors'],
        sa.serviceSelectors,
        'serviceSelectors',
      );
    }
  }

  // BFD profiles.
  c.uniqueNames('BFDProfile', config.bfdProfiles);
  const bfdByName = new Map(config.bfdProfiles.map((b) => [b.name, b]));
  for (const b of config.bfdProfiles) {
    c.problems(
      'BFDProfile',
      b,
      ['spec'],
      [
        ...checkBfdValue('detectMultiplier', 'detect multiplier', b.detectMultiplier),
        ...checkBfdValue('receiveInterval', 'receive interval', b.receiveInterval),
        ...checkBfdValue('transmitInterval', 'transmit interval', b.transmitInterval),
        ...checkBfdValue('minimumTtl', 'minimum ttl', b.minimumTtl),
        ...checkBfdValue('echoInterval', 'echo interval', b.echoInterval),
      ],
    );
  }

  // Peers.
  c.uniqueNames('BGPPeer', config.peers);
  const peerKeys = new Map<string, BGPPeer>();
  for (const peer of config.peers) {
    checkPeer(c, peer, bfdByName.has.bind(bfdByName), peerKeys);
  }

  // Communities.
  c.uniqueNames('Community', config.communities);
  const aliases = new Map<string, BGPCommunity>();
  for (const co of config.communities) {
    co.communities.forEach((alias, i) => {
      const base: PathSegment[] = ['spec', 'communities', i];
      if (alias.name === '')
        c.report('Community', co, [...base, 'name'], 'missing community alias name', 'missing-name');
      const parsed = parseCommunity(alias.value);
      if (!parsed.ok) {
        c.report(
          'Community',
          co,
          [...base, 'value'],
          `invalid community value ${JSON.stringify(alias.value)} for alias ${JSON.stringify(alias.name)}: expected <0-65535>:<0-65535> or large:<n>:<n>:<n>`,
          'invalid-community',
        );
        return;
      }
      if (aliases.has(alias.name)) {
        c.report(
          'Community',
          co,
          [...base, 'name'],
          `duplicate definition of community ${JSON.stringify(alias.name)}: aliases must be unique across Community objects`,
          'duplicate-community',
        );
        return;
      }
      aliases.set(alias.name, parsed.value);
    });
  }

  // BGP advertisements.
  c.uniqueNames('BGPAdvertisement', config.bgpAdvertisements);
  const peerNames = new Set(config.peers.map((p) => p.name));
  const poolNames = new Set(config.pools.map((p) => p.name));
  const adsPerPool = new Map<AddressPool, BGPAdvertisement[]>();
  for (const ad of config.bgpAdvertisements) {
    checkBGPAdvertisement(c, ad, {
      aliases,
      peerNames,
      poolNames,
      poolEntries,
      adsPerPool,
      bgpMode: opts.bgpMode,
    });
  }

  // L2 advertisements.
  c.uniqueNames('L2Advertisement', config.l2Advertisements);
  for (const ad of config.l2Advertisements) {
    const K = 'L2Advertisement';
    c.duplicates(K, ad, ['spec', 'ipAddressPools'], ad.ipAddressPools, 'ipAddressPools');
    (ad.ipAddressPools ?? []).forEach((name, i) => {
      if (!poolNames.has(name)) {
        c.report(
          K,
          ad,
          ['spec', 'ipAddressPools', i],
          `references IPAddressPool ${JSON.stringify(name)}, which does not exist`,
          'dangling-reference',
        );
      }
    });
    c.selectors(
      K,
      ad,
      ['spec', 'ipAddressPoolSelectors'],
      ad.ipAddressPoolSelectors,
      'ipAddressPoolSelectors',
    );
    c.selectors(K, ad, ['spec', 'nodeSelectors'], ad.nodeSelectors, 'nodeSelectors');
    c.selectors(K, ad, ['spec', 'serviceSelectors'], ad.serviceSelectors, 'serviceSelectors');
    c.duplicates(K, ad, ['spec', 'interfaces'], ad.interfaces, 'interface');
    (ad.preferredNodeSelectors ?? []).forEach((p, i) => {
      if (p.weight < 1 || p.weight > 100) {
        c.report(
          K,
          ad,
          ['spec', 'preferredNodeSelectors', i, 'weight'],
          `invalid weight ${p.weight}: expected a value from 1 to 100`,
          'out-of-range',
        );
      }
      for (const prob of checkLabelSelector(p.preference)) {
        c.report(
          K,
          ad,
          ['spec', 'preferredNodeSelectors', i, 'preference', ...prob.path],
          prob.message,
          'invalid-selector',
        );
      }
    });
  }

  // BFD echo cannot run over IPv6 sessions announcing IPv6 pools.
  for (const [pool, ads] of adsPerPool) {
    if (!(poolEntries.get(pool) ?? []).some((e) => e?.family === 6)) continue;
    for (const ad of ads) {
      const peers =
        ad.peers && ad.peers.length > 0
          ? config.peers.filter((p) => ad.peers?.includes(p.name))
          : config.peers;
      for (const peer of peers) {
        if (peer.bfdProfile && bfdByName.get(peer.bfdProfile)?.echoMode) {
          c.report(
            'BGPAdvertisement',
            ad,
            ['spec'],
            `pool ${JSON.stringify(pool.name)} has IPv6 addresses announced to peer ${JSON.stringify(peer.name)}, whose BFD profile ${JSON.stringify(peer.bfdProfile)} enables echo mode; BFD echo does not work with IPv6`,
            'bfd-echo-ipv6',
          );
        }
      }
    }
  }

  if (opts.bgpMode) checkMode(c, config, opts.bgpMode, poolEntries, adsPerPool);

  if (opts.warnUnannounced !== false) {
    for (const pool of config.pools) {
      const announced =
        adsPerPool.has(pool) ||
        config.l2Advertisements.some((ad) => poolsSelectedBy(ad, config.pools).includes(pool));
      if (!announced) {
        c.report(
          'IPAddressPool',
          pool,
          [],
          'no BGPAdvertisement or L2Advertisement selects this pool: its addresses are assigned but never announced',
          'pool-not-announced',
          'warning',
        );
      }
    }
  }
  return c.sink.diagnostics;
}

function checkPeer(
  c: Checker,
  peer: BGPPeer,
  hasBfd: (name: string) => boolean,
  peerKeys: Map<string, BGPPeer>,
): void {
  const K = 'BGPPeer';
  const s = (f: string): PathSegment[] => ['spec', f];
  let ok = true;
  if (peer.myASN === 0 || peer.myASN > ASN_MAX) {
    c.report(
      K,
      peer,
      s('myASN'),
      peer.myASN === 0
        ? `missing local ASN: expected myASN from 1 to ${ASN_MAX}`
        : `invalid local ASN ${peer.myASN}: expected myASN from 1 to ${ASN_MAX}`,
      'invalid-asn',
    );
    ok = false;
  }
  const hasPeerASN = peer.peerASN !== undefined && peer.peerASN !== 0;
  if (!hasPeerASN && !peer.dynamicASN) {
    c.report(
      K,
      peer,
      s('peerASN'),
      `missing peer ASN: expected peerASN from 1 to ${ASN_MAX}, or dynamicASN internal or external`,
      'invalid-asn',
    );
    ok = false;
  }
  if (hasPeerASN && peer.dynamicASN) {
    c.report(
      K,
      peer,
      s('dynamicASN'),
      'both peerASN and dynamicASN are set: expected exactly one of them',
      'exclusive-fields',
    );
    ok = false;
  }
  if (peer.dynamicASN && peer.dynamicASN !== 'internal' && peer.dynamicASN !== 'external') {
    c.report(
      K,
      peer,
      s('dynamicASN'),
      `invalid dynamicASN ${JSON.stringify(peer.dynamicASN)}: expected internal or external`,
      'invalid-enum',
    );
    ok = false;
  }
  if (hasPeerASN && peer.peerASN === peer.myASN && peer.ebgpMultiHop) {
    c.report(
      K,
      peer,
      s('ebgpMultiHop'),
      `invalid ebgp-multihop parameter set for an ibgp peer: peerASN equals myASN (${peer.myASN}); ebgpMultiHop only applies to eBGP peers`,
      'ebgp-multihop-ibgp',
    );
  }
  const hasAddress = peer.peerAddress !== undefined && peer.peerAddress !== '';
  const hasInterface = peer.interface !== undefined && peer.interface !== '';
  if (hasAddress && hasInterface) {
    c.report(
      K,
      peer,
      s('interface'),
      'both peerAddress and interface are set: expected exactly one of them',
      'exclusive-fields',
    );
  } else if (!hasAddress && !hasInterface) {
    c.report(
      K,
      peer,
      s('peerAddress'),
      'missing peerAddress: expected an IPv4 or IPv6 address (or interface for unnumbered BGP)',
      'invalid-ip',
    );
    ok = false;
  }
  const addr = hasAddress ? parseIP(peer.peerAddress as string) : undefined;
  if (hasAddress && !addr) {
    c.report(
      K,
      peer,
      s('peerAddress'),
      `invalid BGPPeer address ${JSON.stringify(peer.peerAddress)}: expected an IPv4 or IPv6 address`,
      'invalid-ip',
    );
    ok = false;
  }
  if (peer.sourceAddress && !parseIP(peer.sourceAddress)) {
    c.report(
      K,
      peer,
      s('sourceAddress'),
      `invalid source IP ${JSON.stringify(peer.sourceAddress)}: expected an IP address`,
      'invalid-ip',
    );
  }
  if (peer.routerID && !parseIP(peer.routerID)) {
    c.report(
      K,
      peer,
      s('routerID'),
      `invalid router ID ${JSON.stringify(peer.routerID)}: expected an IP address`,
      'invalid-ip',
    );
  }
  if (peer.peerPort !== undefined && peer.peerPort !== 0 && (peer.peerPort < 1 || peer.peerPort > 16384)) {
    c.report(
      K,
      peer,
      s('peerPort'),
      `invalid peerPort ${peer.peerPort}: expected a port from 1 to 16384`,
      'out-of-range',
    );
  }
  const timers = checkTimers(
    peer.holdTime,
    peer.keepaliveTime,
    { hold: 'holdTime', keepalive: 'keepaliveTime' },
    false,
  );
  c.problems(K, peer, ['spec'], timers.problems);
  if (peer.connectTime !== undefined) {
    const ct = parseGoDuration(peer.connectTime);
    if (!ct.ok) {
      c.report(
        K,
        peer,
        s('connectTime'),
        `invalid connect time ${JSON.stringify(peer.connectTime)}: ${ct.error}; expected a Go duration such as 10s`,
        'invalid-connect-time',
      );
    } else if (ct.ns % 1e9 !== 0) {
      c.report(
        K,
        peer,
        s('connectTime'),
        `invalid connect time ${JSON.stringify(peer.connectTime)}: expected a whole number of seconds`,
        'invalid-connect-time',
      );
    } else if (ct.ns < 1e9 || ct.ns > 65535e9) {
      c.report(
        K,
        peer,
        s('connectTime'),
        `invalid connect time ${JSON.stringify(peer.connectTime)}: expected 1s to 65535s`,
        'invalid-connect-time',
      );
    }
  }
  if (peer.password && peer.passwordSecret?.name) {
    c.report(
      K,
      peer,
      s('passwordSecret'),
      'both password and passwordSecret are set: expected at most one of them',
      'exclusive-fields',
    );
  }
  if (peer.bfdProfile && !hasBfd(peer.bfdProfile)) {
    c.report(
      K,
      peer,
      s('bfdProfile'),
      `references BFDProfile ${JSON.stringify(peer.bfdProfile)}, which does not exist`,
      'dangling-reference',
    );
  }
  c.selectors(K, peer, s('nodeSelectors'), peer.nodeSelectors, 'nodeSelectors');
  if (!ok) return;
  const { name: _n, namespace: _ns, labels: _l, annotations: _a, source: _s, ...spec } = peer;
  const key = JSON.stringify({ ...spec, nodeSelectors: (peer.nodeSelectors ?? []).map(selectorKey) });
  const same = peerKeys.get(key);
  if (same) {
    c.report(
      K,
      peer,
      ['spec'],
      `peer ${peer.name} already exists: it is identical to BGPPeer ${JSON.stringify(same.name)}`,
      'duplicate-peer',
    );
  } else peerKeys.set(key, peer);
}

interface AdContext {
  aliases: Map<string, BGPCommunity>;
  peerNames: Set<string>;
  poolNames: Set<string>;
  poolEntries: Map<AddressPool, (AddressEntry | undefined)[]>;
  adsPerPool: Map<AddressPool, BGPAdvertisement[]>;
  bgpMode: BGPMode | undefined;
}

function checkBGPAdvertisement(c: Checker, ad: BGPAdvertisement, ctx: AdContext): void {
  const K = 'BGPAdvertisement';
  const s = (f: string): PathSegment[] => ['spec', f];
  c.duplicates(K, ad, s('ipAddressPools'), ad.ipAddressPools, 'ipAddressPools');
  c.duplicates(K, ad, s('communities'), ad.communities, 'community');
  c.duplicates(K, ad, s('peers'), ad.peers, 'peers');
  c.selectors(K, ad, s('ipAddressPoolSelectors'), ad.ipAddressPoolSelectors, 'ipAddressPoolSelectors');
  c.selectors(K, ad, s('nodeSelectors'), ad.nodeSelectors, 'nodeSelectors');
  c.selectors(K, ad, s('serviceSelectors'), ad.serviceSelectors, 'serviceSelectors');
  (ad.ipAddressPools ?? []).forEach((name, i) => {
    if (!ctx.poolNames.has(name)) {
      c.report(
        K,
        ad,
        [...s('ipAddressPools'), i],
        `references IPAddressPool ${JSON.stringify(name)}, which does not exist`,
        'dangling-reference',
      );
    }
  });
  (ad.peers ?? []).forEach((name, i) => {
    if (!ctx.peerNames.has(name)) {
      c.report(
        K,
        ad,
        [...s('peers'), i],
        `references BGPPeer ${JSON.stringify(name)}, which does not exist`,
        'dangling-reference',
      );
    }
  });
  (ad.communities ?? []).forEach((text, i) => {
    const r = resolveCommunity(text, ctx.aliases, false);
    if (!r.ok) {
      const message =
        r.code === 'dangling-reference'
          ? `references community alias ${JSON.stringify(text)}, which no Community object defines; expected an alias or a value such as 65535:65281`
          : `invalid community ${JSON.stringify(text)} in BGP advertisement: expected <0-65535>:<0-65535>, large:<n>:<n>:<n> or an alias`;
      c.report(K, ad, [...s('communities'), i], message, r.code);
    } else if (ctx.bgpMode === 'native' && r.value.kind === 'large') {
      c.report(
        K,
        ad,
        [...s('communities'), i],
        `native BGP mode only supports standard communities; ${JSON.stringify(text)} is a large community`,
        'frr-only',
      );
    }
  });
  const fields = { v4: 'aggregationLength', v6: 'aggregationLengthV6' };
  const bounds = checkAggregationBounds(ad.aggregationLength, ad.aggregationLengthV6, fields);
  c.problems(K, ad, ['spec'], bounds);
  const v4 = ad.aggregationLength ?? 32;
  const v6 = ad.aggregationLengthV6 ?? 128;
  if ((ad.serviceSelectors ?? []).length > 0 && (v4 !== 32 || v6 !== 128)) {
    c.report(
      K,
      ad,
      s('serviceSelectors'),
      'serviceSelectors cannot be combined with a non-default aggregationLength or aggregationLengthV6',
      'service-selectors-aggregation',
    );
  }
  const selected = poolsSelectedBy(ad, c.config.pools);
  for (const pool of selected) {
    if (bounds.length === 0) {
      for (const p of checkAggregation({ v4, v6 }, fields, ctx.poolEntries.get(pool) ?? [])) {
        c.report(K, ad, ['spec', p.field], `${p.message} (pool ${JSON.stringify(pool.name)})`, p.code);
      }
    }
    const existing = ctx.adsPerPool.get(pool) ?? [];
    for (const other of existing) {
      if ((other.localPref ?? 0) !== (ad.localPref ?? 0) && !advertisementsCompatible(ad, other)) {
        c.report(
          K,
          ad,
          s('localPref'),
          `invalid local preference ${ad.localPref ?? 0}: BGPAdvertisement ${JSON.stringify(other.name)} already sets local preference ${other.localPref ?? 0} for the same announcements of pool ${JSON.stringify(pool.name)} (same pool, aggregation length, peers and nodes)`,
          'conflicting-local-pref',
        );
      }
    }
    existing.push(ad);
    ctx.adsPerPool.set(pool, existing);
  }
}

/**
 * MetalLB's `advertisementsAreCompatible`: two advertisements of one pool may set different
 * LOCAL_PREFs only if they never produce the same BGP update. Without Node objects we cannot
 * evaluate node selectors, so different node selectors count as compatible.
 */
function advertisementsCompatible(a: BGPAdvertisement, b: BGPAdvertisement): boolean {
  if (
    (a.aggregationLength ?? 32) !== (b.aggregationLength ?? 32) &&
    (a.aggregationLengthV6 ?? 128) !== (b.aggregationLengthV6 ?? 128)
  ) {
    return true;
  }
  const ap = a.peers ?? [];
  const bp = b.peers ?? [];
  if (ap.length > 0 && bp.length > 0 && !ap.some((p) => bp.includes(p))) return true;
  const nodes = (x: BGPAdvertisement) => (x.nodeSelectors ?? []).map(selectorKey).sort().join('|');
  return nodes(a) !== nodes(b);
}

function checkMode(
  c: Checker,
  config: MetalLBConfig,
  mode: BGPMode,
  poolEntries: Map<AddressPool, (AddressEntry | undefined)[]>,
  adsPerPool: Map<AddressPool, BGPAdvertisement[]>,
): void {
  const K = 'BGPPeer';
  if (mode === 'native') {
    const frrOnly: [keyof BGPPeer, string][] = [
      ['bfdProfile', 'bfdProfile'],
      ['keepaliveTime', 'keepaliveTime'],
      ['vrf', 'vrf'],
      ['connectTime', 'connectTime'],
      ['enableGracefulRestart', 'enableGracefulRestart'],
      ['disableMP', 'disableMP'],
      ['dynamicASN', 'dynamicASN'],
      ['interface', 'interface'],
    ];
    for (const peer of config.peers) {
      for (const [field, label] of frrOnly) {
        const v = peer[field];
        if (v === undefined || v === false || v === '') continue;
        if (field === 'keepaliveTime') {
          const d = parseGoDuration(String(v));
          if (d.ok && d.ns === 0) continue;
        }
        c.report(
          K,
          peer,
          ['spec', field],
          `peer ${peer.peerAddress ?? peer.name} has ${label} set on native bgp mode: it needs the FRR mode`,
          'frr-only',
        );
      }
    }
    for (const b of config.bfdProfiles) {
      c.report(
        'BFDProfile',
        b,
        [],
        'BFD profiles need the FRR mode; native bgp mode does not support them',
        'frr-only',
      );
    }
    for (const [pool] of adsPerPool) {
      (poolEntries.get(pool) ?? []).forEach((e, j) => {
        if (e?.family === 6) {
          c.report(
            'IPAddressPool',
            pool,
            ['spec', 'addresses', j],
            `pool ${JSON.stringify(pool.name)} has ipv6 CIDR ${e.text} announced over BGP, native bgp mode does not support ipv6`,
            'frr-only',
          );
        }
      });
    }
    return;
  }
  const first = config.peers[0];
  if (!first) return;
  const ids = new Map<string, BGPPeer>();
  for (const peer of config.peers) {
    if ((peer.routerID ?? '') !== (first.routerID ?? '')) {
      c.report(
        K,
        peer,
        ['spec', 'routerID'],
        `peer has routerID ${JSON.stringify(peer.routerID ?? '')}, different from ${JSON.stringify(first.routerID ?? '')} on ${first.name}: in FRR mode all router IDs must be equal`,
        'frr-router-id',
      );
    }
    const other = config.peers.find(
      (p) => p !== peer && p.myASN !== peer.myASN && (p.vrf ?? '') === (peer.vrf ?? ''),
    );
    if (other && config.peers.indexOf(other) < config.peers.indexOf(peer)) {
      c.report(
        K,
        peer,
        ['spec', 'myASN'],
        `peer has myASN ${peer.myASN}, different from ${other.myASN} on ${other.name}: in FRR mode all myASN must be equal for the same VRF`,
        'frr-my-asn',
      );
    }
    const id = `${peer.peerAddress || peer.interface || ''}-${peer.vrf ?? ''}`;
    const dup = ids.get(id);
    if (dup) {
      c.report(
        K,
        peer,
        ['spec', 'peerAddress'],
        `peer ${peer.peerAddress ?? peer.interface} already exists as ${dup.name}: FRR mode doesn't support duplicate BGPPeers`,
        'frr-duplicate-peer',
      );
    } else ids.set(id, peer);
  }
}
