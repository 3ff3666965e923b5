import type { Diagnostic, GatewayIR, IRCluster, IRPathMatch, IRRoute, ResourceRef } from '@gateway/core';
import { DEFAULT_CONTROLLER_NAME } from '../read/ingress-class.js';
import type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressRule,
  IngressTLS,
} from '../types.js';
import {
  authorityHost,
  type Backend,
  clusterBackend,
  describeMatch,
  diag,
  type EmitResult,
  isIdentityRewrite,
  knownNamespaces,
  routeRef,
  routeSites,
  type ServiceResolutionOptions,
  selfCheck,
  sortDiagnostics,
} from './common.js';
import { describeSelector, ingressRank, type MatchSelector, orderChanges } from './precedence.js';

export interface IngressEmitOptions extends ServiceResolutionOptions {
  /** Name of the emitted Ingress objects (one per backend namespace). Default `gateway`. */
  name?: string;
  /** `spec.ingressClassName` and the IngressClass name. Default `gateway`. */
  ingressClassName?: string;
  /** IngressClass `spec.controller`. Default {@link DEFAULT_CONTROLLER_NAME}. */
  controllerName?: string;
  /** Emit the IngressClass object (default true). */
  ingressClass?: boolean;
  /** Mark the IngressClass as the cluster default. */
  defaultClass?: boolean;
  /** Named Service ports: `namespace/name:port` → port name (emitted as `port.name`). */
  portNames?: Record<string, string>;
  /** Labels for every emitted object. */
  labels?: Record<string, string>;
}

interface PathEntry {
  host?: string;
  namespace: string;
  path: HTTPIngressPath;
  route: IRRoute;
  order: number;
  selector: MatchSelector;
}

interface NamespaceIngress {
  rules: Map<string, { host?: string; paths: PathEntry[] }>;
  defaultBackend?: { backend: IngressBackend; route: IRRoute };
  tls: IngressTLS[];
}

const HOSTLESS = '\u0000*';

/**
 * Emits `networking.k8s.io/v1` Ingress objects (one per namespace that backends live in, since an
 * Ingress can only route to Services in its own namespace) and the IngressClass.
 *
 * Translation (documented in the package README):
 * - Hosts: vhost domains become rule hosts; `*` becomes a host-less rule; `*.example.com` becomes
 *   an Ingress wildcard, which matches exactly one label (narrower than the IR's suffix match;
 *   reported as a notice). Prefix globs (`api.*`) cannot be expressed.
 * - Paths: segment prefixes → `Prefix`, exact → `Exact`. A plain Ambassador string prefix becomes
 *   `Prefix` when it is `/` or ends with `/` (then it also matches the path without the trailing
 *   slash; notice), and `ImplementationSpecific` otherwise (most controllers treat that as a
 *   string prefix; notice). Regex paths cannot be expressed.
 * - A catch-all route (`*` host, path `/`, no other conditions) becomes `spec.defaultBackend`.
 * - TLS: HTTPS listeners' certificates become `spec.tls` entries when the certificate is a
 *   Kubernetes Secret in the Ingress's namespace.
 * - Routes with conditions Ingress cannot express (header, method or query matches, runtime
 *   fractions, case-insensitive or regex paths) and routes that redirect or answer directly are
 *   left out, each with a warning. Features of emitted routes Ingress cannot carry (rewrites, host
 *   rewrites, weights, mirrors, CORS, header changes, retries, auth, rate limits…) are reported
 *   per route; timeouts, upgrades and gRPC are reported as notices.
 * - Where Ingress precedence (longest path, Exact before Prefix) picks a different route than the
 *   IR's order for some request, the route that loses traffic gets a warning.
 *
 * @example
 * ```ts
 * const { ir } = compileYaml(text);
 * const { objects, diagnostics } = emitIngress(ir, { ingressClassName: 'gateway' });
 * process.stdout.write(toYamlDocuments(objects));
 * ```
 */
export function emitIngress(ir: GatewayIR, opts: IngressEmitOptions = {}): EmitResult {
  const className = opts.ingressClassName ?? 'gateway';
  const ingressName = opts.name ?? 'gateway';
  const gatewayNamespace = opts.gatewayNamespace ?? 'default';
  const namespaces = knownNamespaces(ir, opts);
  const clusters = new Map<string, IRCluster>(ir.clusters.map((c) => [c.name, c]));
  const diagnostics: Diagnostic[] = [];
  const byNamespace = new Map<string, NamespaceIngress>();
  const entries: PathEntry[] = [];
  const seen = new Set<string>();
  const reportedVhosts = new Set<string>();
  const labels = opts.labels ?? {};

  const nsIngress = (ns: string): NamespaceIngress => {
    let n = byNamespace.get(ns);
    if (!n) {
      n = { rules: new Map(), tls: [] };
      byNamespace.set(ns, n);
    }
    return n;
  };

  for (const site of routeSites(ir)) {
    const { vhost, route } = site;
    const ref = routeRef(route);
    const skip: string[] = [];
    const dropped: Array<[string, 'warning' | 'notice']> = [];

    // Hosts: the route's :authority condition, else the vhost's domains.
    let hosts: Array<string | undefined> = [];
    const authority = route.match.headers.find((h) => h.name === ':authority');
    if (authority) {
      const a = authorityHost(authority);
      if (a) {
        hosts = [a.host];
        if (a.wildcard === 'multi-label') {
          diagnostics.push(
            diag(
              ref,
              '',
              `host ${a.host}: an Ingress wildcard matches exactly one DNS label; the gateway matched any number of labels`,
              'notice',
              'ingress-wildcard-narrowed',
            ),
          );
        }
      } else skip.push(`a host condition (${describeMatch(authority.match)})`);
    } else {
      for (const d of vhost.domains) {
        if (d === '*') hosts.push(undefined);
        else if (d.startsWith('*.') && !d.slice(2).includes('*')) {
          hosts.push(d);
          const key = `${vhost.name}|wild`;
          if (!reportedVhosts.has(key)) {
            reportedVhosts.add(key);
            diagnostics.push(
              diag(
                ref,
                '',
                `host ${d}: an Ingress wildcard matches exactly one DNS label; the gateway matched any number of labels`,
                'notice',
                'ingress-wildcard-narrowed',
              ),
            );
          }
        } else if (!d.includes('*')) hosts.push(d.toLowerCase().replace(/:\d+$/, ''));
        else skip.push(`the host pattern ${d}`);
      }
    }
    for (const h of route.match.headers) {
      if (h.name === ':authority') continue;
      if (h.name === ':method') skip.push(`a method match (${describeMatch(h.match)})`);
      else skip.push(`a header match (${h.name} ${h.invert ? 'not ' : ''}${describeMatch(h.match)})`);
    }
    for (const q of route.match.queryParams) skip.push(`a query match (${q.name} ${describeMatch(q.match)})`);
    if (route.match.fraction !== undefined && route.match.fraction < 100)
      skip.push(`a traffic fraction (${route.match.fraction}%)`);
    if (!route.match.caseSensitive) skip.push('a case-insensitive path');
    if (route.match.secure === false) skip.push('a match on insecure (non-TLS) requests only');
    const path = ingressPath(route.match.path);
    if ('unsupported' in path) skip.push(path.unsupported);

    let backend: Backend | undefined;
    const action = route.action;
    if (action.kind === 'redirect') skip.push('a redirect');
    else if (action.kind === 'direct') skip.push(`a direct response (${action.status})`);
    else {
      const live = action.clusters.filter((c) => c.weight > 0);
      if (live.length === 0) skip.push('backends that all have weight 0');
      else {
        const main = live.reduce((a, b) => (b.weight > a.weight ? b : a));
        if (live.length > 1) {
          dropped.push([
            `weighted backends (${live.map((c) => `${c.cluster} ${c.weight}%`).join(', ')}); all traffic goes to ${main.cluster}`,
            'warning',
          ]);
        }
        const cluster = clusters.get(main.cluster);
        backend = cluster ? clusterBackend(cluster, namespaces, gatewayNamespace) : undefined;
        if (!backend) skip.push(`an unknown cluster ${main.cluster}`);
        else if (backend.kind === 'external')
          skip.push(`an upstream that is not a Kubernetes Service (${backend.host}:${backend.port})`);
        if (main.hostRewrite || main.requestHeaders)
          dropped.push(['per-backend host rewrites or headers', 'warning']);
      }
      if (action.rewrite && !isIdentityRewrite(route.match.path, action.rewrite)) {
        dropped.push([
          `a path rewrite (${describeRewrite(action.rewrite)}); the upstream receives the original path`,
          'warning',
        ]);
      }
      if (action.hostRewrite) dropped.push([`a host rewrite (${action.hostRewrite})`, 'warning']);
      if (action.autoHostRewrite) dropped.push(['auto_host_rewrite', 'warning']);
      if (action.retry) dropped.push(['a retry policy', 'warning']);
      if (action.mirrors.length > 0) dropped.push(['request mirroring', 'warning']);
      if (action.hashPolicy) dropped.push(['a hash-based load-balancing policy', 'warning']);
      if (action.priority === 'high') dropped.push(['high routing priority', 'warning']);
      if (action.timeoutMs > 0) dropped.push([`a ${action.timeoutMs} ms request timeout`, 'notice']);
      if (action.idleTimeoutMs > 0) dropped.push([`a ${action.idleTimeoutMs} ms idle timeout`, 'notice']);
      if (action.upgrades.length > 0)
        dropped.push([
          `protocol upgrades (${action.upgrades.join(', ')}); most controllers allow WebSocket by default`,
          'notice',
        ]);
      if (action.grpc)
        dropped.push([
          'that the upstream speaks gRPC (HTTP/2); controllers need their own backend-protocol setting',
          'notice',
        ]);
    }
    if (route.requestHeaders.add.length > 0 || route.requestHeaders.remove.length > 0)
      dropped.push(['request header changes', 'warning']);
    if (route.responseHeaders.add.length > 0 || route.responseHeaders.remove.length > 0)
      dropped.push(['response header changes', 'warning']);
    if (route.cors) dropped.push(['a CORS policy', 'warning']);
    if (
      (route.auth.bypassExtAuthz && action.kind === 'forward') ||
      Object.keys(route.auth.contextExtensions).length > 0 ||
      route.auth.jwtProviders.length > 0
    ) {
      dropped.push(['per-route authentication settings', 'warning']);
    }
    if (route.rateLimits.length > 0 || route.localRateLimit) dropped.push(['rate limits', 'warning']);
    if (route.authorizationPolicies.length > 0) dropped.push(['authorization policies', 'warning']);

    const dedupeKey = `${hosts.join(',')}|${route.name}`;
    if (seen.has(dedupeKey)) continue;
    seen.add(dedupeKey);

    if (skip.length > 0) {
      diagnostics.push(
        diag(
          ref,
          '',
          `route ${route.name}: Ingress cannot express ${skip.join(', ')}; route not emitted`,
          'warning',
          'ingress-route-skipped',
        ),
      );
      continue;
    }
    if (backend?.kind !== 'service' || 'unsupported' in path) continue;
    for (const [what, severity] of dropped) {
      diagnostics.push(
        diag(
          ref,
          '',
          `route ${route.name}: Ingress cannot express ${what}; emitted without it`,
          severity,
          'ingress-feature-dropped',
        ),
      );
    }
    for (const note of path.notes)
      diagnostics.push(diag(ref, '', `route ${route.name}: ${note}`, 'notice', 'ingress-path-translated'));

    const ingressBackend = serviceBackend(backend, opts.portNames);
    const ns = nsIngress(backend.namespace);
    const isCatchAll =
      hosts.length === 1 &&
      hosts[0] === undefined &&
      path.path.path === '/' &&
      path.path.pathType === 'Prefix';
    if (isCatchAll && !ns.defaultBackend) {
      ns.defaultBackend = { backend: ingressBackend, route };
      entries.push({
        namespace: backend.namespace,
        path: { ...path.path, backend: ingressBackend },
        route,
        order: site.order,
        selector: path.selector,
      });
      continue;
    }
    for (const host of hosts) {
      const key = host ?? HOSTLESS;
      let rule = ns.rules.get(key);
      if (!rule) {
        rule = { ...(host !== undefined ? { host } : {}), paths: [] };
        ns.rules.set(key, rule);
      }
      const entry: PathEntry = {
        host,
        namespace: backend.namespace,
        path: { ...path.path, backend: ingressBackend },
        route,
        order: site.order,
        selector: path.selector,
      };
      rule.paths.push(entry);
      entries.push(entry);
    }
  }

  addTls(ir, byNamespace, diagnostics);
  reportOrderChanges(entries, diagnostics);

  const objects: Array<Ingress | IngressClass> = [];
  if (opts.ingressClass !== false) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {
        name: className,
        ...(Object.keys(labels).length ? { labels: { ...labels } } : {}),
        ...(opts.defaultClass
          ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }
          : {}),
      },
      spec: { controller: opts.controllerName ?? DEFAULT_CONTROLLER_NAME },
    });
  }
  for (const ns of [...byNamespace.keys()].sort()) {
    const n = byNamespace.get(ns)!;
    const rules: IngressRule[] = [...n.rules.values()].map((r) => ({
      ...(r.host !== undefined ? { host: r.host } : {}),
      http: { paths: r.paths.map((p) => p.path) },
    }));
    if (rules.length === 0 && !n.defaultBackend) continue;
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: ingressName,
        namespace: ns,
        ...(Object.keys(labels).length ? { labels: { ...labels } } : {}),
      },
      spec: {
        ingressClassName: className,
        ...(n.defaultBackend ? { defaultBackend: n.defaultBackend.backend } : {}),
        ...(n.tls.length > 0 ? { tls: n.tls } : {}),
        ...(rules.length > 0 ? { rules } : {}),
      },
    });
  }
  diagnostics.push(...selfCheck(objects));
  return { objects, diagnostics: sortDiagnostics(diagnostics) };
}

type IngressPathResult =
  | {
      path: { path: string; pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific' };
      selector: MatchSelector;
      notes: string[];
    }
  | { unsupported: string };

const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const validForTypedPath = (p: string) =>
  p.startsWith('/') &&
  !INVALID_SEQUENCES.some((s) => p.includes(s)) &&
  !p.endsWith('/..') &&
  !p.endsWith('/.');

function ingressPath(m: IRPathMatch): IngressPathResult {
  const sel = (kind: MatchSelector['path']['kind'], value: string): MatchSelector => ({
    path: { kind, value },
    headers: [],
    query: [],
  });
  if (m.kind === 'regex') return { unsupported: `a regex path (${m.value})` };
  if (!m.value.startsWith('/')) return { unsupported: `a relative path (${m.value})` };
  if (m.kind === 'exact') {
    if (validForTypedPath(m.value))
      return { path: { path: m.value, pathType: 'Exact' }, selector: sel('exact', m.value), notes: [] };
    return { unsupported: `the exact path ${m.value}, which Ingress does not allow` };
  }
  if (m.kind === 'segment-prefix') {
    if (validForTypedPath(m.value))
      return { path: { path: m.value, pathType: 'Prefix' }, selector: sel('prefix', m.value), notes: [] };
    return {
      path: { path: m.value, pathType: 'ImplementationSpecific' },
      selector: sel('string-prefix', m.value),
      notes: [
        `path ${m.value} is not allowed as Prefix; emitted as ImplementationSpecific (controller-defined matching)`,
      ],
    };
  }
  // A plain string prefix.
  if (m.value === '/')
    return { path: { path: '/', pathType: 'Prefix' }, selector: sel('prefix', '/'), notes: [] };
  if (m.value.endsWith('/') && validForTypedPath(m.value)) {
    return {
      path: { path: m.value, pathType: 'Prefix' },
      selector: sel('prefix', m.value),
      notes: [
        `string prefix ${m.value} emitted as Prefix, which also matches ${m.value.replace(/\/+$/, '')} (Ingress ignores the trailing slash)`,
      ],
    };
  }
  return {
    path: { path: m.value, pathType: 'ImplementationSpecific' },
    selector: sel('string-prefix', m.value),
    notes: [
      `string prefix ${m.value} emitted as ImplementationSpecific; most controllers match it as a string prefix, but that is controller-defined`,
    ],
  };
}

function serviceBackend(
  b: Extract<Backend, { kind: 'service' }>,
  portNames: Record<string, string> | undefined,
): IngressBackend {
  const name = portNames?.[`${b.namespace}/${b.name}:${b.port}`];
  return { service: { name: b.name, port: name ? { name } : { number: b.port } } };
}

function describeRewrite(r: NonNullable<Extract<IRRoute['action'], { kind: 'forward' }>['rewrite']>): string {
  if (r.kind === 'regex') return `regex ${r.pattern} → ${r.substitution}`;
  return `${r.kind === 'prefix' ? 'prefix' : 'path'} → ${r.value}`;
}

function addTls(ir: GatewayIR, byNamespace: Map<string, NamespaceIngress>, diagnostics: Diagnostic[]): void {
  const secrets = new Map(ir.secrets.map((s) => [s.name, s]));
  for (const listener of ir.listeners) {
    if (listener.protocol !== 'https') continue;
    for (const tls of listener.tls) {
      const secret = secrets.get(tls.secret);
      const ref: ResourceRef = secret?.kubernetesSecret
        ? { kind: 'Secret', namespace: secret.kubernetesSecret.namespace, name: secret.kubernetesSecret.name }
        : { kind: 'Secret', namespace: '', name: tls.secret };
      if (!secret?.kubernetesSecret) {
        diagnostics.push(
          diag(
            ref,
            '',
            `certificate ${tls.secret} is not a Kubernetes Secret; Ingress TLS needs one (create a kubernetes.io/tls Secret)`,
            'warning',
            'ingress-tls-not-secret',
          ),
        );
        continue;
      }
      const k = secret.kubernetesSecret;
      for (const [ns, n] of byNamespace) {
        const hosts = [...n.rules.values()]
          .map((r) => r.host)
          .filter(
            (h): h is string =>
              h !== undefined && (tls.serverNames.length === 0 || tls.serverNames.includes(h)),
          );
        if (hosts.length === 0 && tls.serverNames.length > 0) continue;
        if (k.namespace !== ns) {
          diagnostics.push(
            diag(
              ref,
              '',
              `certificate Secret ${k.namespace}/${k.name} is in another namespace than the Ingress in ${ns}; not referenced`,
              'warning',
              'ingress-tls-other-namespace',
            ),
          );
          continue;
        }
        if (n.tls.some((t) => t.secretName === k.name)) continue;
        n.tls.push({ ...(hosts.length > 0 ? { hosts } : {}), secretName: k.name });
      }
    }
  }
}

function reportOrderChanges(entries: PathEntry[], diagnostics: Diagnostic[]): void {
  const byHost = new Map<string, PathEntry[]>();
  for (const e of entries) {
    const key = e.host ?? HOSTLESS;
    byHost.set(key, [...(byHost.get(key) ?? []), e]);
  }
  for (const list of byHost.values()) {
    list.sort((a, b) => a.order - b.order);
    for (const change of orderChanges(list, (e) => e.selector, ingressRank)) {
      if (change.loser.route.name === change.winner.route.name) continue;
      diagnostics.push(
        diag(
          routeRef(change.loser.route),
          '',
          `route ${change.loser.route.name} (${describeSelector(change.loser.selector)}) came first in the gateway's order, but Ingress picks route ${change.winner.route.name} (${describeSelector(change.winner.selector)}) for ${change.example} (longest path wins, Exact before Prefix)`,
          'warning',
          'ingress-precedence-changed',
        ),
      );
    }
  }
}
