import type { IRHeaderMatch, IRListener, IRListenerTls, IRRoute, IRVirtualHost } from '../ir/types.js';
import type { Host } from '../model/host.js';
import type { Listener } from '../model/listener.js';
import type { Mapping } from '../model/mapping.js';
import type { TLSContext } from '../model/tls-context.js';
import { hostGlobCovers, hostGlobsOverlap, hostMatches } from '../util/globs.js';
import type { CompileContext } from './context.js';
import type { CompiledGroup } from './groups.js';
import { authorityMatcher, type MappingInfo } from './mapping-info.js';
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

/**
 * Per-compile answers to "does Host glob X overlap / cover Mapping hostname Y", indexed by a
 * small id per distinct Mapping hostname: thousands of groups share a few hundred hostnames, so
 * each pair is decided once and looked up by array index afterwards.
 */
export class HostMatchCache {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly overlapTables = new Map<string, Array<boolean | undefined>>();
  private readonly coverTables = new Map<string, Array<boolean | undefined>>();

  /** The id of a group's primary hostname (-1 when it has none), computed once per group. */
  idOf(group: CompiledGroup): number {
    if (group.hostId !== undefined) return group.hostId;
    const host = group.primary.host;
    let id = -1;
    if (host !== undefined) {
      const known = this.ids.get(host);
      if (known !== undefined) id = known;
      else {
        id = this.names.length;
        this.names.push(host);
        this.ids.set(host, id);
      }
    }
    group.hostId = id;
    return id;
  }

  private readonly authorities: Array<IRHeaderMatch | null | undefined> = [];

  /**
   * The :authority matcher of a (non-regex) hostname, shared (frozen) by every route copy that
   * needs it.
   */
  authority(id: number, info: MappingInfo): IRHeaderMatch | undefined {
    let m = this.authorities[id];
    if (m === undefined) {
      const built = authorityMatcher(info);
      if (built) {
        Object.freeze(built.match);
        Object.freeze(built);
      }
      m = built ?? null;
      this.authorities[id] = m;
    }
    return m ?? undefined;
  }

  /** `hostGlobsOverlap(hostGlob, <hostname of id>)`. */
  overlaps(hostGlob: string, id: number): boolean {
    return this.overlapsIn(this.table(this.overlapTables, hostGlob), hostGlob, id);
  }

  /** Answers for one Host glob, to look up without a map access per group. */
  overlapTable(hostGlob: string): Array<boolean | undefined> {
    return this.table(this.overlapTables, hostGlob);
  }

  overlapsIn(table: Array<boolean | undefined>, hostGlob: string, id: number): boolean {
    let r = table[id];
    if (r === undefined) {
      r = hostGlobsOverlap(hostGlob, this.names[id]!);
      table[id] = r;
    }
    return r;
  }

  /** Answers for one virtual-host domain (see {@link covers}). */
  coverTable(domain: string): Array<boolean | undefined> {
    return this.table(this.coverTables, domain);
  }

  /** `hostGlobCovers(<hostname of id>, domain)`. */
  covers(id: number, domain: string, table = this.coverTable(domain)): boolean {
    let r = table[id];
    if (r === undefined) {
      r = hostGlobCovers(this.names[id]!, domain);
      table[id] = r;
    }
    return r;
  }

  private table(tables: Map<string, Array<boolean | undefined>>, key: string): Array<boolean | undefined> {
    let table = tables.get(key);
    if (table === undefined) {
      table = [];
      tables.set(key, table);
    }
    return table;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Emissary 2.x strict attachment (`irhost.py::matches_httpgroup`). `table` is
 * `cache.overlapTable(host.hostname)`, when the caller already has it.
 */
export function hostAttaches(
  host: HostInfo,
  group: CompiledGroup,
  cache = new HostMatchCache(),
  table = cache.overlapTable(host.hostname),
): boolean {
  const p = group.primary;
  if (p.hostRegex) return true;
  if (host.matchLabels) {
    if (!labelsMatch(host.matchLabels, p.m.metadata.labels ?? NO_LABELS)) return false;
    return p.host === undefined || cache.overlapsIn(table, host.hostname, cache.idOf(group));
  }
  if (p.host !== undefined) return cache.overlapsIn(table, host.hostname, cache.idOf(group));
  return false;
}

/** Routes of a group as served under `domain`: adds the :authority matcher unless redundant. */
function routesFor(
  group: CompiledGroup,
  domain: string,
  cache: HostMatchCache,
  coverTable: Array<boolean | undefined>,
): IRRoute[] {
  const p = group.primary;
  if (p.host === undefined) return group.routes;
  if (!p.hostRegex && cache.covers(cache.idOf(group), domain, coverTable)) return group.routes;
  const auth = p.hostRegex ? authorityMatcher(p) : cache.authority(cache.idOf(group), p);
  if (!auth) return group.routes;
  const out: IRRoute[] = new Array(group.routes.length);
  for (let i = 0; i < out.length; i++) out[i] = withAuthority(group.routes[i]!, auth);
  return out;
}

/**
 * A copy of `r` whose match starts with `auth`: `{ ...r, match: { ...r.match, headers } }` built
 * key by key. Routes only come from compileGroup, whose key order (sorted) this repeats.
 */
function withAuthority(r: IRRoute, auth: IRHeaderMatch): IRRoute {
  const m = r.match;
  const headers: IRHeaderMatch[] = new Array(m.headers.length + 1);
  headers[0] = auth;
  for (let i = 0; i < m.headers.length; i++) headers[i + 1] = m.headers[i]!;
  const match = { caseSensitive: m.caseSensitive } as IRRoute['match'];
  if (m.fraction !== undefined) match.fraction = m.fraction;
  match.headers = headers;
  match.path = m.path;
  match.queryParams = m.queryParams;
  const out = {
    action: r.action,
    auth: r.auth,
    authorizationPolicies: r.authorizationPolicies,
  } as IRRoute;
  if (r.cors !== undefined) out.cors = r.cors;
  out.group = r.group;
  if (r.localRateLimit !== undefined) out.localRateLimit = r.localRateLimit;
  out.match = match;
  out.name = r.name;
  out.rateLimits = r.rateLimits;
  out.requestHeaders = r.requestHeaders;
  out.responseHeaders = r.responseHeaders;
  out.sources = r.sources;
  out.statsName = r.statsName;
  return out;
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
  cache: HostMatchCache,
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
  const out: IRVirtualHost[] = [];
  for (let d = 0; d < domains.length; d++) {
    const domain = domains[d]!;
    const h = byDomain.get(domain)!;
    const routes = hostRoutes(h, domain, groups, cache);
    out.push({ domains: [domain], insecure: h.insecure, name: `${listenerName}/${domain}`, routes });
  }
  return out;
}

/**
 * The routes one Host serves under `domain`, in group order. A small function of its own: its
 * loop runs once per group and Host, and on a cold start V8 optimises a small function's loop
 * (on-stack replacement) far sooner than the same loop inside a large one.
 */
function hostRoutes(h: HostInfo, domain: string, groups: CompiledGroup[], cache: HostMatchCache): IRRoute[] {
  const routes: IRRoute[] = [];
  const overlapTable = cache.overlapTable(h.hostname);
  const coverTable = cache.coverTable(domain);
  for (let j = 0; j < groups.length; j++) {
    const g = groups[j]!;
    if (!hostAttaches(h, g, cache, overlapTable)) continue;
    g.served = true;
    const list = routesFor(g, domain, cache, coverTable);
    for (let i = 0; i < list.length; i++) routes.push(list[i]!);
  }
  return routes;
}

function defaultVirtualHost(
  listenerName: string,
  groups: CompiledGroup[],
  cache: HostMatchCache,
): IRVirtualHost {
  const routes: IRRoute[] = [];
  const coverTable = cache.coverTable('*');
  for (let j = 0; j < groups.length; j++) {
    const g = groups[j]!;
    g.served = true;
    const list = routesFor(g, '*', cache, coverTable);
    for (let i = 0; i < list.length; i++) routes.push(list[i]!);
  }
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
  cache: HostMatchCache = new HostMatchCache(),
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
          ? [defaultVirtualHost('listener-8080', groups, cache)]
          : buildVirtualHosts('listener-8080', hosts, groups, ctx, cache),
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
          virtualHosts: buildVirtualHosts('listener-8443', tlsHosts, groups, ctx, cache),
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
        hosts.length === 0
          ? [defaultVirtualHost(name, groups, cache)]
          : buildVirtualHosts(name, bound, groups, ctx, cache);
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
      virtualHosts = buildVirtualHosts(name, tlsHosts, groups, ctx, cache);
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
