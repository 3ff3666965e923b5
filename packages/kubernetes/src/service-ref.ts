import type { IRCluster } from '@gateway/core';
import { isIP } from './validation/names.js';

/** A Kubernetes Service an IR cluster points at. */
export interface ServiceRef {
  namespace: string;
  name: string;
  /** The Service port (not the target port). */
  port: number;
}

/**
 * Splits a DNS host the way Kubernetes DNS names Services: `name`, `name.namespace`,
 * `name.namespace.svc` or `name.namespace.svc.cluster.local`. `name` alone lives in
 * `defaultNamespace`. Returns undefined for IP literals and longer names. A two-label name is
 * ambiguous (`httpbin.org`), so callers decide whether its second label is a namespace.
 */
export function splitServiceHost(
  host: string,
  defaultNamespace: string,
): { name: string; namespace: string; labels: number } | undefined {
  if (isIP(host)) return undefined;
  const h = host.replace(/\.$/, '').toLowerCase();
  const labels = h.split('.');
  if (labels.length === 1) return { name: labels[0]!, namespace: defaultNamespace, labels: 1 };
  if (labels.length === 2) return { name: labels[0]!, namespace: labels[1]!, labels: 2 };
  const rest = labels.slice(2).join('.');
  if (rest === 'svc' || rest.startsWith('svc.'))
    return { name: labels[0]!, namespace: labels[1]!, labels: labels.length };
  return undefined;
}

/**
 * The Kubernetes Service behind an IR cluster, if its discovery names one: `eds` clusters
 * (`k8s/<ns>/<name>/<port>`) and `dns` clusters whose host is a Service DNS name. `isService`
 * decides two-label names (`quote.other` is a Service, `httpbin.org` is not).
 *
 * @example
 * ```ts
 * clusterServiceRef(cluster, 'default', (ns, name) => services.has(`${ns}/${name}`));
 * ```
 */
export function clusterServiceRef(
  cluster: IRCluster,
  defaultNamespace: string,
  isService: (namespace: string, name: string) => boolean,
): ServiceRef | undefined {
  const d = cluster.discovery;
  if (d.kind === 'eds') {
    const m = /^k8s\/([^/]+)\/([^/]+)\/(\d+)$/.exec(d.serviceName);
    if (m) return { namespace: m[1]!, name: m[2]!, port: Number(m[3]) };
    return undefined;
  }
  if (d.kind !== 'dns') return undefined;
  const split = splitServiceHost(d.host, defaultNamespace);
  if (!split) return undefined;
  if (split.labels === 2 && !isService(split.namespace, split.name)) return undefined;
  return { namespace: split.namespace, name: split.name, port: d.port };
}
