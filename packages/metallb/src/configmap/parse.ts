import type { Diagnostic, ResourceRef, SourceLocation } from '@gateway/core';
import { DEFAULT_METALLB_NAMESPACE } from '../model/types.js';
import { DiagnosticSink, type PathSegment } from '../util/diagnostics.js';
import { FieldReader, isRecord } from '../yaml/reader.js';
import { type PositionMapper, parseYamlDocuments, type SourceDoc } from '../yaml/source.js';
import {
  LEGACY_CONFIGMAP_KEY,
  LEGACY_CONFIGMAP_NAME,
  type LegacyAddressPool,
  type LegacyBFDProfile,
  type LegacyBGPAdvertisement,
  type LegacyConfig,
  type LegacyPeer,
} from './types.js';
import { type BGPMode, validateLegacyConfig } from './validate.js';

const TOP_KEYS = ['peers', 'bgp-communities', 'address-pools', 'bfd-profiles'] as const;
const PEER_KEYS = [
  'my-asn',
  'peer-asn',
  'peer-address',
  'source-address',
  'peer-port',
  'hold-time',
  'keepalive-time',
  'router-id',
  'node-selectors',
  'password',
  'bfd-profile',
  'ebgp-multihop',
] as const;
const POOL_KEYS = [
  'protocol',
  'name',
  'addresses',
  'avoid-buggy-ips',
  'auto-assign',
  'bgp-advertisements',
] as const;
const ADV_KEYS = ['aggregation-length', 'aggregation-length-v6', 'localpref', 'communities'] as const;
const BFD_KEYS = [
  'name',
  'receive-interval',
  'transmit-interval',
  'detect-multiplier',
  'echo-interval',
  'echo-mode',
  'passive-mode',
  'minimum-ttl',
] as const;

const UINT32_MAX = 0xffffffff;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** Result of reading a legacy ConfigMap. `config` is absent only when nothing usable was found. */
export interface LegacyParseResult {
  config?: LegacyConfig;
  diagnostics: Diagnostic[];
}

export interface LegacyParseOptions {
  /** File name for source positions. */
  file?: string;
  /** Run MetalLB v0.12.1's semantic checks too (default true). */
  validate?: boolean;
  /** Also apply the native or FRR BGP mode checks. */
  bgpMode?: BGPMode;
}

/** Where each parsed item came from: its index in the file (items that failed to parse are skipped). */
export interface LegacyOrigins {
  index: WeakMap<object, number>;
  locate: (path: readonly PathSegment[]) => SourceLocation | undefined;
}

function configRef(namespace: string, name: string): ResourceRef {
  return { kind: 'ConfigMap', namespace, name };
}

/** A legacy config with nothing in it yet, named after the ConfigMap it comes from. */
function emptyLegacyConfig(ref: ResourceRef): LegacyConfig {
  return {
    namespace: ref.namespace,
    name: ref.name,
    peers: [],
    bgpCommunities: {},
    addressPools: [],
    bfdProfiles: [],
  };
}

/**
 * Reads the legacy configuration document (the text of `data.config`) with yaml.v2
 * `UnmarshalStrict` rules: unknown keys, wrong types and duplicate keys are errors.
 */
export function readLegacyConfigDocument(
  doc: SourceDoc,
  sink: DiagnosticSink,
  ref: ResourceRef,
): { config: LegacyConfig; origins: LegacyOrigins } {
  const r = new FieldReader(sink, ref, doc, ['data', LEGACY_CONFIGMAP_KEY], 'error');
  const index = new WeakMap<object, number>();
  const config = emptyLegacyConfig(ref);
  const top = r.object(doc.value, [], TOP_KEYS);
  if (top) {
    r.list(top.peers, ['peers'])?.forEach((raw, i) => {
      const peer = readPeer(r, raw, ['peers', i]);
      if (peer) {
        index.set(peer, i);
        config.peers.push(peer);
      }
    });
    const communities = r.stringMap(top['bgp-communities'], ['bgp-communities']);
    if (communities) config.bgpCommunities = communities;
    r.list(top['address-pools'], ['address-pools'])?.forEach((raw, i) => {
      const pool = readPool(r, raw, ['address-pools', i], index);
      if (pool) {
        index.set(pool, i);
        config.addressPools.push(pool);
      }
    });
    r.list(top['bfd-profiles'], ['bfd-profiles'])?.forEach((raw, i) => {
      const profile = readBFDProfile(r, raw, ['bfd-profiles', i]);
      if (profile) {
        index.set(profile, i);
        config.bfdProfiles.push(profile);
      }
    });
  }
  return { config, origins: { index, locate: (path) => doc.locate(path) } };
}

/**
 * One list entry as a mapping with known keys; an empty entry (`- ` with nothing) is an error
 * naming what was expected. Wrong types are reported by the reader.
 */
function entryObject(
  r: FieldReader,
  raw: unknown,
  path: PathSegment[],
  known: readonly string[],
  what: string,
): Record<string, unknown> | undefined {
  const o = r.object(raw, path, known);
  if (!o && (raw === null || raw === undefined))
    r.error(path, `expected ${what} mapping, got nothing`, 'wrong-type');
  return o;
}

function readPeer(r: FieldReader, raw: unknown, path: PathSegment[]): LegacyPeer | undefined {
  const o = entryObject(r, raw, path, PEER_KEYS, 'a peer');
  if (!o) return undefined;
  const peer: LegacyPeer = {
    myASN: r.integer(o['my-asn'], [...path, 'my-asn'], 0, UINT32_MAX, 'an ASN') ?? 0,
    peerASN: r.integer(o['peer-asn'], [...path, 'peer-asn'], 0, UINT32_MAX, 'an ASN') ?? 0,
    peerAddress: r.string(o['peer-address'], [...path, 'peer-address']) ?? '',
  };
  const set = <K extends keyof LegacyPeer>(key: K, value: LegacyPeer[K] | undefined) => {
    if (value !== undefined) peer[key] = value;
  };
  set('sourceAddress', r.string(o['source-address'], [...path, 'source-address']));
  set('peerPort', r.integer(o['peer-port'], [...path, 'peer-port'], 0, 65535, 'a port'));
  set('holdTime', r.string(o['hold-time'], [...path, 'hold-time']));
  set('keepaliveTime', r.string(o['keepalive-time'], [...path, 'keepalive-time']));
  set('routerID', r.string(o['router-id'], [...path, 'router-id']));
  set('password', r.string(o.password, [...path, 'password']));
  set('bfdProfile', r.string(o['bfd-profile'], [...path, 'bfd-profile']));
  set('ebgpMultiHop', r.bool(o['ebgp-multihop'], [...path, 'ebgp-multihop']));
  set('nodeSelectors', r.selectorList(o['node-selectors'], [...path, 'node-selectors'], true));
  return peer;
}

function readPool(
  r: FieldReader,
  raw: unknown,
  path: PathSegment[],
  index: WeakMap<object, number>,
): LegacyAddressPool | undefined {
  const o = entryObject(r, raw, path, POOL_KEYS, 'an address pool');
  if (!o) return undefined;
  const pool: LegacyAddressPool = {
    name: r.string(o.name, [...path, 'name']) ?? '',
    protocol: r.string(o.protocol, [...path, 'protocol']) ?? '',
    addresses: r.stringList(o.addresses, [...path, 'addresses']) ?? [],
  };
  const avoid = r.bool(o['avoid-buggy-ips'], [...path, 'avoid-buggy-ips']);
  if (avoid !== undefined) pool.avoidBuggyIPs = avoid;
  const auto = r.bool(o['auto-assign'], [...path, 'auto-assign']);
  if (auto !== undefined) pool.autoAssign = auto;
  const ads = r.list(o['bgp-advertisements'], [...path, 'bgp-advertisements']);
  if (ads) {
    pool.bgpAdvertisements = [];
    ads.forEach((rawAd, j) => {
      const adPath = [...path, 'bgp-advertisements', j];
      const a = r.object(rawAd, adPath, ADV_KEYS);
      if (!a) {
        // yaml.v2 decodes an empty list item into a zero-value advertisement.
        if (rawAd === null || rawAd === undefined) {
          const empty: LegacyBGPAdvertisement = {};
          index.set(empty, j);
          pool.bgpAdvertisements?.push(empty);
        }
        return;
      }
      const ad: LegacyBGPAdvertisement = {};
      const agg = r.integer(
        a['aggregation-length'],
        [...adPath, 'aggregation-length'],
        -INT64_MAX,
        INT64_MAX,
      );
      if (agg !== undefined) ad.aggregationLength = agg;
      const agg6 = r.integer(
        a['aggregation-length-v6'],
        [...adPath, 'aggregation-length-v6'],
        -INT64_MAX,
        INT64_MAX,
      );
      if (agg6 !== undefined) ad.aggregationLengthV6 = agg6;
      const pref = r.integer(a.localpref, [...adPath, 'localpref'], 0, UINT32_MAX);
      if (pref !== undefined) ad.localPref = pref;
      const communities = r.stringList(a.communities, [...adPath, 'communities']);
      if (communities) ad.communities = communities;
      index.set(ad, j);
      pool.bgpAdvertisements?.push(ad);
    });
  }
  return pool;
}

function readBFDProfile(r: FieldReader, raw: unknown, path: PathSegment[]): LegacyBFDProfile | undefined {
  const o = entryObject(r, raw, path, BFD_KEYS, 'a BFD profile');
  if (!o) return undefined;
  const profile: LegacyBFDProfile = { name: r.string(o.name, [...path, 'name']) ?? '' };
  const num = (key: (typeof BFD_KEYS)[number]) => r.integer(o[key], [...path, key], 0, UINT32_MAX);
  const set = <K extends keyof LegacyBFDProfile>(key: K, value: LegacyBFDProfile[K] | undefined) => {
    if (value !== undefined) profile[key] = value;
  };
  set('receiveInterval', num('receive-interval'));
  set('transmitInterval', num('transmit-interval'));
  set('detectMultiplier', num('detect-multiplier'));
  set('echoInterval', num('echo-interval'));
  set('echoMode', r.bool(o['echo-mode'], [...path, 'echo-mode']));
  set('passiveMode', r.bool(o['passive-mode'], [...path, 'passive-mode']));
  set('minimumTtl', num('minimum-ttl'));
  return profile;
}

/** Maps positions inside a block scalar (`config: |`) to the enclosing file. */
function blockScalarMapper(
  outer: SourceDoc,
  path: PathSegment[],
  fileText: string | undefined,
): PositionMapper | undefined {
  const start = outer.locate(path);
  if (!start || fileText === undefined) return undefined;
  const lines = fileText.split('\n');
  const headerLine = start.line;
  const firstContent = lines.slice(headerLine).find((l) => l.trim() !== '');
  const indent = firstContent ? firstContent.length - firstContent.trimStart().length : 0;
  return (line, column) => ({ line: headerLine + line, column: column + indent });
}

/**
 * Reads a ConfigMap object (already parsed as `doc`) holding MetalLB's legacy configuration.
 * Used by the multi-document loader; most callers want `parseConfigMap`.
 */
export function readConfigMapDocument(
  doc: SourceDoc,
  fileText: string | undefined,
  opts: LegacyParseOptions = {},
): LegacyParseResult {
  const sink = new DiagnosticSink();
  const value = doc.value;
  const meta = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : LEGACY_CONFIGMAP_NAME;
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : DEFAULT_METALLB_NAMESPACE;
  const ref = configRef(namespace, name);
  const data = isRecord(value) && isRecord(value.data) ? value.data : undefined;
  const text = data?.[LEGACY_CONFIGMAP_KEY];
  if (typeof text !== 'string' || text.trim() === '') {
    sink.add(
      ref,
      'data.config',
      'expected the MetalLB configuration as a YAML string under data.config',
      'missing-config',
      'error',
      doc.locate(['data']),
    );
    return { diagnostics: sink.diagnostics };
  }
  if (name !== LEGACY_CONFIGMAP_NAME) {
    sink.add(
      ref,
      'metadata.name',
      `MetalLB reads the ConfigMap named "config", not ${JSON.stringify(name)}`,
      'configmap-name',
      'warning',
      doc.locate(['metadata', 'name']),
    );
  }
  const mapper = blockScalarMapper(doc, ['data', LEGACY_CONFIGMAP_KEY], fileText);
  return parseLegacyData(
    text,
    ref,
    { ...opts, mapPosition: mapper, start: doc.locate(['data', 'config']) },
    sink,
  );
}

function parseLegacyData(
  text: string,
  ref: ResourceRef,
  opts: LegacyParseOptions & { mapPosition?: PositionMapper; start?: SourceLocation },
  sink: DiagnosticSink,
): LegacyParseResult {
  const parsed = parseYamlDocuments(text, opts.file, opts.mapPosition);
  for (const p of parsed.problems) {
    sink.add(ref, 'data.config', `could not parse config: ${p.message}`, 'yaml-syntax', 'error', p.source);
  }
  if (parsed.problems.length > 0) return { diagnostics: sink.diagnostics };
  const inner = parsed.docs[0];
  if (!inner) {
    const config = emptyLegacyConfig(ref);
    return { config, diagnostics: sink.diagnostics };
  }
  return finishLegacy(inner, ref, opts, sink);
}

function finishLegacy(
  inner: SourceDoc,
  ref: ResourceRef,
  opts: LegacyParseOptions & { start?: SourceLocation },
  sink: DiagnosticSink,
): LegacyParseResult {
  const { config, origins } = readLegacyConfigDocument(inner, sink, ref);
  if (opts.start) config.source = opts.start;
  if (opts.validate !== false) {
    const opt: Parameters<typeof validateLegacyConfig>[1] = { origins };
    if (opts.bgpMode) opt.bgpMode = opts.bgpMode;
    sink.diagnostics.push(...validateLegacyConfig(config, opt));
  }
  return { config, diagnostics: sink.diagnostics };
}

/**
 * Reads a document that is the bare `data.config` content (what `configmaptocrs -only-data`
 * takes); the resource is reported as ConfigMap `metallb-system/config`.
 */
export function readBareLegacyDocument(doc: SourceDoc, opts: LegacyParseOptions = {}): LegacyParseResult {
  const sink = new DiagnosticSink();
  const start = doc.locate([]);
  return finishLegacy(
    doc,
    configRef(DEFAULT_METALLB_NAMESPACE, LEGACY_CONFIGMAP_NAME),
    start ? { ...opts, start } : opts,
    sink,
  );
}

/** True for a document that is the bare `data.config` content (`configmaptocrs -only-data`). */
export function looksLikeLegacyData(value: unknown): boolean {
  return (
    isRecord(value) &&
    !('apiVersion' in value) &&
    Object.keys(value).some((k) => (TOP_KEYS as readonly string[]).includes(k))
  );
}

/**
 * Parses MetalLB's legacy ConfigMap from YAML text: either the whole ConfigMap
 * (`kind: ConfigMap`, key `data.config`) or just the configuration it holds. Never throws on
 * input; problems come back as diagnostics with the path under `data.config`.
 *
 * @example
 * ```ts
 * const { config, diagnostics } = parseConfigMap(`
 * apiVersion: v1
 * kind: ConfigMap
 * metadata: { name: config, namespace: metallb-system }
 * data:
 *   config: |
 *     address-pools:
 *     - name: default
 *       protocol: layer2
 *       addresses: [192.168.1.240/28]
 * `);
 * ```
 */
export function parseConfigMap(text: string, opts: LegacyParseOptions = {}): LegacyParseResult {
  const parsed = parseYamlDocuments(text, opts.file);
  const ref = configRef(DEFAULT_METALLB_NAMESPACE, LEGACY_CONFIGMAP_NAME);
  const sink = new DiagnosticSink();
  for (const p of parsed.problems)
    sink.add(ref, '', `invalid YAML: ${p.message}`, 'yaml-syntax', 'error', p.source);
  for (const doc of parsed.docs) {
    const v = doc.value;
    if (isRecord(v) && v.kind === 'ConfigMap') {
      const result = readConfigMapDocument(doc, text, opts);
      return { ...result, diagnostics: [...sink.diagnostics, ...result.diagnostics] };
    }
  }
  const first = parsed.docs[0];
  if (first && looksLikeLegacyData(first.value)) {
    return parseLegacyData(text, ref, opts, sink);
  }
  sink.add(ref, '', 'expected a ConfigMap with MetalLB configuration in data.config', 'missing-config');
  return { diagnostics: sink.diagnostics };
}
