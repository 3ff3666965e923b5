import type { Diagnostic, ResourceRef } from '@gateway/core';
import type { NamespaceInput, ServiceInput } from './allocator/service.js';
import {
  type LegacyParseOptions,
  looksLikeLegacyData,
  readBareLegacyDocument,
  readConfigMapDocument,
} from './configmap/parse.js';
import type { LegacyConfig } from './configmap/types.js';
import { isMetalLBObject, readCRDObject } from './crds/parse.js';
import { emptyConfig, type MetalLBConfig } from './model/types.js';
import { DiagnosticSink, type PathSegment } from './util/diagnostics.js';
import { FieldReader, isRecord } from './yaml/reader.js';
import { parseYamlDocuments, type SourceDoc } from './yaml/source.js';

/** Everything MetalLB-related found in a set of YAML/JSON inputs. */
export interface MetalLBInputs {
  /** The legacy ConfigMap (`kind: ConfigMap` with `data.config`, or a bare config document). */
  legacy?: LegacyConfig;
  /** MetalLB CRDs, merged in input order; undefined when there were none. */
  crds?: MetalLBConfig;
  /** `v1 Service` objects (for allocation). */
  services: ServiceInput[];
  /** `v1 Namespace` objects (for `namespaceSelectors`). */
  namespaces: NamespaceInput[];
  diagnostics: Diagnostic[];
}

/** One input text and its file name (what the CLI's `readInputs` returns). */
export interface InputDocument {
  text: string;
  file?: string;
}

/**
 * A ConfigMap MetalLB would read: key `config`, and named `config` or living in
 * `metallb-system` (other ConfigMaps with a `config` key are somebody else's).
 */
function isMetalLBConfigMap(item: Record<string, unknown>): boolean {
  if (!isRecord(item.data) || !('config' in item.data)) return false;
  const meta = isRecord(item.metadata) ? item.metadata : {};
  return meta.name === 'config' || meta.namespace === 'metallb-system';
}

function readService(
  doc: SourceDoc,
  raw: Record<string, unknown>,
  path: PathSegment[],
  sink: DiagnosticSink,
): ServiceInput | undefined {
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const ref: ResourceRef = { kind: 'Service', namespace, name: name || '<unnamed>' };
  const r = new FieldReader(sink, ref, doc.scoped(path), [], 'warning', false);
  if (name === '') {
    r.error(['metadata', 'name'], 'missing metadata.name: every Service needs a name', 'missing-name');
    return undefined;
  }
  const svc: ServiceInput = { metadata: { name, namespace } };
  const labels = r.stringMap(meta.labels, ['metadata', 'labels']);
  if (labels) svc.metadata.labels = labels;
  const annotations = r.stringMap(meta.annotations, ['metadata', 'annotations']);
  if (annotations) svc.metadata.annotations = annotations;
  const spec = isRecord(raw.spec) ? raw.spec : {};
  const out: NonNullable<ServiceInput['spec']> = {};
  const str = (k: string) => r.string(spec[k], ['spec', k]);
  for (const k of [
    'type',
    'loadBalancerIP',
    'loadBalancerClass',
    'externalTrafficPolicy',
    'ipFamilyPolicy',
    'clusterIP',
  ] as const) {
    const v = str(k);
    if (v !== undefined) out[k] = v;
  }
  const ipFamilies = r.stringList(spec.ipFamilies, ['spec', 'ipFamilies']);
  if (ipFamilies) out.ipFamilies = ipFamilies;
  const clusterIPs = r.stringList(spec.clusterIPs, ['spec', 'clusterIPs']);
  if (clusterIPs) out.clusterIPs = clusterIPs;
  const selector = r.stringMap(spec.selector, ['spec', 'selector']);
  if (selector) out.selector = selector;
  const ports = r.list(spec.ports, ['spec', 'ports']);
  if (ports) {
    out.ports = [];
    ports.forEach((p, i) => {
      if (!isRecord(p)) {
        r.error(['spec', 'ports', i], 'expected a port mapping', 'wrong-type');
        return;
      }
      const port = r.integer(p.port, ['spec', 'ports', i, 'port'], 1, 65535, 'a port');
      if (port === undefined) {
        if (p.port === undefined)
          r.error(
            ['spec', 'ports', i, 'port'],
            'missing port: expected a port from 1 to 65535',
            'wrong-type',
          );
        return;
      }
      const entry: { port: number; protocol?: string; name?: string } = { port };
      const protocol = r.string(p.protocol, ['spec', 'ports', i, 'protocol']);
      if (protocol !== undefined) {
        if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) {
          r.error(
            ['spec', 'ports', i, 'protocol'],
            `unknown protocol ${JSON.stringify(protocol)}: expected TCP, UDP or SCTP`,
            'invalid-enum',
          );
        }
        entry.protocol = protocol;
      }
      const pname = r.string(p.name, ['spec', 'ports', i, 'name']);
      if (pname !== undefined) entry.name = pname;
      out.ports?.push(entry);
    });
  }
  svc.spec = out;
  const status = isRecord(raw.status) ? raw.status : undefined;
  const lb = status && isRecord(status.loadBalancer) ? status.loadBalancer : undefined;
  const ingress = lb ? r.list(lb.ingress, ['status', 'loadBalancer', 'ingress']) : undefined;
  if (ingress) {
    const items: { ip?: string; hostname?: string }[] = [];
    ingress.forEach((ing, i) => {
      if (!isRecord(ing)) return;
      const item: { ip?: string; hostname?: string } = {};
      const ip = r.string(ing.ip, ['status', 'loadBalancer', 'ingress', i, 'ip']);
      if (ip !== undefined) item.ip = ip;
      const host = r.string(ing.hostname, ['status', 'loadBalancer', 'ingress', i, 'hostname']);
      if (host !== undefined) item.hostname = host;
      items.push(item);
    });
    svc.status = { loadBalancer: { ingress: items } };
  }
  return svc;
}

/**
 * Sorts multi-document YAML/JSON inputs into what MetalLB reads: the legacy ConfigMap, CRDs,
 * Services and Namespaces. `kind: List` documents are opened. Other documents are ignored.
 * Never throws on input.
 *
 * @example
 * ```ts
 * const inputs = loadMetalLBInputs([{ file: 'pools.yaml', text }]);
 * if (inputs.crds) allocate(inputs.crds, inputs.services, { namespaces: inputs.namespaces });
 * ```
 */
export function loadMetalLBInputs(
  inputs: string | readonly InputDocument[],
  opts: Pick<LegacyParseOptions, 'bgpMode' | 'validate'> = {},
): MetalLBInputs {
  const list = typeof inputs === 'string' ? [{ text: inputs }] : inputs;
  const sink = new DiagnosticSink();
  const out: MetalLBInputs = { services: [], namespaces: [], diagnostics: sink.diagnostics };
  let crds: MetalLBConfig | undefined;
  let crdNamespaceSet = false;
  for (const input of list) {
    const parsed = parseYamlDocuments(input.text, input.file);
    for (const p of parsed.problems) {
      sink.add(
        { kind: 'File', namespace: '', name: input.file ?? '<input>' },
        '',
        `invalid YAML: ${p.message}`,
        'yaml-syntax',
        'error',
        p.source,
      );
    }
    for (const doc of parsed.docs) {
      const v = doc.value;
      const items: [unknown, PathSegment[]][] =
        isRecord(v) && v.kind === 'List' && Array.isArray(v.items)
          ? v.items.map((item, i) => [item, ['items', i]])
          : [[v, []]];
      for (const [item, path] of items) {
        if (!isRecord(item)) continue;
        if (item.kind === 'ConfigMap' && isMetalLBConfigMap(item) && path.length === 0) {
          const result = readConfigMapDocument(doc, input.text, {
            ...opts,
            ...(input.file ? { file: input.file } : {}),
          });
          sink.diagnostics.push(...result.diagnostics);
          if (result.config) {
            if (out.legacy) {
              sink.add(
                { kind: 'ConfigMap', namespace: result.config.namespace, name: result.config.name },
                '',
                'more than one MetalLB ConfigMap in the input: only the first is used',
                'duplicate-configmap',
                'error',
                result.config.source,
              );
            } else out.legacy = result.config;
          }
        } else if (path.length === 0 && looksLikeLegacyData(item)) {
          const result = readBareLegacyDocument(doc, opts);
          sink.diagnostics.push(...result.diagnostics);
          if (result.config && !out.legacy) out.legacy = result.config;
        } else if (isMetalLBObject(item)) {
          crds ??= emptyConfig();
          readCRDObject(doc, item, crds, sink, path);
          const meta = isRecord(item.metadata) ? item.metadata : {};
          if (!crdNamespaceSet && typeof meta.namespace === 'string' && meta.namespace !== '') {
            crds.namespace = meta.namespace;
            crdNamespaceSet = true;
          }
        } else if (item.apiVersion === 'v1' && item.kind === 'Service') {
          const svc = readService(doc, item, path, sink);
          if (svc) out.services.push(svc);
        } else if (item.apiVersion === 'v1' && item.kind === 'Namespace') {
          const meta = isRecord(item.metadata) ? item.metadata : {};
          if (typeof meta.name === 'string') {
            const ns: NamespaceInput = { name: meta.name };
            if (isRecord(meta.labels))
              ns.labels = Object.fromEntries(Object.entries(meta.labels).map(([k, val]) => [k, String(val)]));
            out.namespaces.push(ns);
          }
        }
      }
    }
  }
  if (crds) out.crds = crds;
  return out;
}
