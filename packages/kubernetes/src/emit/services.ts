import { type Diagnostic, type GatewayIR, parseService, type Resource } from '@gateway/core';
import { stringify } from 'yaml';
import { CONFIG_ANNOTATION } from '../read/objects.js';
import { splitServiceHost } from '../service-ref.js';
import type { Service, ServicePort } from '../types.js';
import { METALLB_ANNOTATIONS } from '../validation/service.js';
import {
  clusterBackend,
  diag,
  type EmitResult,
  knownNamespaces,
  type ServiceResolutionOptions,
  selfCheck,
  sortDiagnostics,
  toDns1035Label,
} from './common.js';

/** MetalLB options of a LoadBalancer Service. */
export interface MetalLBServiceOptions {
  /** `metallb.io/address-pool`: allocate from this IPAddressPool. */
  addressPool?: string;
  /** `metallb.io/loadBalancerIPs`: request these addresses (at most one per IP family). */
  loadBalancerIPs?: string[];
  /** `metallb.io/allow-shared-ip`: Services with the same key may share an address. */
  allowSharedIP?: string;
}

/** How one upstream Service is emitted. */
export interface ServiceSettings {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Pod selector; default `{ app: <service name> }`. */
  selector?: Record<string, string>;
  /** Per Service port: target port (number or container port name) and node port. */
  ports?: Record<number, { name?: string; targetPort?: number | string; nodePort?: number }>;
  metallb?: MetalLBServiceOptions;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  loadBalancerClass?: string;
}

export interface ServicesEmitOptions extends ServiceResolutionOptions, ServiceSettings {
  /** Settings per Service, keyed `namespace/name` (or `name` for any namespace); override the defaults. */
  services?: Record<string, ServiceSettings>;
  /** Labels for every emitted Service. */
  labels?: Record<string, string>;
}

/** The MetalLB annotations for a LoadBalancer Service. */
export function metallbAnnotations(m: MetalLBServiceOptions | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m) return out;
  if (m.addressPool) out[METALLB_ANNOTATIONS.addressPool] = m.addressPool;
  if (m.loadBalancerIPs?.length) out[METALLB_ANNOTATIONS.loadBalancerIPs] = m.loadBalancerIPs.join(',');
  if (m.allowSharedIP) out[METALLB_ANNOTATIONS.allowSharedIP] = m.allowSharedIP;
  return out;
}

/**
 * Emits `v1` Services for the IR's upstreams that are Kubernetes Services (one per
 * namespace/name, with a port per port the routes use): ClusterIP by default, or NodePort /
 * LoadBalancer with node ports, target ports and MetalLB annotations
 * (`metallb.io/address-pool`, `metallb.io/loadBalancerIPs`, `metallb.io/allow-shared-ip`).
 * External upstreams (`httpbin.org:80`) are reported as notices and not emitted.
 *
 * @example
 * ```ts
 * emitServices(ir, { services: { 'default/web': { type: 'LoadBalancer', metallb: { addressPool: 'public' } } } });
 * ```
 */
export function emitServices(ir: GatewayIR, opts: ServicesEmitOptions = {}): EmitResult {
  const gatewayNamespace = opts.gatewayNamespace ?? 'default';
  const namespaces = knownNamespaces(ir, opts);
  const diagnostics: Diagnostic[] = [];
  const wanted = new Map<
    string,
    { namespace: string; name: string; ports: Map<number, 'http1' | 'http2' | 'auto'> }
  >();
  for (const cluster of ir.clusters) {
    const b = clusterBackend(cluster, namespaces, gatewayNamespace);
    if (b.kind === 'external') {
      diagnostics.push(
        diag(
          { kind: 'Cluster', namespace: '', name: cluster.name },
          '',
          `upstream ${b.host}:${b.port} is not a Kubernetes Service; no Service emitted`,
          'notice',
          'services-external-upstream',
        ),
      );
      continue;
    }
    const key = `${b.namespace}/${b.name}`;
    let w = wanted.get(key);
    if (!w) {
      w = { namespace: b.namespace, name: b.name, ports: new Map() };
      wanted.set(key, w);
    }
    if (!w.ports.has(b.port)) w.ports.set(b.port, cluster.protocol);
  }
  const objects: Service[] = [];
  for (const key of [...wanted.keys()].sort()) {
    const w = wanted.get(key)!;
    const settings: ServiceSettings = {
      ...pick(opts),
      ...(opts.services?.[w.name] ?? {}),
      ...(opts.services?.[key] ?? {}),
    };
    objects.push(
      buildService(
        w.namespace,
        w.name,
        [...w.ports.entries()].sort((a, b) => a[0] - b[0]),
        settings,
        opts.labels,
        diagnostics,
      ),
    );
  }
  diagnostics.push(...selfCheck(objects));
  return { objects, diagnostics: sortDiagnostics(diagnostics) };
}

function pick(s: ServiceSettings): ServiceSettings {
  const { type, selector, ports, metallb, externalTrafficPolicy, loadBalancerClass } = s;
  return { type, selector, ports, metallb, externalTrafficPolicy, loadBalancerClass };
}

function buildService(
  namespace: string,
  name: string,
  ports: Array<[number, 'http1' | 'http2' | 'auto']>,
  s: ServiceSettings,
  labels: Record<string, string> | undefined,
  diagnostics: Diagnostic[],
): Service {
  const type = s.type ?? 'ClusterIP';
  const ref = { kind: 'Service', namespace, name };
  const servicePorts: ServicePort[] = ports.map(([port, protocol]) => {
    const extra = s.ports?.[port] ?? {};
    const portName =
      extra.name ??
      (ports.length > 1 || s.ports ? `${protocol === 'http2' ? 'grpc' : 'http'}-${port}` : undefined);
    const nodePort = type === 'ClusterIP' ? undefined : extra.nodePort;
    if (type === 'ClusterIP' && extra.nodePort !== undefined) {
      diagnostics.push(
        diag(
          ref,
          `spec.ports`,
          `nodePort ${extra.nodePort} ignored for a ClusterIP Service`,
          'warning',
          'services-node-port-ignored',
        ),
      );
    }
    return {
      ...(portName ? { name: portName } : {}),
      protocol: 'TCP',
      ...(protocol === 'http2' ? { appProtocol: 'kubernetes.io/h2c' } : {}),
      port,
      targetPort: extra.targetPort ?? port,
      ...(nodePort !== undefined ? { nodePort } : {}),
    };
  });
  const annotations = type === 'LoadBalancer' ? metallbAnnotations(s.metallb) : {};
  if (type !== 'LoadBalancer' && s.metallb) {
    diagnostics.push(
      diag(
        ref,
        'metadata.annotations',
        'MetalLB options only apply to LoadBalancer Services; ignored',
        'warning',
        'services-metallb-ignored',
      ),
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: toDns1035Label(name),
      namespace,
      ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      type,
      selector: s.selector ?? { app: name },
      ports: servicePorts,
      ...(s.externalTrafficPolicy && type !== 'ClusterIP'
        ? { externalTrafficPolicy: s.externalTrafficPolicy }
        : {}),
      ...(s.loadBalancerClass && type === 'LoadBalancer' ? { loadBalancerClass: s.loadBalancerClass } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Ambassador style: Services carrying their Mappings in the getambassador.io/config annotation

export interface AnnotatedServicesOptions extends ServiceResolutionOptions, ServiceSettings {
  /** apiVersion written into the flat documents. Default `getambassador.io/v3alpha1`. */
  apiVersion?: string;
  labels?: Record<string, string>;
}

/** Spec fields whose values are maps keyed by user data (header names…): keys are kept as written. */
const RECORD_FIELDS = new Set([
  'headers',
  'regexHeaders',
  'queryParameters',
  'regexQueryParameters',
  'addRequestHeaders',
  'addResponseHeaders',
  'authContextExtensions',
  'addAuthHeaders',
]);
/** Fields copied verbatim (untyped). */
const OPAQUE_FIELDS = new Set(['docs', 'envoyOverride', 'modules']);

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A camelCase spec as Ambassador's snake_case flat document fields. */
export function toAmbassadorFields(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    const name = camelToSnake(key);
    if (RECORD_FIELDS.has(key) || OPAQUE_FIELDS.has(key)) out[name] = value;
    else if (key === 'labels') out[name] = labelsToSnake(value);
    else out[name] = snakeDeep(value);
  }
  return out;
}

function snakeDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[camelToSnake(k)] = snakeDeep(v);
    return out;
  }
  return value;
}

/** `labels: {domain: [{group: [specifier…]}]}`: domains and group names are user data. */
function labelsToSnake(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [domain, groups] of Object.entries(value)) {
    out[domain] = Array.isArray(groups)
      ? groups.map((g) => {
          if (g === null || typeof g !== 'object') return g;
          const group: Record<string, unknown> = {};
          for (const [name, specs] of Object.entries(g)) group[name] = snakeDeep(specs);
          return group;
        })
      : groups;
  }
  return out;
}

/**
 * Emits Services in the Ambassador style: each Mapping (and TCPMapping) rides in the
 * `getambassador.io/config` annotation of the Service it routes to, as a flat document
 * (`apiVersion`, `kind`, `name`, snake_case fields). A Mapping whose namespace differs from the
 * Service's carries `namespace`. An external upstream (`httpbin.org:80`) gets an ExternalName
 * Service named after its first label. Other resources (Hosts, Modules…) are reported as notices
 * (they are better kept as CRDs).
 *
 * @example
 * ```ts
 * const { resources } = loadYaml(text);
 * const { objects } = emitAnnotatedServices(resources);
 * ```
 */
export function emitAnnotatedServices(
  resources: Resource[],
  opts: AnnotatedServicesOptions = {},
): EmitResult {
  const gatewayNamespace = opts.gatewayNamespace ?? 'default';
  const apiVersion = opts.apiVersion ?? 'getambassador.io/v3alpha1';
  const namespaces = new Set<string>([
    gatewayNamespace,
    ...(opts.serviceNamespaces ?? []),
    ...resources.map((r) => r.metadata.namespace),
  ]);
  const diagnostics: Diagnostic[] = [];
  const services = new Map<
    string,
    {
      namespace: string;
      name: string;
      ports: Set<number>;
      externalName?: string;
      docs: Array<Record<string, unknown>>;
    }
  >();
  for (const r of resources) {
    const ref = { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
    if (r.kind !== 'Mapping' && r.kind !== 'TCPMapping') {
      diagnostics.push(
        diag(
          ref,
          '',
          `${r.kind} is not a routing resource; keep it as a getambassador.io object (not emitted)`,
          'notice',
          'annotated-not-routing',
        ),
      );
      continue;
    }
    const spec = r.spec as unknown as Record<string, unknown>;
    const parsed = parseService(String(spec.service ?? ''));
    if (!parsed.ok) {
      diagnostics.push(diag(ref, 'spec.service', parsed.message, 'error', 'annotated-invalid-service'));
      continue;
    }
    const svc = parsed.value;
    const port = svc.port ?? (svc.scheme === 'https' ? 443 : 80);
    let namespace = r.metadata.namespace;
    let name: string;
    let externalName: string | undefined;
    const split = svc.isIp ? undefined : splitServiceHost(svc.host, r.metadata.namespace);
    if (split && (split.labels !== 2 || namespaces.has(split.namespace))) {
      name = split.name;
      namespace = split.namespace;
    } else {
      name = toDns1035Label(svc.isIp ? `ip-${svc.host}` : svc.host.split('.')[0]!);
      externalName = svc.isIp ? undefined : svc.host;
      if (svc.isIp) {
        diagnostics.push(
          diag(
            ref,
            'spec.service',
            `upstream ${svc.host} is an IP address; the carrier Service ${name} has no selector`,
            'notice',
            'annotated-ip-upstream',
          ),
        );
      }
    }
    const key = `${namespace}/${name}`;
    let entry = services.get(key);
    if (!entry) {
      entry = { namespace, name, ports: new Set(), ...(externalName ? { externalName } : {}), docs: [] };
      services.set(key, entry);
    } else if (externalName && entry.externalName && entry.externalName !== externalName) {
      diagnostics.push(
        diag(
          ref,
          'spec.service',
          `carrier Service ${key} already points at ${entry.externalName}; ${externalName} shares it`,
          'warning',
          'annotated-carrier-conflict',
        ),
      );
    }
    entry.ports.add(port);
    const { ambassador_id: ambassadorId, ...fields } = toAmbassadorFields(spec);
    entry.docs.push({
      apiVersion,
      kind: r.kind,
      name: r.metadata.name,
      ...(r.metadata.namespace !== namespace ? { namespace: r.metadata.namespace } : {}),
      ...(Object.keys(r.metadata.labels).length ? { metadata_labels: r.metadata.labels } : {}),
      ...fields,
      ...(ambassadorId !== undefined ? { ambassador_id: ambassadorId } : {}),
    });
  }
  const objects: Service[] = [];
  for (const key of [...services.keys()].sort()) {
    const e = services.get(key)!;
    const text = e.docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
    const ports = [...e.ports].sort((a, b) => a - b);
    const settings: ServiceSettings = e.externalName ? {} : pick(opts);
    const base = buildService(
      e.namespace,
      e.name,
      ports.map((p) => [p, 'http1'] as [number, 'http1']),
      settings,
      opts.labels,
      diagnostics,
    );
    const spec = e.externalName
      ? { type: 'ExternalName', externalName: e.externalName, ports: base.spec?.ports }
      : base.spec;
    objects.push({
      ...base,
      metadata: {
        ...base.metadata,
        annotations: { ...(base.metadata.annotations ?? {}), [CONFIG_ANNOTATION]: text },
      },
      spec,
    });
  }
  diagnostics.push(...selfCheck(objects));
  return { objects, diagnostics: sortDiagnostics(diagnostics) };
}
