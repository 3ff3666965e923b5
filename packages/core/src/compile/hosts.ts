import type { IRListener, IRListenerTls, IRRoute, IRVirtualHost } from '../ir/types.js';
import type { Host } from '../model/host.js';
import type { Listener } from '../model/listener.js';
import type { Mapping } from '../model/mapping.js';
import type { TLSContext } from '../model/tls-context.js';
import { hostGlobCovers, hostGlobsOverlap, hostMatches } from '../util/globs.js';
import type { CompileContext } from './context.js';
import type { CompiledGroup } from './groups.js';
import { authorityMatcher } from './mapping-info.js';
import { kubernetesSecret, tlsContextSecrets } from './secrets.js';

/** A Host with its TLS and insecure policy resolved. */
export interface HostInfo {
  h: Host;
  hostname: string;
  matchLabels?: Record<string, string>;
  tls?: IRListenerTls;
  insecure: IRVirtualHost['insecure'];
}

export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Hosts whose mappingSelector selects a Mapping by labels (for the group id). */
export function selectingHosts(hosts: HostInfo[]): (m: Mapping) => Host[] {
  const withSelector = hosts.filter((h) => h.matchLabels !== undefined);
  return (m) =>
    withSelector.filter((h) => labelsMatch(h.matchLabels!, m.metadata.labels ?? {})).map((h) => h.h);
}

function tlsVersion(v: string | undefined): IRListenerTls['minVersion'] | undefined {
  return v === 'v1.0' || v === 'v1.1' || v === 'v1.2' || v === 'v1.3' ? v : undefined;
}

function alpn(v: string | string[] | undefined): string[] {
  if (v === undefined) return ['h2', 'http/1.1'];
  return (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

/** Resolves Hosts (sorted by namespace/name). */
export function hostInfos(hosts: Host[], ctx: CompileContext): HostInfo[] {
  const contexts = [...ctx.tlsContexts.values()];
  return hosts.map((h) => {
    const s = h.spec;
    const hostname = s.hostname ?? '*';
    const sel = (s.mappingSelector ?? s.selector)?.matchLabels;
    let tlsCtx: TLSContext | undefined;
    if (s.tlsContext) {
      tlsCtx = ctx.tlsContexts.get(s.tlsContext.name);
      if (!tlsCtx)
        ctx.report(
          h,
          'spec.tlsContext.name',
          `TLSContext "${s.tlsContext.name}" is not defined`,
          'error',
          'unknown-tls-context',
        );
    } else if (hostname !== '*') {
      // Emissary also links a TLSContext whose `hosts` list this hostname.
      tlsCtx = contexts.find((c) => (c.spec.hosts ?? []).some((x) => x === hostname));
    }
    let secret: string | undefined;
    let ca: string | undefined;
    if (s.tlsSecret)
      secret = kubernetesSecret(ctx, s.tlsSecret.namespace ?? h.metadata.namespace, s.tlsSecret.name);
    if (tlsCtx) {
      const sec = tlsContextSecrets(ctx, tlsCtx);
      secret ??= sec.certificate;
      ca = sec.ca;
    }
    if (s.tls?.caSecret) ca = kubernetesSecret(ctx, h.metadata.namespace, s.tls.caSecret);
    let tls: IRListenerTls | undefined;
    if (secret) {
      const t = tlsCtx?.spec;
      const inline = s.tls;
      const minVersion = tlsVersion(inline?.minTlsVersion ?? t?.minTlsVersion);
      const maxVersion = tlsVersion(inline?.maxTlsVersion ?? t?.maxTlsVersion);
      const cipherSuites = inline?.cipherSuites ?? t?.cipherSuites;
      const ecdhCurves = inline?.ecdhCurves ?? t?.ecdhCurves;
      tls = {
        alpnProtocols: alpn(inline?.alpnProtocols ?? t?.alpnProtocols),
        ...(cipherSuites ? { cipherSuites } : {}),
        ...(ca ? { clientCaSecret: ca } : {}),
        ...(ecdhCurves ? { ecdhCurves } : {}),
        ...(maxVersion ? { maxVersion } : {}),
        ...(minVersion ? { minVersion } : {}),
        requireClientCertificate: (inline?.certRequired ?? t?.certRequired) === true,
        secret,
        serverNames: hostname === '*' ? [] : [hostname.replace(/:\d+$/, '')],
      };
    } else if (s.tls || s.tlsContext) {
      ctx.report(
        h,
        'spec.tlsSecret',
        'TLS settings without a certificate: set tlsSecret (or a TLSContext with secret)',
        'warning',
        'tls-without-cert',
      );
    }
    const action = s.requestPolicy?.insecure?.action;
    const insecure: IRVirtualHost['insecure'] =
      action === 'Route'
        ? 'route'
        : action === 'Reject'
          ? 'reject'
          : action === 'Redirect'
            ? 'redirect'
            : tls
              ? 'redirect'
              : 'route';
    return {
      h,
      hostname,
      ...(sel && Object.keys(sel).length > 0 ? { matchLabels: sel } : {}),
      ...(tls ? { tls } : {}),
      insecure,
    };
  });
}

/** Emissary 2.x strict attachment (`irhost.py::matches_httpgroup`). */
export function hostAttaches(host: HostInfo, group: CompiledGroup): boolean {
  const p = group.primary;
  if (p.hostRegex) return true;
  const labels = p.m.metadata.labels ?? {};
  if (host.matchLabels && p.host !== undefined)
    return labelsMatch(host.matchLabels, labels) && hostGlobsOverlap(host.hostname, p.host);
  if (host.matchLabels) return labelsMatch(host.matchLabels, labels);
  if (p.host !== undefined) return hostGlobsOverlap(host.hostname, p.host);
  return false;
}

/** Routes of a group as served under `domain`: adds the :authority matcher unless redundant. */
function routesFor(group: CompiledGroup, domain: string): IRRoute[] {
  const p = group.primary;
  if (p.host === undefined) return group.routes;
  if (!p.hostRegex && hostGlobCovers(p.host, domain)) return group.routes;
  const auth = authorityMatcher(p);
  if (!auth) return group.routes;
  return group.routes.map((r) => ({ ...r, match: { ...r.match, headers: [auth, ...r.match.headers] } }));
}

function isGenerated(h: Host): boolean {
  return h.metadata.annotations?.['gateway.sdk/generated-from'] !== undefined;
}

function domainOrder(a: string, b: string): number {
  const rank = (d: string) => (d === '*' ? 2 : d.includes('*') ? 1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 && a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function buildVirtualHosts(
  listenerName: string,
  hosts: HostInfo[],
  groups: CompiledGroup[],
  ctx: CompileContext,
): IRVirtualHost[] {
  const byDomain = new Map<string, HostInfo>();
  for (const h of hosts) {
    const prev = byDomain.get(h.hostname);
    if (prev) {
      // Prefer a Host with a certificate; generated Hosts (from Ingresses) never warn.
      if (h.tls && !prev.tls) byDomain.set(h.hostname, h);
      if (isGenerated(h.h) || isGenerated(prev.h)) continue;
      const chosen = byDomain.get(h.hostname)!;
      ctx.report(
        h.h,
        'spec.hostname',
        `hostname "${h.hostname}" is served by Hosts ${prev.h.metadata.namespace}/${prev.h.metadata.name} and ${h.h.metadata.namespace}/${h.h.metadata.name}; using ${chosen.h.metadata.namespace}/${chosen.h.metadata.name} (${chosen.tls ? 'it has a certificate' : 'first by name'})`,
        'warning',
        'duplicate-hostname',
      );
      continue;
    }
    byDomain.set(h.hostname, h);
  }
  const domains = [...byDomain.keys()].sort(domainOrder);
  return domains.map((domain) => {
    const h = byDomain.get(domain)!;
    const routes: IRRoute[] = [];
    for (const g of groups) if (hostAttaches(h, g)) routes.push(...routesFor(g, domain));
    return { domains: [domain], insecure: h.insecure, name: `${listenerName}/${domain}`, routes };
  });
}

function defaultVirtualHost(listenerName: string, groups: CompiledGroup[]): IRVirtualHost {
  const routes: IRRoute[] = [];
  for (const g of groups) routes.push(...routesFor(g, '*'));
  return { domains: ['*'], insecure: 'route', name: `${listenerName}/*`, routes };
}

function listenerTls(hosts: HostInfo[]): IRListenerTls[] {
  const seen = new Set<string>();
  const out: IRListenerTls[] = [];
  for (const h of hosts) {
    if (!h.tls) continue;
    const key = h.tls.serverNames.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(h.tls);
  }
  // Named chains first (sorted), the default chain last.
  return out.sort((a, b) => {
    if (a.serverNames.length === 0) return 1;
    if (b.serverNames.length === 0) return -1;
    return domainOrder(a.serverNames[0]!, b.serverNames[0]!);
  });
}

/** Builds listeners with their virtual hosts (defaults per docs/architecture.md). */
/** Listener with keys in sorted order (stableStringify's fast path). */
function sortedListener(l: IRListener): IRListener {
  return {
    address: l.address,
    name: l.name,
    port: l.port,
    protocol: l.protocol,
    securityModel: l.securityModel,
    statsPrefix: l.statsPrefix,
    tls: l.tls,
    virtualHosts: l.virtualHosts,
  };
}

export function buildListeners(
  listeners: Listener[],
  hosts: HostInfo[],
  groups: CompiledGroup[],
  ctx: CompileContext,
): IRListener[] {
  const out: IRListener[] = [];
  if (listeners.length === 0) {
    const http: IRListener = {
      name: 'listener-8080',
      address: '0.0.0.0',
      port: 8080,
      protocol: 'http',
      securityModel: 'XFP',
      statsPrefix: 'ingress-http',
      virtualHosts:
        hosts.length === 0
          ? [defaultVirtualHost('listener-8080', groups)]
          : buildVirtualHosts('listener-8080', hosts, groups, ctx),
      tls: [],
    };
    out.push(sortedListener(http));
    const tlsHosts = hosts.filter((h) => h.tls);
    if (tlsHosts.length > 0) {
      out.push(
        sortedListener({
          name: 'listener-8443',
          address: '0.0.0.0',
          port: 8443,
          protocol: 'https',
          securityModel: 'XFP',
          statsPrefix: 'ingress-https',
          virtualHosts: buildVirtualHosts('listener-8443', tlsHosts, groups, ctx),
          tls: listenerTls(tlsHosts),
        }),
      );
    }
    return out;
  }
  const ports = new Map<number, Listener>();
  for (const l of listeners) {
    const prev = ports.get(l.spec.port);
    if (prev) {
      ctx.report(
        l,
        'spec.port',
        `port ${l.spec.port} is already used by Listener ${prev.metadata.namespace}/${prev.metadata.name}; ignored`,
        'error',
        'duplicate-port',
      );
      continue;
    }
    ports.set(l.spec.port, l);
    const s = l.spec;
    const stack = s.protocolStack ?? [];
    const proto = s.protocol ?? '';
    const protocol: IRListener['protocol'] =
      proto === 'HTTPS' || proto === 'HTTPSPROXY' || (stack.includes('TLS') && stack.includes('HTTP'))
        ? 'https'
        : proto === 'HTTP' || proto === 'HTTPPROXY' || stack.includes('HTTP')
          ? 'http'
          : proto === 'TLS' || stack.includes('TLS')
            ? 'tls'
            : 'tcp';
    const name = `listener-${s.port}`;
    const bound = hosts.filter((h) => {
      const hb = s.hostBinding;
      if (hb?.selector?.matchLabels) return labelsMatch(hb.selector.matchLabels, h.h.metadata.labels ?? {});
      if (hb?.namespace?.from === 'SELF') return h.h.metadata.namespace === l.metadata.namespace;
      return true;
    });
    let virtualHosts: IRVirtualHost[] = [];
    let tls: IRListenerTls[] = [];
    if (protocol === 'http') {
      virtualHosts =
        hosts.length === 0 ? [defaultVirtualHost(name, groups)] : buildVirtualHosts(name, bound, groups, ctx);
    } else if (protocol === 'https') {
      const tlsHosts = bound.filter((h) => h.tls);
      if (tlsHosts.length === 0)
        ctx.report(
          l,
          'spec.protocol',
          `HTTPS Listener on port ${s.port} has no Host with a certificate bound to it; it serves nothing`,
          'warning',
          'https-without-hosts',
        );
      virtualHosts = buildVirtualHosts(name, tlsHosts, groups, ctx);
      tls = listenerTls(tlsHosts);
    }
    out.push(
      sortedListener({
        name,
        address: '0.0.0.0',
        port: s.port,
        protocol,
        securityModel: s.securityModel,
        statsPrefix: s.statsPrefix ?? (protocol === 'https' ? 'ingress-https' : 'ingress-http'),
        virtualHosts,
        tls,
      }),
    );
  }
  return out;
}

/** True when `name` is served by some Host glob (used to warn about unattached Mappings). */
export function anyHostMatches(hosts: HostInfo[], name: string): boolean {
  return hosts.some((h) => hostMatches(h.hostname, name));
}
