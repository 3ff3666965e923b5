import { createHash } from 'node:crypto';
import type {
  Diagnostic,
  GatewayIR,
  IRCluster,
  IRHeaderMatch,
  IRListener,
  IRPathMatch,
  IRPathRewrite,
  IRRoute,
  IRStringMatch,
  IRVirtualHost,
  ResourceRef,
  Severity,
} from '@gateway/core';
import { splitServiceHost } from '../service-ref.js';
import type { KubeObject } from '../types.js';
import { validateObject } from '../validation/index.js';

/** What an emitter produced: Kubernetes objects, and what it could not express (or noticed). */
export interface EmitResult {
  objects: KubeObject[];
  diagnostics: Diagnostic[];
}

/** Options every IR emitter takes to decide which upstreams are Kubernetes Services. */
export interface ServiceResolutionOptions {
  /** Namespace of bare service names, as in the compile option. Default `default`. */
  gatewayNamespace?: string;
  /**
   * Namespaces that exist in the cluster. `name.ns` upstreams are Services when `ns` is one of
   * these or a namespace any route comes from; otherwise (`httpbin.org`) they are external hosts.
   */
  serviceNamespaces?: string[];
}

/** An upstream as Kubernetes sees it. */
export type Backend =
  | { kind: 'service'; namespace: string; name: string; port: number }
  | { kind: 'external'; host: string; port: number };

/** The resource a route came from, for diagnostics. */
export function routeRef(route: IRRoute): ResourceRef {
  return route.sources[0] ?? { kind: 'Route', namespace: '', name: route.name };
}

export function diag(
  resource: ResourceRef,
  path: string,
  message: string,
  severity: Severity,
  code: string,
): Diagnostic {
  return { resource, path, message, severity, code };
}

/**
 * A DNS-1123 label from any string: lower-cased, runs of other characters → `-`, trimmed, and
 * shortened with a hash suffix when longer than `max`.
 */
export function toDnsLabel(value: string, max = 63): string {
  let s = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s) s = 'x';
  if (s.length > max) {
    const hash = createHash('sha1').update(value).digest('hex').slice(0, 8);
    s = `${s.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
  }
  return s;
}

/** Like {@link toDnsLabel} but the first character is a letter (DNS-1035, for Service names). */
export function toDns1035Label(value: string, max = 63): string {
  const s = toDnsLabel(value, max);
  return /^[a-z]/.test(s) ? s : toDnsLabel(`s-${s}`, max);
}

/** Every namespace the IR's routes come from, plus the configured ones. */
export function knownNamespaces(ir: GatewayIR, opts: ServiceResolutionOptions): Set<string> {
  const out = new Set<string>([opts.gatewayNamespace ?? 'default', ...(opts.serviceNamespaces ?? [])]);
  for (const l of ir.listeners)
    for (const v of l.virtualHosts) for (const r of v.routes) for (const s of r.sources) out.add(s.namespace);
  for (const t of ir.tcpRoutes) for (const s of t.sources) out.add(s.namespace);
  return out;
}

/** Where a cluster's traffic goes, in Kubernetes terms. */
export function clusterBackend(
  cluster: IRCluster,
  namespaces: Set<string>,
  gatewayNamespace: string,
): Backend {
  const d = cluster.discovery;
  if (d.kind === 'eds') {
    const m = /^k8s\/([^/]+)\/([^/]+)\/(\d+)$/.exec(d.serviceName);
    if (m) return { kind: 'service', namespace: m[1]!, name: m[2]!, port: Number(m[3]) };
  }
  const { host, port } = hostPort(cluster);
  const split = splitServiceHost(host, gatewayNamespace);
  if (split && (split.labels !== 2 || namespaces.has(split.namespace))) {
    return { kind: 'service', namespace: split.namespace, name: split.name, port };
  }
  return { kind: 'external', host, port };
}

function hostPort(cluster: IRCluster): { host: string; port: number } {
  if (cluster.discovery.kind === 'dns') return { host: cluster.discovery.host, port: cluster.discovery.port };
  const s = cluster.service.replace(/^https?:\/\//, '');
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  return { host: (m?.[1] ?? s).replace(/^\[|\]$/g, ''), port: m?.[2] ? Number(m[2]) : 80 };
}

/** One route as it appears on a listener's virtual host. */
export interface RouteSite {
  listener: IRListener;
  vhost: IRVirtualHost;
  route: IRRoute;
  /** Position in the IR (listener, vhost, route order): the Ambassador match order. */
  order: number;
}

export function routeSites(ir: GatewayIR): RouteSite[] {
  const out: RouteSite[] = [];
  let order = 0;
  for (const listener of ir.listeners) {
    for (const vhost of listener.virtualHosts)
      for (const route of vhost.routes) out.push({ listener, vhost, route, order: order++ });
  }
  return out;
}

/**
 * The host a route's `:authority` header match restricts it to, when that is a form Kubernetes
 * can express: exact (hosts are case-insensitive), a `.suffix` match (a multi-label wildcard,
 * `*.suffix`), or the single-label wildcard regex core generates for Ingress `*.x` hosts.
 */
export function authorityHost(
  h: IRHeaderMatch,
): { host: string; wildcard?: 'single-label' | 'multi-label' } | undefined {
  if (h.name !== ':authority' || h.invert || !h.match) return undefined;
  const m = h.match;
  if ('exact' in m) return { host: m.exact.toLowerCase() };
  if ('suffix' in m && m.suffix.startsWith('.') && m.suffix.length > 1)
    return { host: `*${m.suffix.toLowerCase()}`, wildcard: 'multi-label' };
  if ('regex' in m) {
    const w = /^\[\^\.\]\+((?:\\\.[a-z0-9-]+)+)$/.exec(m.regex);
    if (w) return { host: `*${w[1]!.replace(/\\\./g, '.')}`, wildcard: 'single-label' };
  }
  return undefined;
}

/** True when a rewrite leaves the matched path as it is. */
export function isIdentityRewrite(path: IRPathMatch, rewrite: IRPathRewrite): boolean {
  if (rewrite.kind === 'regex') return false;
  if (path.kind === 'exact') return rewrite.value === path.value;
  return (
    rewrite.kind === 'prefix' &&
    (path.kind === 'prefix' || path.kind === 'segment-prefix') &&
    rewrite.value === path.value
  );
}

/** Describes a string matcher for messages. */
export function describeMatch(m: IRStringMatch | undefined): string {
  if (!m) return 'present';
  if ('exact' in m) return `= ${JSON.stringify(m.exact)}`;
  if ('prefix' in m) return `prefix ${JSON.stringify(m.prefix)}`;
  if ('suffix' in m) return `suffix ${JSON.stringify(m.suffix)}`;
  if ('contains' in m) return `contains ${JSON.stringify(m.contains)}`;
  return `~ ${JSON.stringify(m.regex)}`;
}

/** RE2/ECMAScript-safe escaping of a literal. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Runs the API-server rule ports over emitted objects; any finding is an emitter bug, reported as such. */
export function selfCheck(objects: KubeObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const obj of objects) {
    for (const d of validateObject(obj))
      if (d.severity === 'error') out.push({ ...d, code: `emitted-${d.code ?? 'invalid'}` });
  }
  return out;
}

/** Sorts diagnostics deterministically (resource, path, code, message). */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) =>
    `${d.resource.kind}/${d.resource.namespace}/${d.resource.name}\u0000${d.path}\u0000${d.code ?? ''}\u0000${d.message}`;
  const seen = new Set<string>();
  return list
    .filter((d) => {
      const k = key(d);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
