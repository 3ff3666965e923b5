import { type Diagnostic, type GatewayIR, type IRCluster, type IREndpoint, sealIR } from '@gateway/core';
import { clusterServiceRef, type ServiceRef } from '../service-ref.js';
import type { EndpointSlice, Service } from '../types.js';

/** The label EndpointSlices carry to name their Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Lookups over the cluster's Services and EndpointSlices (a cache or plain arrays). */
export interface EndpointSource {
  /** The Service `namespace/name`, if it exists. */
  service(namespace: string, name: string): Service | undefined;
  /** Every EndpointSlice of the Service `namespace/name`. */
  slices(namespace: string, name: string): Iterable<EndpointSlice>;
}

export interface ApplyEndpointSlicesOptions {
  /** Namespace of bare service names (the compile option `gatewayNamespace`). Default `default`. */
  gatewayNamespace?: string;
  /**
   * `eds` (default): endpoints arrive through discovery and the IR lists the ready ones now;
   * `static`: the endpoints are the cluster's fixed membership.
   */
  mode?: 'eds' | 'static';
  /** Seals the result (default core's `sealIR`); the controller passes a memoising one. */
  seal?: (body: Omit<GatewayIR, 'version' | 'schema'>) => GatewayIR;
  /**
   * Reuse across calls: a cluster object seen before with the same `stamp` of its Service gets
   * the same result object back (unchanged objects keep their identity, so sealing stays cheap).
   */
  cache?: {
    stamp: (namespace: string, name: string) => number;
    results: WeakMap<IRCluster, EndpointCacheEntry>;
  };
}

/** What {@link applyEndpointSlices} remembers per cluster object between calls. */
export interface EndpointCacheEntry {
  ref: ServiceRef | undefined;
  /** Service stamp and mode the result was computed for (-1: no result yet). */
  stamp: number;
  mode: string;
  cluster: IRCluster;
  diagnostics: Diagnostic[];
}

/**
 * Indexes EndpointSlices and Services given as arrays (for one-shot use; the controller keeps an
 * incremental index).
 *
 * @example
 * ```ts
 * applyEndpointSlices(ir, endpointSourceFrom(services, slices));
 * ```
 */
export function endpointSourceFrom(services: Service[], slices: EndpointSlice[]): EndpointSource {
  const svc = new Map<string, Service>();
  for (const s of services) svc.set(`${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}`, s);
  const bySvc = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${slice.metadata?.namespace ?? 'default'}/${name}`;
    bySvc.set(key, [...(bySvc.get(key) ?? []), slice]);
  }
  return {
    service: (ns, name) => svc.get(`${ns}/${name}`),
    slices: (ns, name) => bySvc.get(`${ns}/${name}`) ?? [],
  };
}

/**
 * Post-processes an IR with endpoint-level load balancing: every cluster whose upstream is a
 * Kubernetes Service that exists in `source` gets that Service's ready endpoints (from its
 * EndpointSlices, with the Service port mapped to the endpoints' target port by port name)
 * as `eds` (or `static`) discovery. ExternalName Services become DNS discovery of their
 * external name. Clusters for anything else (external hosts, IPs, unknown Services) are
 * unchanged. Returns a new, re-sealed IR.
 *
 * Endpoint conditions: `ready` (or unset) → healthy; not ready but `serving` and `terminating`
 * → draining (no new requests, existing ones finish); otherwise left out.
 *
 * @example
 * ```ts
 * const { ir } = compile(resources);
 * const withEndpoints = applyEndpointSlices(ir, endpointSourceFrom(services, slices)).ir;
 * ```
 */
export function applyEndpointSlices(
  ir: GatewayIR,
  source: EndpointSource,
  opts: ApplyEndpointSlicesOptions = {},
): { ir: GatewayIR; diagnostics: Diagnostic[] } {
  const gatewayNamespace = opts.gatewayNamespace ?? 'default';
  const diagnostics: Diagnostic[] = [];
  let changed = false;
  const mode = opts.mode ?? 'eds';
  const cache = opts.cache;
  const clusters = ir.clusters.map((cluster) => {
    const hit = cache?.results.get(cluster);
    // Whether a name is a Service can change (the Service appears), so unresolved refs are retried.
    const ref =
      hit?.ref ??
      clusterServiceRef(cluster, gatewayNamespace, (ns, name) => source.service(ns, name) !== undefined);
    if (!ref) return cluster;
    const svc = source.service(ref.namespace, ref.name);
    if (!svc) return cluster;
    const stamp = cache ? cache.stamp(ref.namespace, ref.name) : -1;
    let next: IRCluster;
    if (hit && hit.stamp === stamp && hit.mode === mode) {
      next = hit.cluster;
      if (hit.diagnostics.length) diagnostics.push(...hit.diagnostics);
    } else {
      const own: Diagnostic[] = [];
      next = clusterWithEndpoints(cluster, ref, svc, source, mode, own);
      diagnostics.push(...own);
      cache?.results.set(cluster, { ref, stamp, mode, cluster: next, diagnostics: own });
    }
    if (next !== cluster) changed = true;
    return next;
  });
  if (!changed) return { ir, diagnostics };
  const { version: _v, schema: _s, ...body } = ir;
  return { ir: (opts.seal ?? sealIR)({ ...body, clusters }), diagnostics };
}

function clusterWithEndpoints(
  cluster: IRCluster,
  ref: ServiceRef,
  svc: Service,
  source: EndpointSource,
  mode: 'eds' | 'static',
  diagnostics: Diagnostic[],
): IRCluster {
  const resource = { kind: 'Service', namespace: ref.namespace, name: ref.name };
  if (svc.spec?.type === 'ExternalName') {
    const host = svc.spec.externalName?.replace(/\.$/, '');
    if (!host) return cluster;
    return {
      ...cluster,
      discovery: { kind: 'dns', host, port: ref.port, mode: 'strict', respectDnsTtl: false },
    };
  }
  const servicePort = (svc.spec?.ports ?? []).find(
    (p) => p.port === ref.port && (p.protocol ?? 'TCP') === 'TCP',
  );
  const endpoints: IREndpoint[] = [];
  if (!servicePort) {
    diagnostics.push({
      resource,
      path: 'spec.ports',
      message: `cluster ${cluster.name} uses port ${ref.port}, which the Service does not expose; it has no endpoints`,
      severity: 'warning',
      code: 'service-port-missing',
    });
  } else {
    const portName = servicePort.name ?? '';
    const seen = new Set<string>();
    for (const slice of source.slices(ref.namespace, ref.name)) {
      const slicePort = (slice.ports ?? []).find(
        (p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP',
      );
      if (!slicePort || typeof slicePort.port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        const address = ep.addresses?.[0];
        if (!address) continue;
        const c = ep.conditions ?? {};
        const ready = c.ready !== false;
        const draining = !ready && c.serving === true && c.terminating === true;
        if (!ready && !draining) continue;
        const key = `${address}:${slicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        endpoints.push({
          address,
          port: slicePort.port,
          weight: 1,
          zone: ep.zone ?? '',
          health: ready ? 'healthy' : 'draining',
        });
      }
    }
  }
  endpoints.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  const discovery =
    mode === 'static'
      ? ({ kind: 'static', endpoints } as const)
      : ({ kind: 'eds', serviceName: `k8s/${ref.namespace}/${ref.name}/${ref.port}`, endpoints } as const);
  return { ...cluster, discovery };
}
