import type { Diagnostic, ResourceRef } from '@gateway/core';
import { parseConfigMap } from '../configmap/parse.js';
import type { LegacyConfig, LegacyPeer } from '../configmap/types.js';
import { emitCRDs, type KubeObject, toCRDObjects } from '../crds/emit.js';
import type {
  AddressPool,
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  L2Advertisement,
  LabelSelector,
  MetalLBConfig,
} from '../model/types.js';
import { emptyConfig } from '../model/types.js';
import { formatGoDuration, parseGoDuration, truncateToSeconds } from '../net/duration.js';
import { DiagnosticSink, hasErrors } from '../util/diagnostics.js';
import { validateMetalLB } from '../validate/validate.js';

/**
 * `convertConfigMapToCRDs` follows MetalLB's `configmaptocrs` tool rule for rule, so its output
 * can replace the tool's: same objects, names, field choices and order.
 */

/** What `convertConfigMapToCRDs` returns. */
export interface ConvertResult {
  /** The converted configuration (empty when the input could not be read). */
  config: MetalLBConfig;
  /** The objects, as the converter writes them (`creationTimestamp: null`, `status`). */
  objects: KubeObject[];
  /** The converter's YAML: header comment, then every object followed by `---`. */
  yaml: string;
  /** Reading, conversion and validation problems of the resulting objects. */
  diagnostics: Diagnostic[];
}

const K8S_NAME = /^[a-z][-a-z0-9]{0,61}[a-z0-9]$/;

/**
 * The converter's name repair: names that are not Kubernetes-compatible are truncated to 63
 * characters, lowercased, `_` becomes `-`, and everything before the first letter is dropped.
 * Other invalid characters survive. Returns undefined when no letter is left.
 *
 * @example
 * ```ts
 * k8sCompatibleName('01-My_Pool'); // 'my-pool'
 * ```
 */
export function k8sCompatibleName(name: string): string | undefined {
  if (K8S_NAME.test(name)) return name;
  const repaired = name.slice(0, 63).toLowerCase().replaceAll('_', '-');
  const firstLetter = repaired.search(/[a-z]/);
  if (firstLetter === -1) return undefined;
  return repaired.slice(firstLetter);
}

function convertSelector(sel: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  if (sel.matchLabels && Object.keys(sel.matchLabels).length > 0) out.matchLabels = { ...sel.matchLabels };
  if (sel.matchExpressions && sel.matchExpressions.length > 0) {
    out.matchExpressions = sel.matchExpressions.map((e) => {
      const r: { key: string; operator: string; values?: string[] } = { key: e.key, operator: e.operator };
      if (e.values && e.values.length > 0) r.values = [...e.values];
      return r;
    });
  }
  return out;
}

function durationOrError(
  text: string,
  label: string,
  sink: DiagnosticSink,
  ref: ResourceRef,
  path: string,
): number | undefined {
  const parsed = parseGoDuration(text);
  if (!parsed.ok) {
    sink.add(
      ref,
      path,
      `invalid ${label} ${JSON.stringify(text)}: ${parsed.error}; expected a Go duration such as 90s`,
      `invalid-${label.replace(' ', '-')}`,
    );
    return undefined;
  }
  return truncateToSeconds(parsed.ns);
}

function convertPeer(
  p: LegacyPeer,
  index: number,
  bfdName: string | undefined,
  sink: DiagnosticSink,
  ref: ResourceRef,
): BGPPeer | undefined {
  const base = `data.config.peers[${index}]`;
  let holdNs = 90e9;
  if (p.holdTime !== undefined && p.holdTime !== '') {
    const h = durationOrError(p.holdTime, 'hold time', sink, ref, `${base}.hold-time`);
    if (h === undefined) return undefined;
    if (h !== 0 && h < 3e9) {
      sink.add(
        ref,
        `${base}.hold-time`,
        `invalid hold time ${JSON.stringify(p.holdTime)}: expected 0 or at least 3s`,
        'invalid-hold-time',
      );
      return undefined;
    }
    holdNs = h;
  }
  const peer: BGPPeer = {
    name: `peer${index + 1}`,
    myASN: p.myASN,
    holdTime: formatGoDuration(holdNs),
    passwordSecret: {},
  };
  if (p.peerASN !== 0) peer.peerASN = p.peerASN;
  if (p.peerAddress !== '') peer.peerAddress = p.peerAddress;
  if (p.sourceAddress) peer.sourceAddress = p.sourceAddress;
  if (p.peerPort) peer.peerPort = p.peerPort;
  if (p.keepaliveTime !== undefined && p.keepaliveTime !== '') {
    const k = durationOrError(p.keepaliveTime, 'keepalive time', sink, ref, `${base}.keepalive-time`);
    if (k === undefined) return undefined;
    peer.keepaliveTime = formatGoDuration(k);
  }
  if (p.routerID) peer.routerID = p.routerID;
  if (p.nodeSelectors && p.nodeSelectors.length > 0)
    peer.nodeSelectors = p.nodeSelectors.map(convertSelector);
  if (p.password) peer.password = p.password;
  if (bfdName) peer.bfdProfile = bfdName;
  if (p.ebgpMultiHop) peer.ebgpMultiHop = true;
  return peer;
}

/**
 * Maps a parsed legacy config onto the CRD model with the converter's rules (see
 * `convertConfigMapToCRDs`). Renames are reported as notices.
 *
 * @example
 * ```ts
 * const { config } = legacyToCRDModel(parseConfigMap(text).config!);
 * emitCRDs(config);
 * ```
 */
export function legacyToCRDModel(legacy: LegacyConfig): { config: MetalLBConfig; diagnostics: Diagnostic[] } {
  const sink = new DiagnosticSink();
  const ref: ResourceRef = { kind: 'ConfigMap', namespace: legacy.namespace, name: legacy.name };
  const config = emptyConfig(legacy.namespace);
  const rename = (name: string, kind: string, path: string): string => {
    if (name === '') return name;
    const fixed = k8sCompatibleName(name);
    if (fixed === undefined) {
      sink.add(
        ref,
        path,
        `failed to make ${kind} name ${JSON.stringify(name)} K8S compatible: expected at least one letter`,
        'invalid-name',
      );
      return name;
    }
    if (fixed !== name) {
      sink.add(
        ref,
        path,
        `${kind} ${JSON.stringify(name)} is renamed ${JSON.stringify(fixed)} (Kubernetes object names are lowercase DNS labels)`,
        'renamed',
        'notice',
      );
    }
    return fixed;
  };
  const poolNames = legacy.addressPools.map((p, i) =>
    rename(p.name, 'IpAddressPool', `data.config.address-pools[${i}].name`),
  );
  const bfdNames = legacy.bfdProfiles.map((b, i) =>
    rename(b.name, 'BFDProfile', `data.config.bfd-profiles[${i}].name`),
  );

  legacy.peers.forEach((p, i) => {
    const bfd = p.bfdProfile ? (k8sCompatibleName(p.bfdProfile) ?? p.bfdProfile) : undefined;
    const peer = convertPeer(p, i, bfd, sink, ref);
    if (peer) config.peers.push(peer);
  });

  legacy.addressPools.forEach((p, i) => {
    const pool: AddressPool = { name: poolNames[i] ?? p.name, addresses: [...p.addresses] };
    if (p.autoAssign !== undefined) pool.autoAssign = p.autoAssign;
    if (p.avoidBuggyIPs) pool.avoidBuggyIPs = true;
    config.pools.push(pool);
  });

  let bgpIndex = 1;
  legacy.addressPools.forEach((p, i) => {
    const poolName = poolNames[i] ?? p.name;
    for (const ad of p.bgpAdvertisements ?? []) {
      const out: BGPAdvertisement = { name: `bgpadvertisement${bgpIndex++}` };
      if (ad.aggregationLength !== undefined) out.aggregationLength = ad.aggregationLength;
      if (ad.aggregationLengthV6 !== undefined) out.aggregationLengthV6 = ad.aggregationLengthV6;
      if (ad.localPref) out.localPref = ad.localPref;
      if (ad.communities && ad.communities.length > 0) out.communities = [...ad.communities];
      out.ipAddressPools = [poolName];
      config.bgpAdvertisements.push(out);
    }
    if ((p.bgpAdvertisements ?? []).length === 0 && p.protocol === 'bgp') {
      config.bgpAdvertisements.push({ name: `bgpadvertisement${bgpIndex++}`, ipAddressPools: [poolName] });
    }
  });

  let l2Index = 1;
  legacy.addressPools.forEach((p, i) => {
    if (p.protocol !== 'layer2') return;
    const ad: L2Advertisement = {
      name: `l2advertisement${l2Index++}`,
      ipAddressPools: [poolNames[i] ?? p.name],
    };
    config.l2Advertisements.push(ad);
  });

  legacy.bfdProfiles.forEach((b, i) => {
    const profile: BFDProfile = { name: bfdNames[i] ?? b.name };
    if (b.receiveInterval !== undefined) profile.receiveInterval = b.receiveInterval;
    if (b.transmitInterval !== undefined) profile.transmitInterval = b.transmitInterval;
    if (b.detectMultiplier !== undefined) profile.detectMultiplier = b.detectMultiplier;
    if (b.echoInterval !== undefined) profile.echoInterval = b.echoInterval;
    profile.echoMode = b.echoMode ?? false;
    profile.passiveMode = b.passiveMode ?? false;
    if (b.minimumTtl !== undefined) profile.minimumTtl = b.minimumTtl;
    config.bfdProfiles.push(profile);
  });

  const aliases = Object.keys(legacy.bgpCommunities).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (aliases.length > 0) {
    config.communities.push({
      name: 'communities',
      communities: aliases.map((name) => ({ name, value: legacy.bgpCommunities[name] ?? '' })),
    });
  }
  return { config, diagnostics: sink.diagnostics };
}

/**
 * Converts MetalLB's legacy ConfigMap to CRDs exactly as MetalLB's `configmaptocrs` does:
 * objects go to the ConfigMap's namespace; peers become `BGPPeer` `peer1…` (holdTime defaults to
 * 1m30s, keepaliveTime only when set, always an empty `passwordSecret`); pools keep their names;
 * each bgp advertisement becomes `bgpadvertisement<N>` (one counter across pools, plus an empty
 * one for a bgp pool without any); `layer2` pools get `l2advertisement<N>`; BFD profiles keep
 * their names; all communities go into one `Community` named `communities`, sorted by alias.
 * Invalid names are repaired the converter's way. The result is then validated as MetalLB's
 * `config.For` would. Never throws on input.
 *
 * @example
 * ```ts
 * const { yaml, diagnostics } = convertConfigMapToCRDs(fs.readFileSync('configmap.yaml', 'utf8'));
 * ```
 */
export function convertConfigMapToCRDs(
  input: string | LegacyConfig,
  opts: { file?: string } = {},
): ConvertResult {
  let legacy: LegacyConfig | undefined;
  const diagnostics: Diagnostic[] = [];
  if (typeof input === 'string') {
    const parsed = parseConfigMap(input, { validate: false, ...(opts.file ? { file: opts.file } : {}) });
    diagnostics.push(...parsed.diagnostics);
    legacy = parsed.config;
  } else legacy = input;
  if (!legacy || hasErrors(diagnostics)) {
    return { config: emptyConfig(legacy?.namespace), objects: [], yaml: '', diagnostics };
  }
  const converted = legacyToCRDModel(legacy);
  diagnostics.push(
    ...converted.diagnostics,
    ...validateMetalLB(converted.config, { warnUnannounced: false }),
  );
  return {
    config: converted.config,
    objects: toCRDObjects(converted.config, { style: 'converter' }),
    yaml: emitCRDs(converted.config, { style: 'converter' }),
    diagnostics,
  };
}
