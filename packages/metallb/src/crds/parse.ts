import type { Diagnostic, ResourceRef } from '@gateway/core';
import {
  type AddressPool,
  type BFDProfile,
  type BGPAdvertisement,
  type BGPPeer,
  type Community,
  type CommunityAlias,
  DEFAULT_METALLB_NAMESPACE,
  emptyConfig,
  type L2Advertisement,
  type MetalLBConfig,
  type ObjectMeta,
  type PreferredNodeSelector,
  type ServiceAllocation,
} from '../model/types.js';
import { DiagnosticSink, type PathSegment } from '../util/diagnostics.js';
import { registerOrigin } from '../util/origins.js';
import { FieldReader, isRecord } from '../yaml/reader.js';
import { parseYamlDocuments, type SourceDoc, type SourceLocator } from '../yaml/source.js';

const UINT32_MAX = 0xffffffff;
const INT32_MAX = 0x7fffffff;

/** MetalLB CRD kinds this package reads, by `apiVersion`. */
const SUPPORTED: Record<string, readonly string[]> = {
  'metallb.io/v1beta1': [
    'IPAddressPool',
    'BGPAdvertisement',
    'L2Advertisement',
    'Community',
    'BFDProfile',
    'BGPPeer',
  ],
  'metallb.io/v1beta2': ['BGPPeer'],
};

/** True for any `metallb.io/*` object. */
export function isMetalLBObject(value: unknown): boolean {
  return (
    isRecord(value) && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('metallb.io/')
  );
}

export interface CRDParseResult {
  config: MetalLBConfig;
  diagnostics: Diagnostic[];
}

function readMeta(
  r: FieldReader,
  raw: Record<string, unknown>,
  kind: string,
  doc: SourceLocator,
): ObjectMeta | undefined {
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  r.resource = { kind, namespace: namespace ?? DEFAULT_METALLB_NAMESPACE, name: name || '<unnamed>' };
  if (name === '') {
    r.error(['metadata', 'name'], `missing metadata.name: every ${kind} needs a name`, 'missing-name');
    return undefined;
  }
  const out: ObjectMeta = { name };
  if (namespace !== undefined) out.namespace = namespace;
  const labels = r.stringMap(meta.labels, ['metadata', 'labels']);
  if (labels) out.labels = labels;
  const annotations = r.stringMap(meta.annotations, ['metadata', 'annotations']);
  if (annotations) out.annotations = annotations;
  const source = doc.locate([]);
  if (source) out.source = source;
  return out;
}

function setIf<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function readPool(r: FieldReader, spec: Record<string, unknown>, meta: ObjectMeta): AddressPool {
  const pool: AddressPool = { ...meta, addresses: r.stringList(spec.addresses, ['spec', 'addresses']) ?? [] };
  setIf(pool, 'autoAssign', r.bool(spec.autoAssign, ['spec', 'autoAssign']));
  setIf(pool, 'avoidBuggyIPs', r.bool(spec.avoidBuggyIPs, ['spec', 'avoidBuggyIPs']));
  const saPath: PathSegment[] = ['spec', 'serviceAllocation'];
  const sa = r.object(spec.serviceAllocation, saPath, [
    'priority',
    'namespaces',
    'namespaceSelectors',
    'serviceSelectors',
  ]);
  if (sa) {
    const allocation: ServiceAllocation = {};
    setIf(allocation, 'priority', r.integer(sa.priority, [...saPath, 'priority'], -INT32_MAX - 1, INT32_MAX));
    setIf(allocation, 'namespaces', r.stringList(sa.namespaces, [...saPath, 'namespaces']));
    setIf(
      allocation,
      'namespaceSelectors',
      r.selectorList(sa.namespaceSelectors, [...saPath, 'namespaceSelectors'], false),
    );
    setIf(
      allocation,
      'serviceSelectors',
      r.selectorList(sa.serviceSelectors, [...saPath, 'serviceSelectors'], false),
    );
    pool.serviceAllocation = allocation;
  }
  return pool;
}

const PEER_KEYS = [
  'myASN',
  'peerASN',
  'dynamicASN',
  'localASN',
  'peerAddress',
  'interface',
  'sourceAddress',
  'peerPort',
  'holdTime',
  'keepaliveTime',
  'connectTime',
  'routerID',
  'nodeSelectors',
  'password',
  'passwordSecret',
  'bfdProfile',
  'enableGracefulRestart',
  'ebgpMultiHop',
  'vrf',
  'disableMP',
  'dualStackAddressFamily',
] as const;

function readDuration(r: FieldReader, value: unknown, path: PathSegment[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    r.error(path, `expected a duration string such as 90s or 1m30s, got ${String(value)}`, 'wrong-type');
    return undefined;
  }
  return value;
}

function readPeer(r: FieldReader, spec: Record<string, unknown>, meta: ObjectMeta): BGPPeer {
  const s = (k: string) => ['spec', k];
  const peer: BGPPeer = { ...meta, myASN: r.integer(spec.myASN, s('myASN'), 0, UINT32_MAX, 'an ASN') ?? 0 };
  setIf(peer, 'peerASN', r.integer(spec.peerASN, s('peerASN'), 0, UINT32_MAX, 'an ASN'));
  const dyn = r.string(spec.dynamicASN, s('dynamicASN'));
  if (dyn !== undefined) peer.dynamicASN = dyn as BGPPeer['dynamicASN'];
  setIf(peer, 'localASN', r.integer(spec.localASN, s('localASN'), 0, UINT32_MAX, 'an ASN'));
  setIf(peer, 'peerAddress', r.string(spec.peerAddress, s('peerAddress')));
  setIf(peer, 'interface', r.string(spec.interface, s('interface')));
  setIf(peer, 'sourceAddress', r.string(spec.sourceAddress, s('sourceAddress')));
  setIf(peer, 'peerPort', r.integer(spec.peerPort, s('peerPort'), 0, 65535, 'a port'));
  setIf(peer, 'holdTime', readDuration(r, spec.holdTime, s('holdTime')));
  setIf(peer, 'keepaliveTime', readDuration(r, spec.keepaliveTime, s('keepaliveTime')));
  setIf(peer, 'connectTime', readDuration(r, spec.connectTime, s('connectTime')));
  setIf(peer, 'routerID', r.string(spec.routerID, s('routerID')));
  setIf(peer, 'nodeSelectors', r.selectorList(spec.nodeSelectors, s('nodeSelectors'), false));
  setIf(peer, 'password', r.string(spec.password, s('password')));
  const secret = r.object(spec.passwordSecret, s('passwordSecret'), ['name', 'namespace']);
  if (secret) {
    peer.passwordSecret = {};
    setIf(peer.passwordSecret, 'name', r.string(secret.name, ['spec', 'passwordSecret', 'name']));
    setIf(
      peer.passwordSecret,
      'namespace',
      r.string(secret.namespace, ['spec', 'passwordSecret', 'namespace']),
    );
  }
  setIf(peer, 'bfdProfile', r.string(spec.bfdProfile, s('bfdProfile')));
  setIf(peer, 'enableGracefulRestart', r.bool(spec.enableGracefulRestart, s('enableGracefulRestart')));
  setIf(peer, 'ebgpMultiHop', r.bool(spec.ebgpMultiHop, s('ebgpMultiHop')));
  setIf(peer, 'vrf', r.string(spec.vrf, s('vrf')));
  setIf(peer, 'disableMP', r.bool(spec.disableMP, s('disableMP')));
  setIf(peer, 'dualStackAddressFamily', r.bool(spec.dualStackAddressFamily, s('dualStackAddressFamily')));
  return peer;
}

function readBGPAdvertisement(
  r: FieldReader,
  spec: Record<string, unknown>,
  meta: ObjectMeta,
): BGPAdvertisement {
  const s = (k: string) => ['spec', k];
  const ad: BGPAdvertisement = { ...meta };
  setIf(
    ad,
    'aggregationLength',
    r.integer(spec.aggregationLength, s('aggregationLength'), -INT32_MAX - 1, INT32_MAX),
  );
  setIf(
    ad,
    'aggregationLengthV6',
    r.integer(spec.aggregationLengthV6, s('aggregationLengthV6'), -INT32_MAX - 1, INT32_MAX),
  );
  setIf(ad, 'localPref', r.integer(spec.localPref, s('localPref'), 0, UINT32_MAX));
  setIf(ad, 'communities', r.stringList(spec.communities, s('communities')));
  setIf(ad, 'ipAddressPools', r.stringList(spec.ipAddressPools, s('ipAddressPools')));
  setIf(
    ad,
    'ipAddressPoolSelectors',
    r.selectorList(spec.ipAddressPoolSelectors, s('ipAddressPoolSelectors'), false),
  );
  setIf(ad, 'nodeSelectors', r.selectorList(spec.nodeSelectors, s('nodeSelectors'), false));
  setIf(ad, 'peers', r.stringList(spec.peers, s('peers')));
  setIf(ad, 'serviceSelectors', r.selectorList(spec.serviceSelectors, s('serviceSelectors'), false));
  return ad;
}

function readL2Advertisement(
  r: FieldReader,
  spec: Record<string, unknown>,
  meta: ObjectMeta,
): L2Advertisement {
  const s = (k: string) => ['spec', k];
  const ad: L2Advertisement = { ...meta };
  setIf(ad, 'ipAddressPools', r.stringList(spec.ipAddressPools, s('ipAddressPools')));
  setIf(
    ad,
    'ipAddressPoolSelectors',
    r.selectorList(spec.ipAddressPoolSelectors, s('ipAddressPoolSelectors'), false),
  );
  setIf(ad, 'nodeSelectors', r.selectorList(spec.nodeSelectors, s('nodeSelectors'), false));
  setIf(ad, 'interfaces', r.stringList(spec.interfaces, s('interfaces')));
  setIf(ad, 'serviceSelectors', r.selectorList(spec.serviceSelectors, s('serviceSelectors'), false));
  const prefs = r.list(spec.preferredNodeSelectors, s('preferredNodeSelectors'));
  if (prefs) {
    const out: PreferredNodeSelector[] = [];
    prefs.forEach((raw, i) => {
      const p: PathSegment[] = ['spec', 'preferredNodeSelectors', i];
      const o = r.object(raw, p, ['weight', 'preference']);
      if (!o) return;
      out.push({
        weight: r.integer(o.weight, [...p, 'weight'], -INT32_MAX - 1, INT32_MAX) ?? 0,
        preference: r.selector(o.preference, [...p, 'preference'], false) ?? {},
      });
    });
    ad.preferredNodeSelectors = out;
  }
  return ad;
}

function readCommunity(r: FieldReader, spec: Record<string, unknown>, meta: ObjectMeta): Community {
  const aliases: CommunityAlias[] = [];
  r.list(spec.communities, ['spec', 'communities'])?.forEach((raw, i) => {
    const p: PathSegment[] = ['spec', 'communities', i];
    const o = r.object(raw, p, ['name', 'value']);
    if (!o) return;
    aliases.push({
      name: r.string(o.name, [...p, 'name']) ?? '',
      value: r.string(o.value, [...p, 'value']) ?? '',
    });
  });
  return { ...meta, communities: aliases };
}

function readBFDProfile(r: FieldReader, spec: Record<string, unknown>, meta: ObjectMeta): BFDProfile {
  const s = (k: string) => ['spec', k];
  const p: BFDProfile = { ...meta };
  const num = (k: string) => r.integer(spec[k], s(k), 0, UINT32_MAX);
  setIf(p, 'receiveInterval', num('receiveInterval'));
  setIf(p, 'transmitInterval', num('transmitInterval'));
  setIf(p, 'detectMultiplier', num('detectMultiplier'));
  setIf(p, 'echoInterval', num('echoInterval'));
  setIf(p, 'echoMode', r.bool(spec.echoMode, s('echoMode')));
  setIf(p, 'passiveMode', r.bool(spec.passiveMode, s('passiveMode')));
  setIf(p, 'minimumTtl', num('minimumTtl'));
  return p;
}

const SPEC_KEYS: Record<string, readonly string[]> = {
  IPAddressPool: ['addresses', 'autoAssign', 'avoidBuggyIPs', 'serviceAllocation'],
  BGPPeer: PEER_KEYS,
  BGPAdvertisement: [
    'aggregationLength',
    'aggregationLengthV6',
    'localPref',
    'communities',
    'ipAddressPools',
    'ipAddressPoolSelectors',
    'nodeSelectors',
    'peers',
    'serviceSelectors',
  ],
  L2Advertisement: [
    'ipAddressPools',
    'ipAddressPoolSelectors',
    'nodeSelectors',
    'interfaces',
    'serviceSelectors',
    'preferredNodeSelectors',
  ],
  Community: ['communities'],
  BFDProfile: [
    'receiveInterval',
    'transmitInterval',
    'detectMultiplier',
    'echoInterval',
    'echoMode',
    'passiveMode',
    'minimumTtl',
  ],
};

/**
 * Reads one `metallb.io` object into `config`. Unknown spec fields are warnings (the API server
 * prunes them); wrong types and missing names are errors. Returns false for unsupported kinds.
 * `docPath` locates the object inside its document (for `kind: List` items).
 */
export function readCRDObject(
  doc: SourceDoc,
  raw: Record<string, unknown>,
  config: MetalLBConfig,
  sink: DiagnosticSink,
  docPath: PathSegment[] = [],
): boolean {
  const apiVersion = String(raw.apiVersion);
  const kind = typeof raw.kind === 'string' ? raw.kind : '';
  const ref: ResourceRef = { kind: kind || 'Unknown', namespace: DEFAULT_METALLB_NAMESPACE, name: '' };
  const located = doc.scoped(docPath);
  const r = new FieldReader(sink, ref, located, [], 'warning', false);
  const meta = readMeta(r, raw, ref.kind, located);
  if (!(SUPPORTED[apiVersion] ?? []).includes(kind)) {
    r.warn(
      ['kind'],
      `unsupported MetalLB object ${apiVersion} ${kind}: expected IPAddressPool, BGPPeer, BGPAdvertisement, L2Advertisement, Community or BFDProfile`,
      'unsupported-kind',
    );
    return false;
  }
  if (!meta) return true;
  if (kind === 'BGPPeer' && apiVersion === 'metallb.io/v1beta1') {
    r.warn(
      ['apiVersion'],
      'BGPPeer metallb.io/v1beta1 is deprecated; it is read and written as metallb.io/v1beta2',
      'deprecated-version',
    );
  }
  if (raw.spec === undefined || raw.spec === null) {
    if (kind === 'IPAddressPool')
      r.error(['spec'], 'missing spec: an IPAddressPool needs spec.addresses', 'missing-spec');
  }
  const spec = r.object(raw.spec ?? {}, ['spec'], SPEC_KEYS[kind] ?? []) ?? {};
  const add = <T extends object>(list: T[], obj: T) => {
    registerOrigin(obj, located);
    list.push(obj);
  };
  switch (kind) {
    case 'IPAddressPool':
      add(config.pools, readPool(r, spec, meta));
      break;
    case 'BGPPeer':
      add(config.peers, readPeer(r, spec, meta));
      break;
    case 'BGPAdvertisement':
      add(config.bgpAdvertisements, readBGPAdvertisement(r, spec, meta));
      break;
    case 'L2Advertisement':
      add(config.l2Advertisements, readL2Advertisement(r, spec, meta));
      break;
    case 'Community':
      add(config.communities, readCommunity(r, spec, meta));
      break;
    case 'BFDProfile':
      add(config.bfdProfiles, readBFDProfile(r, spec, meta));
      break;
  }
  return true;
}

/**
 * Parses MetalLB CRDs from multi-document YAML (or JSON, or a `kind: List`). Other documents are
 * ignored. The config's namespace is the first object's namespace (default `metallb-system`).
 * Never throws on input.
 *
 * @example
 * ```ts
 * const { config, diagnostics } = parseCRDs(`
 * apiVersion: metallb.io/v1beta1
 * kind: IPAddressPool
 * metadata: { name: prod, namespace: metallb-system }
 * spec: { addresses: [192.168.10.0/24] }
 * `);
 * config.pools[0].addresses; // ['192.168.10.0/24']
 * ```
 */
export function parseCRDs(text: string, opts: { file?: string } = {}): CRDParseResult {
  const parsed = parseYamlDocuments(text, opts.file);
  const sink = new DiagnosticSink();
  for (const p of parsed.problems) {
    sink.add(
      { kind: 'File', namespace: '', name: opts.file ?? '<input>' },
      '',
      `invalid YAML: ${p.message}`,
      'yaml-syntax',
      'error',
      p.source,
    );
  }
  const config = emptyConfig();
  let namespaceSet = false;
  for (const doc of parsed.docs) {
    const items: [Record<string, unknown>, PathSegment[]][] = [];
    const v = doc.value;
    if (isRecord(v) && v.kind === 'List' && Array.isArray(v.items)) {
      v.items.forEach((item, i) => {
        if (isMetalLBObject(item)) items.push([item as Record<string, unknown>, ['items', i]]);
      });
    } else if (isMetalLBObject(v)) items.push([v as Record<string, unknown>, []]);
    for (const [item, path] of items) {
      readCRDObject(doc, item, config, sink, path);
      const meta = isRecord(item.metadata) ? item.metadata : {};
      if (!namespaceSet && typeof meta.namespace === 'string' && meta.namespace !== '') {
        config.namespace = meta.namespace;
        namespaceSet = true;
      }
    }
  }
  return { config, diagnostics: sink.diagnostics };
}
