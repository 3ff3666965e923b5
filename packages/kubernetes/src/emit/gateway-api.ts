import type {
  Diagnostic,
  GatewayIR,
  IRCluster,
  IRHeaderOps,
  IRListener,
  IRPathMatch,
  IRPathRewrite,
  IRRoute,
  IRStringMatch,
  ResourceRef,
} from '@gateway/core';
import type {
  Gateway,
  GatewayListener,
  GRPCRoute,
  GRPCRouteMatch,
  GRPCRouteRule,
  HeaderModifier,
  HTTPBackendRef,
  HTTPRoute,
  HTTPRouteFilter,
  HTTPRouteMatch,
  HTTPRouteRule,
  KubeObject,
  ParentReference,
} from '../types.js';
import { isGatewayHostname } from '../validation/gateway-common.js';
import {
  authorityHost,
  type Backend,
  clusterBackend,
  describeMatch,
  diag,
  type EmitResult,
  escapeRegex,
  isIdentityRewrite,
  knownNamespaces,
  routeRef,
  routeSites,
  type ServiceResolutionOptions,
  selfCheck,
  sortDiagnostics,
  toDnsLabel,
} from './common.js';
import { describeSelector, gatewayRank, type MatchSelector, orderChanges } from './precedence.js';

export interface GatewayApiEmitOptions extends ServiceResolutionOptions {
  /** Namespace of the Gateway and its routes. Default: `gatewayNamespace`, else `default`. */
  namespace?: string;
  /** Gateway name. Default `gateway`. */
  gatewayName?: string;
  /** `spec.gatewayClassName`. Default `gateway`. */
  gatewayClassName?: string;
  /** Labels for every emitted object. */
  labels?: Record<string, string>;
}

/** A Gateway listener created from an IR listener. */
interface Section {
  name: string;
  hostname?: string;
  protocol: 'HTTP' | 'HTTPS';
  irListener: IRListener;
}

interface TranslatedRule {
  kind: 'http' | 'grpc';
  rule: HTTPRouteRule | GRPCRouteRule;
  selector: MatchSelector;
  route: IRRoute;
  order: number;
}

interface RouteGroup {
  kind: 'http' | 'grpc';
  hostnames: string[];
  sections: Section[];
  rules: TranslatedRule[];
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const GRPC_SERVICE = /^\.?[a-z_][a-z_0-9]*(?:\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
const MAX_RULES = 16;
const MAX_HOSTNAMES = 16;

/**
 * Emits Gateway API (`gateway.networking.k8s.io/v1`, standard channel) objects: one Gateway
 * (a listener per IR HTTP listener and per HTTPS certificate/SNI name), HTTPRoutes, and
 * GRPCRoutes for gRPC routes whose path names a gRPC service or method.
 *
 * Translation (documented in the package README):
 * - Each IR route becomes one rule with one match, in IR order; routes are grouped by hostnames
 *   and listener into HTTPRoutes of at most 16 rules, named so that alphabetical order (Gateway
 *   API's tie-breaker) keeps IR order.
 * - Matches: segment prefix → PathPrefix, exact → Exact, regex → RegularExpression; a string
 *   prefix ending in `/` → PathPrefix (also matches the path without the slash: notice), other
 *   string prefixes → PathPrefix (no longer matches `/foobar` for `/foo`: warning). Exact header and
 *   query matches stay Exact; prefix/suffix/contains/presence become RegularExpression (notice);
 *   `:method` becomes `method`; an exact `:authority` becomes the route's hostname.
 * - Actions: weighted backends → backendRefs with weights; prefix/full rewrites → URLRewrite
 *   (ReplacePrefixMatch / ReplaceFullPath); host rewrite → URLRewrite hostname; header changes →
 *   Request/ResponseHeaderModifier; mirrors → RequestMirror; redirects → RequestRedirect; the
 *   request timeout → `timeouts.request` (and the per-try timeout → `backendRequest`).
 * - Not expressible and reported: negated or duplicate header matches, runtime fractions, regex
 *   rewrites and redirects, direct responses (route left out: warning); retries, hash policies,
 *   CORS, auth, rate limits, idle timeouts, auto host rewrite, per-route priority (dropped:
 *   warning); TCP listeners and routes (TCPRoute/TLSRoute are experimental).
 * - Gateway API ranks matches (Exact, longest PathPrefix, method, header count, query count)
 *   where the IR keeps Ambassador's order; every pair whose winner changes is reported on the
 *   route that loses traffic.
 *
 * @example
 * ```ts
 * const { objects, diagnostics } = emitGatewayApi(ir, { gatewayClassName: 'envoy' });
 * ```
 */
export function emitGatewayApi(ir: GatewayIR, opts: GatewayApiEmitOptions = {}): EmitResult {
  const gatewayNamespace = opts.gatewayNamespace ?? 'default';
  const namespace = opts.namespace ?? gatewayNamespace;
  const gatewayName = opts.gatewayName ?? 'gateway';
  const labels = opts.labels ?? {};
  const namespaces = knownNamespaces(ir, opts);
  const clusters = new Map<string, IRCluster>(ir.clusters.map((c) => [c.name, c]));
  const diagnostics: Diagnostic[] = [];
  const meta = (name: string) => ({
    name,
    namespace,
    ...(Object.keys(labels).length ? { labels: { ...labels } } : {}),
  });

  const { listeners, sections } = gatewayListeners(ir, namespace, diagnostics);
  for (const t of ir.tcpRoutes) {
    diagnostics.push(
      diag(
        t.sources[0] ?? { kind: 'TCPMapping', namespace: '', name: t.name },
        '',
        `TCP route ${t.name}: TCPRoute/TLSRoute are not in Gateway API's standard channel; not emitted`,
        'warning',
        'gateway-api-tcp-unsupported',
      ),
    );
  }

  const ctx: TranslateContext = {
    clusters,
    namespaces,
    gatewayNamespace,
    routeNamespace: namespace,
    diagnostics,
    crossNamespace: new Set(),
  };
  // (section name, kind, hostnames) → rules in IR order.
  const groups = new Map<
    string,
    { kind: 'http' | 'grpc'; hostnames: string[]; section: Section; rules: TranslatedRule[] }
  >();
  const translatedOnce = new Map<string, Array<{ rule: TranslatedRule; hostnames: string[] } | undefined>>();
  const reportedHosts = new Set<string>();
  for (const site of routeSites(ir)) {
    const secs = sections.get(site.listener.name);
    if (!secs || secs.length === 0) continue;
    const { route, vhost } = site;
    // The listener decides whether a request is secure: TLS-only routes go on HTTPS sections only.
    if (route.match.secure === true && site.listener.protocol === 'http') continue;
    if (route.match.secure === false && site.listener.protocol === 'https') continue;
    // Translate each IR route once (diagnostics once), then place it on every listener/vhost it appears on.
    const cacheKey = `${route.name}|${vhost.domains.join(',')}`;
    let translated = translatedOnce.get(cacheKey);
    if (!translated) {
      translated = [];
      const hostSets = routeHostnames(route, vhost.domains);
      if ('unsupported' in hostSets) {
        const key = `${vhost.domains.join(',')}|${route.name}`;
        if (!reportedHosts.has(key)) {
          reportedHosts.add(key);
          diagnostics.push(
            diag(
              routeRef(route),
              '',
              `route ${route.name}: Gateway API cannot express ${hostSets.unsupported}; route not emitted`,
              'warning',
              'gateway-api-route-skipped',
            ),
          );
        }
        translated.push(undefined);
      } else {
        const rule = translateRoute(route, site.order, ctx);
        for (const hostnames of hostSets.hostnames) translated.push(rule ? { rule, hostnames } : undefined);
      }
      translatedOnce.set(cacheKey, translated);
    }
    for (const t of translated) {
      if (!t) continue;
      for (const section of secs) {
        if (!hostnamesIntersect(section.hostname, t.hostnames)) continue;
        const key = `${section.name}|${t.rule.kind}|${t.hostnames.join(',')}`;
        let g = groups.get(key);
        if (!g) {
          g = { kind: t.rule.kind, hostnames: t.hostnames, section, rules: [] };
          groups.set(key, g);
        }
        if (!g.rules.some((r) => r.route.name === t.rule.route.name))
          g.rules.push({ ...t.rule, order: site.order });
      }
    }
  }
  for (const ns of ctx.crossNamespace) {
    diagnostics.push(
      diag(
        { kind: 'Namespace', namespace: '', name: ns },
        '',
        `routes in ${namespace} reference Services in ${ns}; a ReferenceGrant in ${ns} must allow it`,
        'notice',
        'gateway-api-reference-grant',
      ),
    );
  }

  // Merge listener sections that carry identical rules for the same hostnames into one route.
  const merged: RouteGroup[] = [];
  for (const g of groups.values()) {
    const fingerprint = JSON.stringify(g.rules.map((r) => r.rule));
    const same = merged.find(
      (m) =>
        m.kind === g.kind &&
        m.hostnames.join(',') === g.hostnames.join(',') &&
        JSON.stringify(m.rules.map((r) => r.rule)) === fingerprint,
    );
    if (same) same.sections.push(g.section);
    else merged.push({ kind: g.kind, hostnames: g.hostnames, sections: [g.section], rules: g.rules });
  }
  for (const g of merged) reportOrderChanges(g, diagnostics);
  reportGrpcHttpOverlap(merged, diagnostics);

  const gateway: Gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta(gatewayName),
    spec: { gatewayClassName: opts.gatewayClassName ?? 'gateway', listeners },
  };
  const objects: KubeObject[] = listeners.length > 0 ? [gateway] : [];
  if (listeners.length === 0)
    diagnostics.push(
      diag(
        { kind: 'Gateway', namespace, name: gatewayName },
        '',
        'the IR has no HTTP or HTTPS listener; no Gateway emitted',
        'warning',
        'gateway-api-no-listeners',
      ),
    );

  const usedNames = new Set<string>();
  for (const g of merged) {
    const variants = merged.filter(
      (m) => m.kind === g.kind && m.hostnames.join(',') === g.hostnames.join(','),
    ).length;
    let base = `${gatewayName}-${hostLabel(g.hostnames)}`;
    if (g.kind === 'grpc') base += '-grpc';
    if (variants > 1) base += `-${g.sections[0]!.name}`;
    base = toDnsLabel(base, 240);
    const parentRefs: ParentReference[] = g.sections.map((s) => ({ name: gatewayName, sectionName: s.name }));
    const chunks: TranslatedRule[][] = [];
    for (let i = 0; i < g.rules.length; i += MAX_RULES) chunks.push(g.rules.slice(i, i + MAX_RULES));
    chunks.forEach((chunk, i) => {
      let name = chunks.length > 1 ? `${base}-${String(i).padStart(3, '0')}` : base;
      while (usedNames.has(name)) name = `${name}-x`;
      usedNames.add(name);
      const spec = {
        parentRefs,
        ...(g.hostnames.length > 0 ? { hostnames: g.hostnames } : {}),
      };
      if (g.kind === 'grpc') {
        const route: GRPCRoute = {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'GRPCRoute',
          metadata: meta(name),
          spec: { ...spec, rules: chunk.map((r) => r.rule as GRPCRouteRule) },
        };
        objects.push(route);
      } else {
        const route: HTTPRoute = {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: meta(name),
          spec: { ...spec, rules: chunk.map((r) => r.rule as HTTPRouteRule) },
        };
        objects.push(route);
      }
    });
  }
  diagnostics.push(...selfCheck(objects));
  return { objects, diagnostics: sortDiagnostics(diagnostics) };
}

// ---------------------------------------------------------------------------------------------
// Gateway listeners

function gatewayListeners(
  ir: GatewayIR,
  namespace: string,
  diagnostics: Diagnostic[],
): { listeners: GatewayListener[]; sections: Map<string, Section[]> } {
  const listeners: GatewayListener[] = [];
  const sections = new Map<string, Section[]>();
  const secrets = new Map(ir.secrets.map((s) => [s.name, s]));
  const listenerRef = (l: IRListener): ResourceRef => ({ kind: 'Listener', namespace: '', name: l.name });
  for (const l of ir.listeners) {
    if (l.protocol === 'http') {
      const name = `http-${l.port}`;
      listeners.push({ name, port: l.port, protocol: 'HTTP' });
      sections.set(l.name, [{ name, protocol: 'HTTP', irListener: l }]);
      continue;
    }
    if (l.protocol !== 'https') {
      diagnostics.push(
        diag(
          listenerRef(l),
          '',
          `${l.protocol.toUpperCase()} listener on port ${l.port}: TCP/TLS listeners need experimental route kinds; not emitted`,
          'warning',
          'gateway-api-tcp-unsupported',
        ),
      );
      continue;
    }
    const secs: Section[] = [];
    if (l.tls.length === 0) {
      diagnostics.push(
        diag(
          listenerRef(l),
          '',
          `HTTPS listener on port ${l.port} has no certificate; not emitted`,
          'warning',
          'gateway-api-no-certificate',
        ),
      );
    }
    for (const tls of l.tls) {
      const secret = secrets.get(tls.secret);
      const ref = secret?.kubernetesSecret;
      const certificateRef = ref
        ? {
            kind: 'Secret',
            name: ref.name,
            ...(ref.namespace !== namespace ? { namespace: ref.namespace } : {}),
          }
        : { kind: 'Secret', name: toDnsLabel(tls.secret, 253) };
      const secretRef: ResourceRef = {
        kind: 'Secret',
        namespace: ref?.namespace ?? namespace,
        name: ref?.name ?? tls.secret,
      };
      if (!ref) {
        diagnostics.push(
          diag(
            secretRef,
            '',
            `certificate ${tls.secret} is not a Kubernetes Secret; the Gateway references Secret ${certificateRef.name}, which you must create`,
            'warning',
            'gateway-api-tls-not-secret',
          ),
        );
      } else if (ref.namespace !== namespace) {
        diagnostics.push(
          diag(
            secretRef,
            '',
            `certificate Secret ${ref.namespace}/${ref.name} is in another namespace; a ReferenceGrant in ${ref.namespace} must allow the Gateway to use it`,
            'notice',
            'gateway-api-reference-grant',
          ),
        );
      }
      if (tls.clientCaSecret || tls.requireClientCertificate) {
        diagnostics.push(
          diag(
            secretRef,
            '',
            'client certificate validation is not in the standard channel; not emitted',
            'warning',
            'gateway-api-mtls-unsupported',
          ),
        );
      }
      if (tls.minVersion || tls.maxVersion || tls.cipherSuites || tls.ecdhCurves) {
        diagnostics.push(
          diag(
            secretRef,
            '',
            'TLS versions, ciphers and curves have no standard Gateway field (listener tls.options are implementation-specific); not emitted',
            'notice',
            'gateway-api-tls-options',
          ),
        );
      }
      const hosts = tls.serverNames.length > 0 ? tls.serverNames : [undefined];
      for (const host of hosts) {
        if (host !== undefined && !isGatewayHostname(host)) {
          diagnostics.push(
            diag(
              secretRef,
              '',
              `server name ${host} is not a valid Gateway listener hostname; not emitted`,
              'warning',
              'gateway-api-invalid-hostname',
            ),
          );
          continue;
        }
        const name =
          host === undefined
            ? `https-${l.port}`
            : toDnsLabel(`https-${l.port}-${host.replace(/^\*\./, 'wildcard.')}`, 253);
        if (listeners.some((x) => x.name === name)) continue;
        listeners.push({
          name,
          ...(host !== undefined ? { hostname: host } : {}),
          port: l.port,
          protocol: 'HTTPS',
          tls: { mode: 'Terminate', certificateRefs: [certificateRef] },
        });
        secs.push({
          name,
          ...(host !== undefined ? { hostname: host } : {}),
          protocol: 'HTTPS',
          irListener: l,
        });
      }
    }
    sections.set(l.name, secs);
  }
  return { listeners, sections };
}

function hostnamesIntersect(listenerHost: string | undefined, routeHosts: string[]): boolean {
  if (!listenerHost || routeHosts.length === 0) return true;
  return routeHosts.some((h) => {
    if (h === listenerHost) return true;
    if (listenerHost.startsWith('*.') && h.endsWith(listenerHost.slice(1))) return true;
    if (h.startsWith('*.') && listenerHost.endsWith(h.slice(1))) return true;
    return false;
  });
}

function hostLabel(hostnames: string[]): string {
  const h = hostnames[0];
  if (!h) return 'all-hosts';
  return h.replace(/^\*\./, 'wildcard.');
}

/** Hostname sets (≤ 16 each) for a route on a vhost. */
function routeHostnames(
  route: IRRoute,
  domains: string[],
): { hostnames: string[][] } | { unsupported: string } {
  const authority = route.match.headers.find((h) => h.name === ':authority');
  if (authority) {
    const a = authorityHost(authority);
    if (!a) return { unsupported: `a host condition (${describeMatch(authority.match)})` };
    if (a.wildcard === 'single-label')
      return {
        unsupported: `the single-label wildcard host ${a.host} (Gateway API wildcards match any number of labels)`,
      };
    return { hostnames: [[a.host]] };
  }
  if (domains.includes('*')) return { hostnames: [[]] };
  const list: string[] = [];
  for (const d of domains) {
    const h = d.toLowerCase().replace(/:\d+$/, '');
    if (!isGatewayHostname(h)) return { unsupported: `the host pattern ${d}` };
    if (!list.includes(h)) list.push(h);
  }
  const out: string[][] = [];
  for (let i = 0; i < list.length; i += MAX_HOSTNAMES) out.push(list.slice(i, i + MAX_HOSTNAMES));
  return { hostnames: out };
}

// ---------------------------------------------------------------------------------------------
// Route translation

interface TranslateContext {
  clusters: Map<string, IRCluster>;
  namespaces: Set<string>;
  gatewayNamespace: string;
  routeNamespace: string;
  diagnostics: Diagnostic[];
  crossNamespace: Set<string>;
}

type PathTranslation =
  | {
      match?: HTTPRouteMatch['path'];
      selector: MatchSelector['path'];
      notes: Array<[string, 'warning' | 'notice']>;
    }
  | { unsupported: string };

function translatePath(m: IRPathMatch, caseSensitive: boolean): PathTranslation {
  const notes: Array<[string, 'warning' | 'notice']> = [];
  const asRegex = (regex: string, why: string): PathTranslation => {
    notes.push([
      `${why}; emitted as RegularExpression ${regex} (regex support and precedence are implementation-specific)`,
      'notice',
    ]);
    return {
      match: { type: 'RegularExpression', value: regex },
      selector: { kind: 'regex', value: regex },
      notes,
    };
  };
  if (m.kind === 'regex') {
    const value = caseSensitive ? m.value : `(?i)${m.value}`;
    return asRegex(value, `regex path ${m.value}`);
  }
  if (!m.value.startsWith('/')) return { unsupported: `a relative path (${m.value})` };
  const literal = escapeRegex(m.value);
  if (!caseSensitive) {
    const tail = m.kind === 'exact' ? '' : m.kind === 'segment-prefix' ? '(/.*)?' : '.*';
    return asRegex(`(?i)${literal.replace(/\/$/, '')}${tail}`, `case-insensitive path ${m.value}`);
  }
  const valid =
    PATH_CHARS.test(m.value) &&
    !['//', '/./', '/../', '%2f', '%2F', '#'].some((s) => m.value.includes(s)) &&
    !m.value.endsWith('/..') &&
    !m.value.endsWith('/.');
  if (m.kind === 'exact') {
    if (!valid) return asRegex(literal, `exact path ${m.value} is not allowed as Exact`);
    return { match: { type: 'Exact', value: m.value }, selector: { kind: 'exact', value: m.value }, notes };
  }
  if (!valid) return asRegex(`${literal}.*`, `path prefix ${m.value} is not allowed as PathPrefix`);
  if (m.kind === 'prefix' && m.value !== '/') {
    if (m.value.endsWith('/')) {
      notes.push([
        `string prefix ${m.value} emitted as PathPrefix, which also matches ${m.value.replace(/\/+$/, '')} (Gateway API ignores the trailing slash)`,
        'notice',
      ]);
    } else {
      notes.push([
        `string prefix ${m.value} emitted as PathPrefix, which matches whole path segments: ${m.value}x no longer matches`,
        'warning',
      ]);
    }
  }
  return {
    match: { type: 'PathPrefix', value: m.value },
    selector: { kind: 'prefix', value: m.value },
    notes,
  };
}

/** A header or query condition as Gateway API can say it. */
function valueMatch(m: IRStringMatch | undefined): {
  type: 'Exact' | 'RegularExpression';
  value: string;
  converted: boolean;
} {
  if (!m) return { type: 'RegularExpression', value: '.*', converted: true };
  const ci = 'ignoreCase' in m && m.ignoreCase ? '(?i)' : '';
  if ('exact' in m)
    return ci
      ? { type: 'RegularExpression', value: `${ci}${escapeRegex(m.exact)}`, converted: true }
      : { type: 'Exact', value: m.exact, converted: false };
  if ('prefix' in m)
    return { type: 'RegularExpression', value: `${ci}${escapeRegex(m.prefix)}.*`, converted: true };
  if ('suffix' in m)
    return { type: 'RegularExpression', value: `${ci}.*${escapeRegex(m.suffix)}`, converted: true };
  if ('contains' in m)
    return { type: 'RegularExpression', value: `${ci}.*${escapeRegex(m.contains)}.*`, converted: true };
  return { type: 'RegularExpression', value: m.regex, converted: false };
}

function headerModifier(
  ops: IRHeaderOps,
  dropped: Array<[string, 'warning' | 'notice']>,
  what: string,
): HeaderModifier | undefined {
  const set: Array<{ name: string; value: string }> = [];
  const add: Array<{ name: string; value: string }> = [];
  for (const h of ops.add) {
    if (!HEADER_NAME.test(h.name)) {
      dropped.push([`${what} header ${h.name} (not a valid header name)`, 'warning']);
      continue;
    }
    const list = h.append ? add : set;
    if (list.some((x) => x.name.toLowerCase() === h.name.toLowerCase())) {
      dropped.push([`a second ${what} value for ${h.name}`, 'warning']);
      continue;
    }
    if (/%[A-Z_]+(\(.*\))?%/.test(h.value))
      dropped.push([`the Envoy variable in ${what} header ${h.name} (sent literally)`, 'warning']);
    list.push({ name: h.name, value: h.value });
  }
  const remove = [...new Set(ops.remove)].filter((n) => HEADER_NAME.test(n));
  if (set.length === 0 && add.length === 0 && remove.length === 0) return undefined;
  return {
    ...(set.length ? { set } : {}),
    ...(add.length ? { add } : {}),
    ...(remove.length ? { remove } : {}),
  };
}

/** Gateway API duration for milliseconds: `1h2m3s4ms`, each unit ≤ 5 digits. */
export function gatewayDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

function backendRef(
  cluster: IRCluster | undefined,
  ctx: TranslateContext,
): { ref?: HTTPBackendRef; backend?: Backend } {
  if (!cluster) return {};
  const b = clusterBackend(cluster, ctx.namespaces, ctx.gatewayNamespace);
  if (b.kind !== 'service') return { backend: b };
  if (b.namespace !== ctx.routeNamespace) ctx.crossNamespace.add(b.namespace);
  return {
    backend: b,
    ref: {
      name: b.name,
      ...(b.namespace !== ctx.routeNamespace ? { namespace: b.namespace } : {}),
      port: b.port,
    },
  };
}

function translateRoute(route: IRRoute, order: number, ctx: TranslateContext): TranslatedRule | undefined {
  const ref = routeRef(route);
  const skip: string[] = [];
  const dropped: Array<[string, 'warning' | 'notice']> = [];
  const report = () => {
    if (skip.length > 0) {
      ctx.diagnostics.push(
        diag(
          ref,
          '',
          `route ${route.name}: Gateway API cannot express ${skip.join(', ')}; route not emitted`,
          'warning',
          'gateway-api-route-skipped',
        ),
      );
      return false;
    }
    for (const [what, severity] of dropped) {
      ctx.diagnostics.push(
        diag(
          ref,
          '',
          `route ${route.name}: ${what}`,
          severity,
          severity === 'warning' ? 'gateway-api-feature-dropped' : 'gateway-api-translated',
        ),
      );
    }
    return true;
  };

  // ---- match
  const match: HTTPRouteMatch = {};
  const selector: MatchSelector = { path: { kind: 'prefix', value: '/' }, headers: [], query: [] };
  const path = translatePath(route.match.path, route.match.caseSensitive);
  if ('unsupported' in path) skip.push(path.unsupported);
  else {
    match.path = path.match;
    selector.path = path.selector;
    dropped.push(...path.notes);
  }
  const headerNames = new Set<string>();
  for (const h of route.match.headers) {
    if (h.name === ':authority') continue;
    if (h.invert) {
      skip.push(`a negated header match (${h.name})`);
      continue;
    }
    if (h.name === ':method') {
      const m = h.match;
      if (m && 'exact' in m && !m.ignoreCase && METHODS.has(m.exact) && !match.method) {
        match.method = m.exact;
        selector.method = m.exact;
      } else skip.push(`the method match ${describeMatch(m)}`);
      continue;
    }
    if (h.name.startsWith(':') || !HEADER_NAME.test(h.name)) {
      skip.push(`a match on ${h.name}`);
      continue;
    }
    if (headerNames.has(h.name.toLowerCase())) {
      skip.push(`two conditions on header ${h.name}`);
      continue;
    }
    headerNames.add(h.name.toLowerCase());
    const v = valueMatch(h.match);
    if (v.converted)
      dropped.push([
        `header match ${h.name} ${describeMatch(h.match)} emitted as RegularExpression ${v.value}`,
        'notice',
      ]);
    match.headers = [
      ...(match.headers ?? []),
      { ...(v.type === 'Exact' ? {} : { type: v.type }), name: h.name, value: v.value },
    ];
    selector.headers.push({ name: h.name, ...(v.type === 'Exact' ? { exact: v.value } : {}) });
  }
  const queryNames = new Set<string>();
  for (const q of route.match.queryParams) {
    if (queryNames.has(q.name) || !HEADER_NAME.test(q.name)) {
      skip.push(`the query condition on ${q.name}`);
      continue;
    }
    queryNames.add(q.name);
    const v = valueMatch(q.match);
    if (v.converted)
      dropped.push([
        `query match ${q.name} ${describeMatch(q.match)} emitted as RegularExpression ${v.value}`,
        'notice',
      ]);
    match.queryParams = [
      ...(match.queryParams ?? []),
      { ...(v.type === 'Exact' ? {} : { type: v.type }), name: q.name, value: v.value },
    ];
    selector.query.push({ name: q.name, ...(v.type === 'Exact' ? { exact: v.value } : {}) });
  }
  if (route.match.fraction !== undefined && route.match.fraction < 100)
    skip.push(`a traffic fraction (${route.match.fraction}%)`);

  // ---- filters and action
  const filters: HTTPRouteFilter[] = [];
  const reqMod = headerModifier(route.requestHeaders, dropped, 'request');
  if (reqMod) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: reqMod });
  const resMod = headerModifier(route.responseHeaders, dropped, 'response');
  if (resMod) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: resMod });
  if (route.cors)
    dropped.push(['the CORS policy is not expressible in the standard channel; dropped', 'warning']);
  if (
    (route.auth.bypassExtAuthz && route.action.kind === 'forward') ||
    Object.keys(route.auth.contextExtensions).length > 0 ||
    route.auth.jwtProviders.length > 0
  ) {
    dropped.push([
      'per-route authentication settings need implementation-specific policies; dropped',
      'warning',
    ]);
  }
  if (route.rateLimits.length > 0 || route.localRateLimit)
    dropped.push(['rate limits need implementation-specific policies; dropped', 'warning']);
  if (route.authorizationPolicies.length > 0)
    dropped.push(['authorization policies need implementation-specific policies; dropped', 'warning']);

  const rule: HTTPRouteRule = {};
  const isPrefixMatch = match.path?.type === 'PathPrefix';
  const pathModifier = (rw: IRPathRewrite, what: string) => {
    if (rw.kind === 'regex') {
      skip.push(`a regex ${what} (${rw.pattern} → ${rw.substitution})`);
      return undefined;
    }
    if (rw.kind === 'full' || match.path?.type === 'Exact')
      return { type: 'ReplaceFullPath', replaceFullPath: rw.value };
    if (!isPrefixMatch) {
      skip.push(`a prefix ${what} on a ${match.path?.type ?? 'missing'} path match`);
      return undefined;
    }
    const matched = match.path!.value ?? '/';
    if (matched.length > 1 && matched.endsWith('/') && rw.value !== '' && !rw.value.endsWith('/')) {
      dropped.push([
        `${what} ${matched} → ${rw.value}: Gateway API ignores the trailing slash of the match, so ${matched} becomes ${rw.value}/ (the gateway sent ${rw.value})`,
        'warning',
      ]);
    }
    return { type: 'ReplacePrefixMatch', replacePrefixMatch: rw.value };
  };

  const action = route.action;
  let grpcCandidate = false;
  if (action.kind === 'direct') skip.push(`a direct response (${action.status})`);
  else if (action.kind === 'redirect') {
    const redirect: NonNullable<HTTPRouteFilter['requestRedirect']> = {};
    if (action.scheme) redirect.scheme = action.scheme;
    if (action.host) {
      const host = action.host.replace(/:\d+$/, '');
      if (isGatewayHostname(host) && !host.startsWith('*')) redirect.hostname = host;
      else skip.push(`the redirect host ${action.host}`);
      const port = /:(\d+)$/.exec(action.host)?.[1];
      if (port && action.port === undefined) redirect.port = Number(port);
    }
    if (action.port !== undefined) redirect.port = action.port;
    if (action.path) {
      const p = pathModifier(action.path, 'redirect path');
      if (p) redirect.path = p;
    }
    redirect.statusCode = action.statusCode;
    filters.push({ type: 'RequestRedirect', requestRedirect: redirect });
  } else {
    const refs: HTTPBackendRef[] = [];
    for (const wc of action.clusters) {
      const { ref: br, backend } = backendRef(ctx.clusters.get(wc.cluster), ctx);
      if (!br) {
        dropped.push([
          `backend ${backend?.kind === 'external' ? `${backend.host}:${backend.port}` : wc.cluster} is not a Kubernetes Service; left out`,
          'warning',
        ]);
        continue;
      }
      const bfilters: HTTPRouteFilter[] = [];
      if (wc.requestHeaders) {
        const m = headerModifier(wc.requestHeaders, dropped, 'per-backend request');
        if (m) bfilters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: m });
      }
      if (wc.hostRewrite) {
        if (isGatewayHostname(wc.hostRewrite) && !wc.hostRewrite.startsWith('*'))
          bfilters.push({ type: 'URLRewrite', urlRewrite: { hostname: wc.hostRewrite } });
        else
          dropped.push([
            `per-backend host rewrite ${wc.hostRewrite} is not a valid hostname; dropped`,
            'warning',
          ]);
      }
      refs.push({ ...br, weight: wc.weight, ...(bfilters.length ? { filters: bfilters } : {}) });
    }
    if (refs.length === 0) skip.push('a route without any upstream that is a Kubernetes Service');
    else if (refs.length === 1 && (refs[0]!.weight ?? 0) > 0) {
      // A single backend takes all traffic whatever its weight: leave the weight out.
      const { weight: _weight, ...only } = refs[0]!;
      rule.backendRefs = [only];
    } else rule.backendRefs = refs;
    const rewrite: NonNullable<HTTPRouteFilter['urlRewrite']> = {};
    if (action.rewrite && !isIdentityRewrite(route.match.path, action.rewrite)) {
      const p = pathModifier(action.rewrite, 'rewrite');
      if (p) rewrite.path = p;
    }
    if (action.hostRewrite) {
      const host = action.hostRewrite.replace(/:\d+$/, '');
      if (isGatewayHostname(host) && !host.startsWith('*')) rewrite.hostname = host;
      else dropped.push([`host rewrite ${action.hostRewrite} is not a valid hostname; dropped`, 'warning']);
    }
    if (rewrite.path || rewrite.hostname) filters.push({ type: 'URLRewrite', urlRewrite: rewrite });
    for (const mirror of action.mirrors) {
      const { ref: br, backend } = backendRef(ctx.clusters.get(mirror.cluster), ctx);
      if (!br) {
        dropped.push([
          `mirror ${backend?.kind === 'external' ? `${backend.host}:${backend.port}` : mirror.cluster} is not a Kubernetes Service; dropped`,
          'warning',
        ]);
        continue;
      }
      filters.push({
        type: 'RequestMirror',
        requestMirror: { backendRef: br, ...(mirror.percent < 100 ? { percent: mirror.percent } : {}) },
      });
    }
    const timeouts: NonNullable<HTTPRouteRule['timeouts']> = { request: gatewayDuration(action.timeoutMs) };
    if (action.retry) {
      dropped.push(['the retry policy needs the experimental HTTPRoute retry field; dropped', 'warning']);
      const perTry = action.retry.perTryTimeoutMs;
      if (perTry > 0 && (action.timeoutMs === 0 || perTry <= action.timeoutMs))
        timeouts.backendRequest = gatewayDuration(perTry);
    }
    rule.timeouts = timeouts;
    if (action.idleTimeoutMs > 0)
      dropped.push([
        `the ${action.idleTimeoutMs} ms idle timeout has no Gateway API field; dropped`,
        'notice',
      ]);
    if (action.autoHostRewrite)
      dropped.push(['auto_host_rewrite has no Gateway API field; dropped', 'warning']);
    if (action.hashPolicy)
      dropped.push(['hash-based load balancing needs experimental session persistence; dropped', 'warning']);
    if (action.priority === 'high')
      dropped.push(['high routing priority has no Gateway API field; dropped', 'warning']);
    if (action.upgrades.length > 0)
      dropped.push([
        `protocol upgrades (${action.upgrades.join(', ')}) are left to the implementation (WebSocket is usually allowed)`,
        'notice',
      ]);
    grpcCandidate = action.grpc;
  }

  if (filters.length > 0) rule.filters = filters;
  const matches = Object.keys(match).length > 0 ? [match] : undefined;
  if (matches) rule.matches = matches;
  const ordered: HTTPRouteRule = {
    ...(rule.matches ? { matches: rule.matches } : {}),
    ...(rule.filters ? { filters: rule.filters } : {}),
    ...(rule.backendRefs ? { backendRefs: rule.backendRefs } : {}),
    ...(rule.timeouts ? { timeouts: rule.timeouts } : {}),
  };

  if (grpcCandidate && skip.length === 0) {
    const grpc = toGrpcRule(route, ordered, match);
    if ('rule' in grpc) {
      if (ordered.timeouts && ordered.timeouts.request !== '0s')
        dropped.push([
          `GRPCRoute has no timeouts; the ${ordered.timeouts.request} request timeout is dropped`,
          'notice',
        ]);
      if (!report()) return undefined;
      return { kind: 'grpc', rule: grpc.rule, selector, route, order };
    }
    dropped.push([`gRPC route kept as HTTPRoute: ${grpc.reason}`, 'notice']);
  }
  if (!report()) return undefined;
  return { kind: 'http', rule: ordered, selector, route, order };
}

/** A GRPCRoute rule for an HTTP rule whose path names a gRPC service (`/pkg.Service/`) or method. */
function toGrpcRule(
  route: IRRoute,
  rule: HTTPRouteRule,
  match: HTTPRouteMatch,
): { rule: GRPCRouteRule } | { reason: string } {
  if (match.queryParams) return { reason: 'it matches query parameters' };
  if (match.method && match.method !== 'POST') return { reason: `it matches method ${match.method}` };
  if (rule.filters?.some((f) => f.type === 'URLRewrite' || f.type === 'RequestRedirect'))
    return { reason: 'it rewrites or redirects' };
  if (rule.backendRefs?.some((b) => b.filters?.some((f) => f.type === 'URLRewrite')))
    return { reason: 'a backend rewrites the host' };
  const p = route.match.path;
  let method: GRPCRouteMatch['method'] | undefined;
  if (p.kind === 'regex') return { reason: 'its path is a regex' };
  const parts = p.value.split('/').filter(Boolean);
  if (p.kind === 'exact') {
    if (parts.length !== 2 || !GRPC_SERVICE.test(parts[0]!) || !GRPC_METHOD.test(parts[1]!))
      return { reason: `path ${p.value} is not /<service>/<method>` };
    method = { service: parts[0]!, method: parts[1]! };
  } else if (
    parts.length === 1 &&
    GRPC_SERVICE.test(parts[0]!) &&
    (p.kind === 'segment-prefix' || p.value.endsWith('/'))
  ) {
    method = { service: parts[0]! };
  } else if (parts.length !== 0) {
    return { reason: `path ${p.value} does not name a gRPC service` };
  }
  const grpcMatch: GRPCRouteMatch = {
    ...(method ? { method } : {}),
    ...(match.headers ? { headers: match.headers } : {}),
  };
  const out: GRPCRouteRule = {
    ...(Object.keys(grpcMatch).length ? { matches: [grpcMatch] } : {}),
    ...(rule.filters ? { filters: rule.filters } : {}),
    ...(rule.backendRefs ? { backendRefs: rule.backendRefs } : {}),
  };
  return { rule: out };
}

// ---------------------------------------------------------------------------------------------
// Precedence

function reportOrderChanges(g: RouteGroup, diagnostics: Diagnostic[]): void {
  if (g.kind !== 'http') return;
  const rules = [...g.rules].sort((a, b) => a.order - b.order);
  for (const change of orderChanges(rules, (r) => r.selector, gatewayRank)) {
    if (change.loser.route.name === change.winner.route.name) continue;
    const example =
      change.example === '*' ? 'some requests (a regex is involved)' : `requests to ${change.example}`;
    diagnostics.push(
      diag(
        routeRef(change.loser.route),
        '',
        `route ${change.loser.route.name} (${describeSelector(change.loser.selector)}) came first in the gateway's order, but Gateway API ranks route ${change.winner.route.name} (${describeSelector(change.winner.selector)}) higher for ${example}`,
        'warning',
        'gateway-api-precedence-changed',
      ),
    );
  }
}

function reportGrpcHttpOverlap(groups: RouteGroup[], diagnostics: Diagnostic[]): void {
  for (const g of groups) {
    if (g.kind !== 'grpc') continue;
    const http = groups.find(
      (h) =>
        h.kind === 'http' &&
        h.hostnames.join(',') === g.hostnames.join(',') &&
        h.sections.some((s) => g.sections.includes(s)),
    );
    if (!http) continue;
    const first = g.rules[0]!.route;
    diagnostics.push(
      diag(
        routeRef(first),
        '',
        `GRPCRoute and HTTPRoute share hostnames ${g.hostnames.join(', ') || '(any)'} on one listener; Gateway API never merges them, so implementations resolve the overlap (usually by rejecting one)`,
        'notice',
        'gateway-api-grpc-http-overlap',
      ),
    );
  }
}
