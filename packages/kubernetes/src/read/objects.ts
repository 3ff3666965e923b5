import {
  type CompileOptions,
  compile,
  type Diagnostic,
  type GatewayIR,
  loadObjects,
  type Resource,
} from '@gateway/core';
import type {
  EndpointSlice,
  Ingress,
  IngressClass,
  KubeObject,
  ObjectRef,
  Secret,
  Service,
} from '../types.js';
import { applyEndpointSlices, endpointSourceFrom } from './endpoint-slices.js';
import { type IngressClassPolicy, isIngressServed, servedClassName } from './ingress-class.js';
import { applySecrets, secretLookupFrom } from './secrets.js';

/** The annotation Ambassador reads flat resources from. */
export const CONFIG_ANNOTATION = 'getambassador.io/config';

/** What one Kubernetes object contributed. */
export interface ParsedObject {
  /** The object these came from (for Events). */
  origin: ObjectRef & { apiVersion: string; uid?: string };
  resources: Resource[];
  diagnostics: Diagnostic[];
}

export interface ParseOptions extends IngressClassPolicy {
  /** Namespace for objects that name none. Default `default`. */
  defaultNamespace?: string;
}

/** True for the kinds core's loader turns into gateway resources. */
export function isGatewaySourceObject(obj: KubeObject): boolean {
  if (obj.kind === 'Service') return obj.metadata?.annotations?.[CONFIG_ANNOTATION] !== undefined;
  if (obj.kind === 'Ingress') return true;
  return typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('getambassador.io/');
}

/**
 * Parses one Kubernetes object into gateway resources with core's loader: a Service's
 * `getambassador.io/config` annotation, an Ingress (only when this gateway serves its class; the
 * caller checks {@link isIngressServed}), or a getambassador.io object. Services without the
 * annotation produce nothing (not even a notice).
 *
 * @example
 * ```ts
 * const { resources, diagnostics } = parseObject(service);
 * ```
 */
export function parseObject(obj: KubeObject, opts: ParseOptions = {}): ParsedObject {
  const origin = {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? opts.defaultNamespace ?? 'default',
    name: obj.metadata?.name ?? '',
    ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
  };
  if (obj.kind === 'Service' && obj.metadata?.annotations?.[CONFIG_ANNOTATION] === undefined) {
    return { origin, resources: [], diagnostics: [] };
  }
  const loadOpts = {
    defaultNamespace: opts.defaultNamespace ?? 'default',
    ...(obj.kind === 'Ingress' ? { ingressClass: servedClassName(obj as Ingress, opts) } : {}),
  };
  const { resources, diagnostics } = loadObjects([obj], loadOpts);
  return { origin, resources, diagnostics };
}

/** Kubernetes objects sorted into what the gateway reads. */
export interface KubernetesObjects {
  services: Service[];
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  secrets: Secret[];
  endpointSlices: EndpointSlice[];
  /** getambassador.io objects (CRD form). */
  ambassador: KubeObject[];
  /** Everything else. */
  other: KubeObject[];
}

/** Sorts objects by kind (List objects are flattened). */
export function sortObjects(objects: KubeObject[]): KubernetesObjects {
  const out: KubernetesObjects = {
    services: [],
    ingresses: [],
    ingressClasses: [],
    secrets: [],
    endpointSlices: [],
    ambassador: [],
    other: [],
  };
  const visit = (o: KubeObject) => {
    if (!o || typeof o !== 'object') return;
    if (o.kind === 'List' && Array.isArray(o.items)) {
      for (const item of o.items) visit(item);
      return;
    }
    if (o.kind === 'Service' && o.apiVersion === 'v1') out.services.push(o as Service);
    else if (o.kind === 'Ingress') out.ingresses.push(o as Ingress);
    else if (o.kind === 'IngressClass') out.ingressClasses.push(o as IngressClass);
    else if (o.kind === 'Secret' && o.apiVersion === 'v1') out.secrets.push(o as Secret);
    else if (o.kind === 'EndpointSlice') out.endpointSlices.push(o as EndpointSlice);
    else if (typeof o.apiVersion === 'string' && /^(getambassador\.io|ambassador)\//.test(o.apiVersion))
      out.ambassador.push(o);
    else out.other.push(o);
  };
  objects.forEach(visit);
  return out;
}

export interface CompileKubernetesOptions extends ParseOptions, CompileOptions {
  /** Endpoint-level discovery from EndpointSlices (default `eds`); `false` keeps DNS discovery. */
  endpointDiscovery?: 'eds' | 'static' | false;
}

/**
 * One-shot read of a set of Kubernetes objects (a snapshot of a cluster, or files): class
 * filtering of Ingresses, core's loader for Services/Ingresses/getambassador.io objects,
 * compilation, then TLS Secrets → inline PEM and EndpointSlices → endpoints.
 *
 * @example
 * ```ts
 * const { ir, diagnostics } = compileKubernetesObjects(objectsFromCluster, { ingressClass: 'gateway' });
 * ```
 */
export function compileKubernetesObjects(
  objects: KubeObject[],
  opts: CompileKubernetesOptions = {},
): { ir: GatewayIR; diagnostics: Diagnostic[]; resources: Resource[] } {
  const sorted = sortObjects(objects);
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const sources: KubeObject[] = [
    ...sorted.services,
    ...sorted.ingresses.filter((i) => isIngressServed(i, sorted.ingressClasses, opts)),
    ...sorted.ambassador,
  ];
  for (const obj of sources) {
    const parsed = parseObject(obj, opts);
    resources.push(...parsed.resources);
    diagnostics.push(...parsed.diagnostics);
  }
  const compiled = compile(resources, opts);
  diagnostics.push(...compiled.diagnostics);
  let ir = compiled.ir;
  const withSecrets = applySecrets(ir, secretLookupFrom(sorted.secrets));
  ir = withSecrets.ir;
  diagnostics.push(...withSecrets.diagnostics);
  if (opts.endpointDiscovery !== false) {
    const withEndpoints = applyEndpointSlices(
      ir,
      endpointSourceFrom(sorted.services, sorted.endpointSlices),
      {
        gatewayNamespace: opts.gatewayNamespace,
        mode: opts.endpointDiscovery ?? 'eds',
      },
    );
    ir = withEndpoints.ir;
    diagnostics.push(...withEndpoints.diagnostics);
  }
  return { ir, diagnostics, resources };
}
