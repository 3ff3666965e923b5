import type { Diagnostic, ResourceRef } from '@gateway/core';
import { checkLabelSelector, selectorKey } from '../model/selectors.js';
import type { LabelSelector } from '../model/types.js';
import type { BGPCommunity } from '../net/community.js';
import { parseIP } from '../net/ip.js';
import { DiagnosticSink, type PathSegment } from '../util/diagnostics.js';
import {
  ASN_MAX,
  checkAggregation,
  checkAggregationBounds,
  checkBfdValue,
  checkTimers,
  communityKey,
  OverlapIndex,
  overlapMessage,
  parsePoolAddresses,
  type RuleProblem,
  resolveCommunity,
} from '../validate/rules.js';
import type { LegacyOrigins } from './parse.js';
import type { LegacyConfig } from './types.js';

/**
 * Which BGP implementation the speakers run. MetalLB checks the configuration against it:
 * `native` rejects FRR-only features, `frr` (and `frr-k8s`) requires one router ID and one local
 * ASN (per VRF) across peers and no duplicate peers.
 */
export type BGPMode = 'native' | 'frr' | 'frr-k8s';

export interface LegacyValidateOptions {
  bgpMode?: BGPMode;
  /** Source positions and original indices, when the config was parsed from text. */
  origins?: LegacyOrigins;
}

const LEGACY_FIELD_NAMES: Record<string, string> = {
  receiveInterval: 'receive-interval',
  transmitInterval: 'transmit-interval',
  detectMultiplier: 'detect-multiplier',
  echoInterval: 'echo-interval',
  minimumTtl: 'minimum-ttl',
};

/**
 * MetalLB v0.12.1's configuration rules (`internal/config/config.go`) applied to a legacy
 * config, reporting every problem instead of stopping at the first. Paths are under
 * `data.config` (`data.config.address-pools[1].addresses[0]`).
 *
 * @example
 * ```ts
 * validateLegacyConfig({ namespace: 'metallb-system', name: 'config', peers: [], bgpCommunities: {},
 *   bfdProfiles: [], addressPools: [{ name: 'a', protocol: 'l2', addresses: ['10.0.0.0/24'] }] });
 * // [{ path: 'data.config.address-pools[0].protocol', message: 'unknown protocol "l2": expected bgp or layer2', … }]
 * ```
 */
export function validateLegacyConfig(config: LegacyConfig, opts: LegacyValidateOptions = {}): Diagnostic[] {
  const sink = new DiagnosticSink();
  const ref: ResourceRef = { kind: 'ConfigMap', namespace: config.namespace, name: config.name };
  const indexOf = (item: object, fallback: number) => opts.origins?.index.get(item) ?? fallback;
  const report = (
    path: PathSegment[],
    message: string,
    code: string,
    severity: 'error' | 'warning' = 'error',
  ) => {
    sink.add(ref, ['data', 'config', ...path], message, code, severity, opts.origins?.locate(path));
  };
  const reportProblems = (
    base: PathSegment[],
    problems: RuleProblem[],
    names: Record<string, string> = {},
  ) => {
    for (const p of problems) report([...base, names[p.field] ?? p.field], p.message, p.code, p.severity);
  };
  const reportSelectors = (base: PathSegment[], selectors: LabelSelector[] | undefined) => {
    const legacyNames: Record<string, string> = {
      matchLabels: 'match-labels',
      matchExpressions: 'match-expressions',
    };
    const seen = new Map<string, number>();
    (selectors ?? []).forEach((sel, i) => {
      for (const p of checkLabelSelector(sel)) {
        report(
          [...base, i, ...p.path.map((s) => (typeof s === 'string' ? (legacyNames[s] ?? s) : s))],
          p.message,
          'invalid-selector',
        );
      }
      const key = selectorKey(sel);
      const first = seen.get(key);
      if (first !== undefined)
        report(
          [...base, i],
          `duplicate node selector: same as node-selectors[${first}]`,
          'duplicate-selector',
        );
      else seen.set(key, i);
    });
  };

  if (opts.bgpMode) checkMode(config, opts.bgpMode, indexOf, report);

  // bfd-profiles
  const bfdNames = new Map<string, number>();
  config.bfdProfiles.forEach((p, fallback) => {
    const i = indexOf(p, fallback);
    const base: PathSegment[] = ['bfd-profiles', i];
    if (p.name === '') report([...base, 'name'], 'missing bfd profile name', 'missing-name');
    else if (bfdNames.has(p.name)) {
      report(
        [...base, 'name'],
        `duplicate bfd profile name ${JSON.stringify(p.name)}: already defined at bfd-profiles[${bfdNames.get(p.name)}]`,
        'duplicate-name',
      );
    } else bfdNames.set(p.name, i);
    reportProblems(
      base,
      [
        ...checkBfdValue('detectMultiplier', 'detect multiplier', p.detectMultiplier),
        ...checkBfdValue('receiveInterval', 'receive interval', p.receiveInterval),
        ...checkBfdValue('transmitInterval', 'transmit interval', p.transmitInterval),
        ...checkBfdValue('minimumTtl', 'minimum ttl', p.minimumTtl),
        ...checkBfdValue('echoInterval', 'echo interval', p.echoInterval),
      ],
      LEGACY_FIELD_NAMES,
    );
  });

  // peers
  const peerKeys = new Map<string, number>();
  config.peers.forEach((peer, fallback) => {
    const i = indexOf(peer, fallback);
    const base: PathSegment[] = ['peers', i];
    let ok = true;
    if (peer.myASN === 0) {
      report([...base, 'my-asn'], `missing local ASN: expected my-asn from 1 to ${ASN_MAX}`, 'missing-asn');
      ok = false;
    }
    if (peer.peerASN === 0) {
      report(
        [...base, 'peer-asn'],
        `missing peer ASN: expected peer-asn from 1 to ${ASN_MAX}`,
        'missing-asn',
      );
      ok = false;
    }
    if (peer.peerASN !== 0 && peer.peerASN === peer.myASN && peer.ebgpMultiHop) {
      report(
        [...base, 'ebgp-multihop'],
        `invalid ebgp-multihop parameter set for an ibgp peer: peer-asn equals my-asn (${peer.myASN}); ebgp-multihop only applies to eBGP peers`,
        'ebgp-multihop-ibgp',
      );
      ok = false;
    }
    const addr = parseIP(peer.peerAddress);
    if (!addr) {
      report(
        [...base, 'peer-address'],
        peer.peerAddress === ''
          ? 'missing peer-address: expected an IPv4 or IPv6 address'
          : `invalid peer IP ${JSON.stringify(peer.peerAddress)}: expected an IPv4 or IPv6 address`,
        'invalid-ip',
      );
      ok = false;
    }
    const timers = checkTimers(
      peer.holdTime,
      peer.keepaliveTime,
      { hold: 'hold-time', keepalive: 'keepalive-time' },
      true,
    );
    reportProblems(base, timers.problems);
    if (timers.problems.length > 0) ok = false;
    if (peer.routerID !== undefined && peer.routerID !== '' && !parseIP(peer.routerID)) {
      report(
        [...base, 'router-id'],
        `invalid router ID ${JSON.stringify(peer.routerID)}: expected an IP address`,
        'invalid-ip',
      );
      ok = false;
    }
    if (peer.sourceAddress !== undefined && peer.sourceAddress !== '' && !parseIP(peer.sourceAddress)) {
      report(
        [...base, 'source-address'],
        `invalid source IP ${JSON.stringify(peer.sourceAddress)}: expected an IP address`,
        'invalid-ip',
      );
      ok = false;
    }
    reportSelectors([...base, 'node-selectors'], peer.nodeSelectors);
    if (peer.bfdProfile !== undefined && peer.bfdProfile !== '' && !bfdNames.has(peer.bfdProfile)) {
      report(
        [...base, 'bfd-profile'],
        `peer #${i + 1} referencing non existing bfd profile ${JSON.stringify(peer.bfdProfile)}: expected a name from bfd-profiles`,
        'dangling-reference',
      );
      ok = false;
    }
    if (!ok || !addr) return;
    // Two peers that would open the same session (MetalLB compares the parsed peers deeply).
    const key = JSON.stringify([
      peer.myASN,
      peer.peerASN,
      addr.family,
      addr.value.toString(),
      peer.sourceAddress ? parseIP(peer.sourceAddress)?.value.toString() : '',
      peer.peerPort || 179,
      timers.holdNs,
      timers.keepaliveNs,
      peer.routerID ? parseIP(peer.routerID)?.value.toString() : '',
      (peer.nodeSelectors ?? []).map(selectorKey),
      peer.password ?? '',
      peer.bfdProfile ?? '',
      peer.ebgpMultiHop ?? false,
    ]);
    const first = peerKeys.get(key);
    if (first !== undefined) {
      report(base, `peer #${i + 1} already exists: identical to peers[${first}]`, 'duplicate-peer');
    } else peerKeys.set(key, i);
  });

  // bgp-communities
  const aliases = new Map<string, BGPCommunity>();
  for (const [alias, value] of Object.entries(config.bgpCommunities)) {
    const parsed = resolveCommunity(value, new Map(), true);
    if (!parsed.ok || value.startsWith('large:')) {
      report(
        ['bgp-communities', alias],
        `invalid community string ${JSON.stringify(value)} for alias ${JSON.stringify(alias)}: expected <0-65535>:<0-65535>`,
        'invalid-community',
      );
    } else aliases.set(alias, parsed.value);
  }

  // address-pools
  const poolNames = new Map<string, number>();
  const overlaps = new OverlapIndex();
  config.addressPools.forEach((pool, fallback) => {
    const i = indexOf(pool, fallback);
    const base: PathSegment[] = ['address-pools', i];
    if (pool.name === '')
      report([...base, 'name'], 'missing pool name: every address pool needs a name', 'missing-name');
    else if (poolNames.has(pool.name)) {
      report(
        [...base, 'name'],
        `duplicate definition of pool ${JSON.stringify(pool.name)}: already defined at address-pools[${poolNames.get(pool.name)}]`,
        'duplicate-name',
      );
    } else poolNames.set(pool.name, i);
    if (pool.addresses.length === 0) {
      report(
        [...base, 'addresses'],
        'pool has no prefixes defined: expected at least one CIDR or IP range',
        'pool-no-addresses',
      );
    }
    const parsed = parsePoolAddresses(pool.addresses);
    for (const p of parsed.problems) report([...base, 'addresses', p.index], p.message, p.code);
    parsed.entries.forEach((entry, j) => {
      for (const prefix of entry?.prefixes ?? []) {
        const hit = overlaps.add(prefix, pool.name);
        if (hit) {
          report([...base, 'addresses', j], overlapMessage(prefix, pool.name, hit), 'cidr-overlap');
          break;
        }
      }
    });
    const ads = pool.bgpAdvertisements ?? [];
    switch (pool.protocol) {
      case 'layer2':
        if (ads.length > 0) {
          report(
            [...base, 'bgp-advertisements'],
            'cannot have bgp-advertisements configuration element in a layer2 address pool: advertisements only apply to protocol bgp',
            'layer2-bgp-advertisements',
          );
        }
        break;
      case 'bgp': {
        const adKeys = new Map<string, number>();
        ads.forEach((ad, adFallback) => {
          const j = indexOf(ad, adFallback);
          const adBase: PathSegment[] = [...base, 'bgp-advertisements', j];
          const fields = { v4: 'aggregation-length', v6: 'aggregation-length-v6' };
          const bounds = checkAggregationBounds(ad.aggregationLength, ad.aggregationLengthV6, fields);
          reportProblems(adBase, bounds);
          if (bounds.length === 0) {
            reportProblems(
              adBase,
              checkAggregation(
                { v4: ad.aggregationLength ?? 32, v6: ad.aggregationLengthV6 ?? 128 },
                fields,
                parsed.entries,
              ),
            );
          }
          const communities = new Set<string>();
          (ad.communities ?? []).forEach((c, k) => {
            const r = resolveCommunity(c, aliases, true);
            if (!r.ok) {
              report(
                [...adBase, 'communities', k],
                r.code === 'dangling-reference'
                  ? `unknown community alias ${JSON.stringify(c)}: expected an alias from bgp-communities or a value such as 65535:65281`
                  : `invalid community ${JSON.stringify(c)} in BGP advertisement: expected an alias from bgp-communities or <0-65535>:<0-65535>`,
                r.code,
              );
              return;
            }
            const key = communityKey(r.value);
            if (communities.has(key)) {
              report(
                [...adBase, 'communities', k],
                `duplicate definition of community ${JSON.stringify(c)}`,
                'duplicate-community',
              );
            }
            communities.add(key);
          });
          const adKey = JSON.stringify([
            ad.aggregationLength ?? 32,
            ad.aggregationLengthV6 ?? 128,
            ad.localPref ?? 0,
            [...communities].sort(),
          ]);
          const first = adKeys.get(adKey);
          if (first !== undefined) {
            report(
              adBase,
              `duplicate definition of bgpadvertisements: advertisement ${j + 1} is equal to advertisement ${first + 1}`,
              'duplicate-advertisement',
            );
          } else adKeys.set(adKey, j);
        });
        break;
      }
      case '':
        report(
          [...base, 'protocol'],
          'address pool is missing the protocol field: expected bgp or layer2',
          'missing-protocol',
        );
        break;
      default:
        report(
          [...base, 'protocol'],
          `unknown protocol ${JSON.stringify(pool.protocol)}: expected bgp or layer2`,
          'unknown-protocol',
        );
    }
  });
  return sink.diagnostics;
}

function checkMode(
  config: LegacyConfig,
  mode: BGPMode,
  indexOf: (item: object, fallback: number) => number,
  report: (path: PathSegment[], message: string, code: string) => void,
): void {
  if (mode === 'native') {
    config.peers.forEach((p, f) => {
      const i = indexOf(p, f);
      if (p.bfdProfile) {
        report(
          ['peers', i, 'bfd-profile'],
          `peer ${p.peerAddress} has bfd-profile set on native bgp mode: BFD needs the FRR mode`,
          'frr-only',
        );
      }
      if (p.keepaliveTime) {
        report(
          ['peers', i, 'keepalive-time'],
          `peer ${p.peerAddress} has keepalive-time set on native bgp mode: it needs the FRR mode`,
          'frr-only',
        );
      }
    });
    if (config.bfdProfiles.length > 0) {
      report(
        ['bfd-profiles'],
        'bfd profiles section set on native bgp mode: BFD needs the FRR mode',
        'frr-only',
      );
    }
    config.addressPools.forEach((pool, f) => {
      const i = indexOf(pool, f);
      (pool.bgpAdvertisements ?? []).forEach((ad, g) => {
        if (ad.aggregationLengthV6 !== undefined) {
          report(
            ['address-pools', i, 'bgp-advertisements', indexOf(ad, g), 'aggregation-length-v6'],
            `pool ${pool.name} has aggregation-length-v6 set on native bgp mode: IPv6 needs the FRR mode`,
            'frr-only',
          );
        }
      });
      if (pool.protocol !== 'bgp') return;
      const parsed = parsePoolAddresses(pool.addresses);
      parsed.entries.forEach((e, j) => {
        if (e?.family === 6) {
          report(
            ['address-pools', i, 'addresses', j],
            `pool ${JSON.stringify(pool.name)} has ipv6 CIDR ${e.text}, native bgp mode does not support ipv6`,
            'frr-only',
          );
        }
      });
    });
    return;
  }
  const first = config.peers[0];
  if (!first) return;
  const seen = new Map<string, number>();
  config.peers.forEach((p, f) => {
    const i = indexOf(p, f);
    if ((p.routerID ?? '') !== (first.routerID ?? '')) {
      report(
        ['peers', i, 'router-id'],
        `peer router-id ${JSON.stringify(p.routerID ?? '')} differs from ${JSON.stringify(first.routerID ?? '')}: in FRR mode all router IDs must be equal`,
        'frr-router-id',
      );
    }
    if (p.myASN !== first.myASN) {
      report(
        ['peers', i, 'my-asn'],
        `peer my-asn ${p.myASN} differs from ${first.myASN}: in FRR mode all local ASNs must be equal`,
        'frr-my-asn',
      );
    }
    const dup = seen.get(p.peerAddress);
    if (dup !== undefined) {
      report(
        ['peers', i, 'peer-address'],
        `peer ${p.peerAddress} already exists at peers[${dup}]: FRR mode doesn't support duplicate peers`,
        'frr-duplicate-peer',
      );
    } else seen.set(p.peerAddress, i);
  });
}
