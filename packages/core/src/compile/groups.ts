import type {
  IRHashPolicy,
  IRHeaderMatch,
  IRHeaderOps,
  IRHeaderValue,
  IRLocalRateLimit,
  IRMirror,
  IRPathRewrite,
  IRQueryMatch,
  IRRateLimitAction,
  IRRateLimitEntry,
  IRRetryPolicy,
  IRRoute,
  IRRouteAction,
  IRRouteActionForward,
  IRWeightedCluster,
} from '../ir/types.js';
import type { AddHeaderValue, LabelSpecifier, LabelsSpec, RetryPolicySpec } from '../model/common.js';
import type { MappingSpec } from '../model/mapping.js';
import { parseDurationMs } from '../util/duration.js';
import { parseService } from '../util/service.js';
import { stableStringify } from '../util/stable-json.js';
import { buildCluster } from './clusters.js';
import type { CompileContext } from './context.js';
import { toCorsPolicy } from './cors.js';
import { headerMatchers, type MappingInfo, queryMatchers, roundHalfEven } from './mapping-info.js';

/** A compiled mapping group: its routes (without :authority, added per virtual host). */
export interface CompiledGroup {
  groupId: string;
  /** The member that names the group and decides Host attachment. */
  primary: MappingInfo;
  members: MappingInfo[];
  routes: IRRoute[];
  /** Id of the primary's hostname in the compile's HostMatchCache (set on first use). */
  hostId?: number;
  /** Set once any virtual host serves this group's routes. */
  served?: boolean;
}

/**
 * Core keys must agree inside a group (Emissary `CoreMappingKeys`), compared after defaulting.
 * Each key reads one member's defaulted value; members are only compared key by key.
 */
const CORE_KEYS: ReadonlyArray<readonly [string, (info: MappingInfo, ctx: CompileContext) => unknown]> = [
  ['bypass_auth', (i) => i.spec.bypassAuth === true],
  ['circuit_breakers', (i, ctx) => i.spec.circuitBreakers ?? moduleBreakers(ctx) ?? []],
  ['connect_timeout_ms', (i) => i.spec.connectTimeoutMs ?? 3000],
  [
    'cluster_idle_timeout_ms',
    (i, ctx) => i.spec.clusterIdleTimeoutMs ?? ctx.module.clusterIdleTimeoutMs ?? 0,
  ],
  [
    'cluster_max_connection_lifetime_ms',
    (i, ctx) => i.spec.clusterMaxConnectionLifetimeMs ?? ctx.module.clusterMaxConnectionLifetimeMs ?? 0,
  ],
  ['headers', (i) => i.headers.map((h) => `${h.name}=${h.value ?? '*'}${h.regex ? '~' : ''}`).sort()],
  ['keepalive', (i, ctx) => i.spec.keepalive ?? ctx.module.keepalive ?? null],
  ['labels', (i) => i.spec.labels ?? null],
  ['load_balancer', (i, ctx) => i.spec.loadBalancer ?? ctx.module.loadBalancer ?? null],
  ['method', (i) => i.spec.method ?? null],
  ['prefix', (i) => i.spec.prefix],
  ['prefix_regex', (i) => i.spec.prefixRegex === true],
  ['prefix_exact', (i) => i.spec.prefixExact === true],
];

export function moduleBreakers(ctx: CompileContext): MappingSpec['circuitBreakers'] | undefined {
  const cb = ctx.module.circuitBreakers;
  if (cb === undefined) return undefined;
  return Array.isArray(cb) ? cb : [cb];
}

function sameCoreValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (a.length === 0) return true;
  }
  return stableStringify(a) === stableStringify(b);
}

/**
 * Checks core keys symmetrically: for every key, members are partitioned by value; any key with
 * more than one partition rejects the whole group, naming every member and value, so the result
 * never depends on which Mapping arrived first.
 */
function checkCoreKeys(members: MappingInfo[], ctx: CompileContext): boolean {
  if (members.length < 2) return true;
  const conflicts: string[] = [];
  for (let ki = 0; ki < CORE_KEYS.length; ki++) {
    const [k, read] = CORE_KEYS[ki]!;
    // Most groups agree on identical (primitive or shared) values or empty lists: no
    // serialisation needed; values that serialise equally make one partition below anyway.
    const v0 = read(members[0]!, ctx);
    let same = true;
    for (let i = 1; i < members.length && same; i++) same = sameCoreValue(read(members[i]!, ctx), v0);
    if (same) continue;
    const byValue = new Map<string, string[]>();
    for (const m of members) {
      const v = stableStringify(read(m, ctx));
      const list = byValue.get(v) ?? [];
      list.push(m.key);
      byValue.set(v, list);
    }
    if (byValue.size > 1)
      conflicts.push(
        `${k} (${[...byValue.entries()].map(([v, ms]) => `${ms.join(', ')}: ${v === undefined ? 'unset' : v}`).join('; ')})`,
      );
  }
  if (conflicts.length === 0) return true;
  const names = members.map((m) => m.key).join(', ');
  for (const m of members)
    ctx.report(
      m.m,
      'spec',
      `Mappings ${names} share a match (same group) but disagree on ${conflicts.join(' and ')}; the group is rejected until they agree`,
      'error',
      'group-mismatch',
    );
  return false;
}

/**
 * Canary shares following Emissary's normalisation (weighted members first, weightless members
 * split the rest with Python rounding, the last weightless member absorbs rounding) but with our
 * fixes: over 100 or under 100 without a weightless member rejects the group.
 * Returns cumulative numerators (0–100) in member order, or undefined on error.
 */
export function canaryCumulative(members: MappingInfo[], ctx: CompileContext): number[] | undefined {
  if (members.length === 1) return ONE_HUNDRED as number[];
  const weighted = members.filter((m) => m.spec.weight !== undefined);
  const weightless = members.filter((m) => m.spec.weight === undefined);
  const sum = weighted.reduce((n, m) => n + (m.spec.weight ?? 0), 0);
  const list = () => members.map((m) => `${m.key}=${m.spec.weight ?? 'none'}`).join(', ');
  if (sum > 100) {
    ctx.report(
      weighted[0]!.m,
      'spec.weight',
      `canary weights of the Mappings sharing this match sum to ${sum}, over 100 (${list()}); no route is emitted for them`,
      'error',
      'weight-over-100',
    );
    return undefined;
  }
  if (weightless.length === 0 && sum < 100) {
    ctx.report(
      weighted[0]!.m,
      'spec.weight',
      `canary weights of the Mappings sharing this match sum to ${sum}, under 100, and no Mapping without a weight takes the remaining ${100 - sum}% (${list()}); add one or make the weights sum to 100`,
      'error',
      'weight-under-100',
    );
    return undefined;
  }
  const cumulative = new Map<MappingInfo, number>();
  let running = 0;
  for (const m of weighted) {
    running += m.spec.weight ?? 0;
    cumulative.set(m, running);
  }
  const each = weightless.length > 0 ? roundHalfEven((100 - sum) / weightless.length) : 0;
  weightless.forEach((m, i) => {
    running = i === weightless.length - 1 ? 100 : Math.min(100, running + each);
    cumulative.set(m, running);
  });
  // Pushed into a literal (packed small integers), the same elements kind as ONE_HUNDRED: the
  // caller's optimised code then sees one array shape and does not deoptimise on the first canary.
  const out: number[] = [];
  for (let i = 0; i < weighted.length; i++) out.push(cumulative.get(weighted[i]!)!);
  for (let i = 0; i < weightless.length; i++) out.push(cumulative.get(weightless[i]!)!);
  return out;
}

/**
 * Shared empty values for the many routes that set nothing (frozen: no compiler pass or adapter
 * writes into IR lists in place, and freezing keeps it that way). Fewer objects per route means
 * less garbage-collector copying on large inputs.
 */
const EMPTY_LIST: never[] = Object.freeze([]) as unknown as never[];
const EMPTY_EXTENSIONS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_HEADER_OPS: IRHeaderOps = Object.freeze({ add: EMPTY_LIST, remove: EMPTY_LIST });

function orEmpty<T>(list: T[]): T[] {
  return list.length === 0 ? EMPTY_LIST : list;
}

/** Route auth before JwtProviders/AuthorizationPolicies apply (attachAuth replaces, never edits). */
const PLAIN_AUTH = Object.freeze({
  bypassExtAuthz: false,
  contextExtensions: EMPTY_EXTENSIONS,
  jwtOptional: false,
  jwtProviders: EMPTY_LIST,
});
const BYPASS_AUTH = Object.freeze({ ...PLAIN_AUTH, bypassExtAuthz: true });

function headerValues(map: Record<string, AddHeaderValue> | undefined): IRHeaderValue[] {
  if (!map) return EMPTY_LIST;
  return Object.keys(map)
    .sort()
    .map((name) => {
      const v = map[name]!;
      return typeof v === 'string'
        ? { append: true, name: name.toLowerCase(), value: v }
        : { append: v.append !== false, name: name.toLowerCase(), value: v.value };
    });
}

function removeList(v: string[] | string | undefined): string[] {
  if (v === undefined) return EMPTY_LIST;
  return (Array.isArray(v) ? v : [v]).map((h) => h.toLowerCase()).sort();
}

function retryPolicy(p: RetryPolicySpec | undefined): IRRetryPolicy | undefined {
  if (!p) return undefined;
  // Keys in sorted order throughout the IR: stableStringify then runs at native JSON speed.
  return {
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    numRetries: p.numRetries ?? 1,
    perTryTimeoutMs: p.perTryTimeout !== undefined ? (parseDurationMs(p.perTryTimeout) ?? 0) : 0,
    retriableStatusCodes: [],
    retryNonIdempotent: false,
    retryOn: (p.retryOn ?? '5xx')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  };
}

function hashPolicy(spec: MappingSpec, ctx: CompileContext): IRHashPolicy | undefined {
  const lb = spec.loadBalancer ?? ctx.module.loadBalancer;
  if (!lb || (lb.policy !== 'ring_hash' && lb.policy !== 'maglev')) return undefined;
  if (lb.header) return { kind: 'header', name: lb.header.toLowerCase() };
  if (lb.cookie) {
    const ttl = lb.cookie.ttl !== undefined ? parseDurationMs(lb.cookie.ttl) : undefined;
    return {
      kind: 'cookie',
      name: lb.cookie.name,
      ...(lb.cookie.path ? { path: lb.cookie.path } : {}),
      ...(ttl !== undefined ? { ttlMs: ttl } : {}),
    };
  }
  if (lb.sourceIp) return { kind: 'source-ip' };
  return undefined;
}

function specifierEntry(s: LabelSpecifier): IRRateLimitEntry | undefined {
  if ('sourceCluster' in s) return { kind: 'source-cluster' };
  if ('destinationCluster' in s) return { kind: 'destination-cluster' };
  if ('remoteAddress' in s) return { kind: 'remote-address' };
  if ('genericKey' in s)
    return { key: s.genericKey.key ?? 'generic_key', kind: 'generic', value: s.genericKey.value };
  if ('requestHeaders' in s)
    return {
      header: s.requestHeaders.headerName.toLowerCase(),
      key: s.requestHeaders.key ?? s.requestHeaders.headerName,
      kind: 'request-header',
      omitIfNotPresent: s.requestHeaders.omitIfNotPresent === true,
    };
  return undefined;
}

/** Mapping `labels` → rate-limit descriptor recipes, Module `default_labels` prepended per domain. */
export function rateLimitActions(
  labels: LabelsSpec | undefined,
  ctx: CompileContext,
  defaults: LabelsSpec,
): IRRateLimitAction[] {
  if (!labels) return EMPTY_LIST;
  const out: IRRateLimitAction[] = [];
  for (const domain of Object.keys(labels).sort()) {
    const prefix: IRRateLimitEntry[] = [];
    for (const g of defaults[domain] ?? [])
      for (const specs of Object.values(g))
        for (const s of specs) {
          const e = specifierEntry(s);
          if (e) prefix.push(e);
        }
    for (const group of labels[domain] ?? []) {
      for (const specs of Object.values(group)) {
        const entries = specs.map(specifierEntry).filter((e): e is IRRateLimitEntry => e !== undefined);
        out.push({ domain, entries: [...prefix, ...entries] });
      }
    }
  }
  void ctx;
  return out;
}

function localRateLimit(spec: MappingSpec): IRLocalRateLimit | undefined {
  const rl = spec.gatewaySdk?.rateLimit;
  if (!rl) return undefined;
  const unitMs = rl.unit === 'hour' ? 3_600_000 : rl.unit === 'minute' ? 60_000 : 1000;
  const shared = rl.shared && {
    backend: 'redis' as const,
    ...(rl.shared.failureModeDeny !== undefined ? { failureModeDeny: rl.shared.failureModeDeny } : {}),
    prefix: rl.shared.prefix ?? 'gateway:rl:',
    url: rl.shared.redisUrl,
  };
  // Keys in sorted order: the IR is serialised without re-sorting.
  return {
    descriptors: (rl.by ?? []).map(specifierEntry).filter((e): e is IRRateLimitEntry => e !== undefined),
    fillIntervalMs: unitMs,
    maxTokens: rl.burst ?? rl.requestsPerUnit,
    responseHeaders: rl.responseHeaders !== false,
    ...(shared ? { shared } : {}),
    tokensPerFill: rl.requestsPerUnit,
  };
}

/** The default prefix rewrite, shared (frozen) by the many Mappings that keep it. */
const ROOT_REWRITE: IRPathRewrite = Object.freeze({ kind: 'prefix', value: '/' });

/** The rewrite a member applies (default "/" only for prefix matches: the Emissary-bug fix). */
function rewriteOf(info: MappingInfo): IRPathRewrite | undefined {
  const s = info.spec;
  if (s.regexRewrite)
    return { kind: 'regex', pattern: s.regexRewrite.pattern, substitution: s.regexRewrite.substitution };
  const isPrefix = info.path.kind === 'prefix' || info.path.kind === 'segment-prefix';
  const rewrite = s.rewrite ?? (isPrefix ? '/' : undefined);
  if (rewrite === undefined || rewrite === '') return undefined;
  if (isPrefix)
    return rewrite === info.path.value
      ? undefined
      : rewrite === '/'
        ? ROOT_REWRITE
        : { kind: 'prefix', value: rewrite };
  // For exact and regex matches the whole path is the "prefix": rewriting replaces it.
  return { kind: 'full', value: rewrite };
}

interface MemberRoute {
  info: MappingInfo;
  cluster: string;
  hostRewrite?: string;
  addRequest: IRHeaderValue[];
  /** Route-level attributes; members may share one weighted route only if these are equal. */
  attrs: Omit<IRRouteActionForward, 'clusters' | 'hostRewrite' | 'mirrors' | 'kind'> & {
    caseSensitive: boolean;
    removeRequest: string[];
    responseHeaders: IRHeaderOps;
    cors?: IRRoute['cors'];
    contextExtensions: Record<string, string>;
    bypass: boolean;
    localRateLimit?: IRLocalRateLimit;
  };
}

function memberCluster(info: MappingInfo, ctx: CompileContext, marker?: string): string | undefined {
  const s = info.spec;
  const mod = ctx.module;
  return buildCluster(ctx, {
    owner: info.m,
    path: 'spec.service',
    service: s.service,
    namespace: info.m.metadata.namespace,
    marker: s.clusterTag || marker,
    tls: typeof s.tls === 'string' ? s.tls : s.tls === true ? true : undefined,
    hostRewrite: s.hostRewrite,
    resolver: s.resolver ?? (typeof mod.resolver === 'string' ? mod.resolver : 'kubernetes-service'),
    connectTimeoutMs: s.connectTimeoutMs,
    idleTimeoutMs: s.clusterIdleTimeoutMs ?? mod.clusterIdleTimeoutMs,
    maxConnectionLifetimeMs: s.clusterMaxConnectionLifetimeMs ?? mod.clusterMaxConnectionLifetimeMs,
    circuitBreakers: s.circuitBreakers ?? moduleBreakers(ctx),
    loadBalancer: s.loadBalancer ?? mod.loadBalancer,
    keepalive: s.keepalive ?? mod.keepalive,
    grpc: s.grpc,
    dnsType: s.dnsType,
    respectDnsTtl: s.respectDnsTtl,
    enableIpv4: s.enableIpv4,
    enableIpv6: s.enableIpv6,
    statsName: s.statsName,
    healthChecks: s.healthChecks,
  });
}

function memberRoute(info: MappingInfo, ctx: CompileContext): MemberRoute | undefined {
  const s = info.spec;
  const mod = ctx.module;
  const cluster = memberCluster(info, ctx);
  if (!cluster) return undefined;
  let addRequest = headerValues(s.addRequestHeaders);
  if (s.addLinkerdHeaders ?? mod.addLinkerdHeaders) {
    const p = parseService(s.service);
    if (p.ok) {
      const port = p.value.port ?? (p.value.scheme === 'https' ? 443 : 80);
      addRequest = [...addRequest];
      addRequest.push({ append: false, name: 'l5d-dst-override', value: `${p.value.host}:${port}` });
    }
  }
  let upgrades: string[] = EMPTY_LIST;
  if (s.allowUpgrade !== undefined || s.useWebsocket) {
    const list = [...(s.allowUpgrade ?? []), ...(s.useWebsocket ? ['websocket'] : [])].map((u) =>
      u.toLowerCase(),
    );
    upgrades = [...new Set(list)].sort();
  }
  const cors = s.cors ?? mod.cors;
  const rewrite = rewriteOf(info);
  const retry = retryPolicy(s.retryPolicy ?? mod.retryPolicy);
  const hash = hashPolicy(s, ctx);
  const lrl = localRateLimit(s);
  const ext = s.authContextExtensions;
  // Plain assignments rather than conditional spreads (this runs once per Mapping), in sorted key
  // order so comparing members' attributes (stableStringify) takes the native JSON path.
  const attrs = {
    autoHostRewrite: s.autoHostRewrite === true,
    bypass: s.bypassAuth === true,
    caseSensitive: info.caseSensitive,
    contextExtensions:
      ext === undefined
        ? EMPTY_EXTENSIONS
        : Object.fromEntries(
            Object.keys(ext)
              .sort()
              .map((k) => [k, ext[k]!]),
          ),
  } as MemberRoute['attrs'];
  if (cors) attrs.cors = toCorsPolicy(cors);
  attrs.grpc = s.grpc === true;
  if (hash) attrs.hashPolicy = hash;
  attrs.idleTimeoutMs = s.idleTimeoutMs ?? 0;
  if (lrl) attrs.localRateLimit = lrl;
  attrs.priority = s.priority !== undefined && s.priority.toLowerCase() === 'high' ? 'high' : 'default';
  attrs.removeRequest = removeList(s.removeRequestHeaders);
  attrs.responseHeaders =
    s.addResponseHeaders === undefined && s.removeResponseHeaders === undefined
      ? NO_HEADER_OPS
      : { add: headerValues(s.addResponseHeaders), remove: removeList(s.removeResponseHeaders) };
  if (retry) attrs.retry = retry;
  if (rewrite) attrs.rewrite = rewrite;
  attrs.timeoutMs = s.timeoutMs ?? mod.clusterRequestTimeoutMs ?? 3000;
  attrs.upgrades = upgrades;
  const out: MemberRoute = { info, cluster, addRequest, attrs };
  if (s.hostRewrite) out.hostRewrite = s.hostRewrite;
  return out;
}

const NOT_STATS_CHAR = /[^0-9A-Za-z_]/g;

function statsName(key: string): string {
  return key.replace(NOT_STATS_CHAR, '_');
}

/** Compiles one group (members sorted by namespace/name) into routes without :authority. */
export function compileGroup(
  members: MappingInfo[],
  ctx: CompileContext,
  labelDefaults: LabelsSpec,
): CompiledGroup | undefined {
  if (!checkCoreKeys(members, ctx)) return undefined;
  // One pass (most groups have one member): shadows, redirects and the rest, in member order.
  let shadows: MappingInfo[] = NO_MEMBERS;
  let redirects: MappingInfo[] = NO_MEMBERS;
  let normal: MappingInfo[] = NO_MEMBERS;
  if (members.length === 1 && members[0]!.spec.shadow !== true && members[0]!.spec.hostRedirect !== true)
    normal = members;
  else {
    shadows = [];
    redirects = [];
    normal = [];
    for (const m of members) {
      if (m.spec.shadow === true) shadows.push(m);
      else if (m.spec.hostRedirect === true) redirects.push(m);
      else normal.push(m);
    }
  }
  for (let i = 1; i < shadows.length; i++)
    ctx.report(
      shadows[i]!.m,
      'spec.shadow',
      `only one shadow Mapping per match is allowed; ${shadows[0]!.key} is used`,
      'error',
      'extra-shadow',
    );
  for (let i = 1; i < redirects.length; i++)
    ctx.report(
      redirects[i]!.m,
      'spec.host_redirect',
      `only one host_redirect Mapping per match is allowed; ${redirects[0]!.key} is used`,
      'error',
      'extra-redirect',
    );

  const primary = redirects[0] ?? normal[0];
  if (!primary) {
    ctx.report(
      shadows[0]!.m,
      'spec.shadow',
      'a shadow Mapping mirrors the traffic of a Mapping with the same match, but there is none; nothing to mirror',
      'warning',
      'shadow-without-primary',
    );
    return undefined;
  }
  const groupId = primary.groupId;
  const sources: GroupData['sources'] = new Array(members.length);
  for (let i = 0; i < members.length; i++) {
    const md = members[i]!.m.metadata;
    sources[i] = { kind: 'Mapping', name: md.name, namespace: md.namespace };
  }
  const headers = orEmpty(headerMatchers(primary));
  const queryParams = orEmpty(queryMatchers(primary));
  const rateLimits = orEmpty(rateLimitActions(primary.spec.labels, ctx, labelDefaults));

  if (redirects[0]) {
    const r = redirects[0];
    const s = r.spec;
    if (normal.length > 0)
      for (const n of normal)
        ctx.report(
          n.m,
          'spec',
          `ignored: ${r.key} redirects every request with this match (host_redirect)`,
          'warning',
          'redirect-shadows',
        );
    const p = parseService(s.service);
    const path: IRPathRewrite | undefined =
      s.pathRedirect !== undefined
        ? { kind: 'full', value: s.pathRedirect }
        : s.prefixRedirect !== undefined
          ? { kind: 'prefix', value: s.prefixRedirect }
          : s.regexRedirect !== undefined
            ? { kind: 'regex', pattern: s.regexRedirect.pattern, substitution: s.regexRedirect.substitution }
            : undefined;
    const action: IRRouteAction = {
      ...(p.ok ? { host: p.value.ipv6 ? `[${p.value.host}]` : p.value.host } : {}),
      kind: 'redirect',
      ...(path ? { path } : {}),
      ...(p.ok && p.value.port !== undefined ? { port: p.value.port } : {}),
      ...(p.ok && p.value.scheme ? { scheme: p.value.scheme } : {}),
      statusCode: (s.redirectResponseCode ?? 301) as 301 | 302 | 303 | 307 | 308,
    };
    const route: IRRoute = {
      action,
      // Redirects never reach an upstream, so external auth is skipped as in Emissary.
      auth: { bypassExtAuthz: true, contextExtensions: {}, jwtOptional: false, jwtProviders: [] },
      authorizationPolicies: [],
      group: groupId,
      match: { caseSensitive: r.caseSensitive, headers, path: r.path, queryParams },
      name: r.key,
      rateLimits,
      requestHeaders: { add: [], remove: [] },
      responseHeaders: {
        add: headerValues(s.addResponseHeaders),
        remove: removeList(s.removeResponseHeaders),
      },
      sources,
      statsName: statsName(r.key),
    };
    return { groupId, primary: r, members, routes: [route], hostId: undefined, served: false };
  }

  const cumulative = canaryCumulative(normal, ctx);
  if (!cumulative) return undefined;
  // canaryCumulative orders weighted members first; keep that order for the routes.
  const ordered =
    normal.length === 1
      ? normal
      : [
          ...normal.filter((m) => m.spec.weight !== undefined),
          ...normal.filter((m) => m.spec.weight === undefined),
        ];
  // Literals filled by push (packed elements), like the one-element lists buildRoute also gets.
  const routes: MemberRoute[] = [];
  const shares: number[] = [];
  let prev = 0;
  for (let i = 0; i < ordered.length; i++) {
    const mr = memberRoute(ordered[i]!, ctx);
    if (!mr) return undefined;
    const c = cumulative[i]!;
    routes.push(mr);
    shares.push(c - prev);
    prev = c;
  }
  let mirrors: IRMirror[] = EMPTY_LIST;
  const shadow = shadows[0];
  if (shadow) {
    const cluster = memberCluster(shadow, ctx, 'shadow');
    if (cluster) mirrors = [{ cluster, percent: shadow.spec.weight ?? 100 }];
  }

  const group: GroupData = { groupId, headers, mirrors, queryParams, rateLimits, sources };
  const groupName = primary.key;
  const out: IRRoute[] = [];
  let sameAttrs = true;
  for (let i = 1; i < routes.length && sameAttrs; i++)
    sameAttrs = sameRouteAttrs(routes[0]!.attrs, routes[i]!.attrs);
  if (sameAttrs) {
    out.push(buildRoute(group, routes, shares, groupName, undefined));
  } else {
    // Members differ in route attributes: one route each, selected by a shared random draw
    // against cumulative fractions (Envoy runtime_fraction semantics).
    for (let i = 0; i < routes.length; i++) {
      if (shares[i] === 0) continue;
      const last = i === routes.length - 1 || cumulative[i] === 100;
      out.push(
        buildRoute(group, [routes[i]!], ONE_HUNDRED, `${groupName}#${i}`, last ? undefined : cumulative[i]),
      );
    }
  }
  return { groupId, primary, members, routes: out, hostId: undefined, served: false };
}

/** What every route of one group shares. */
interface GroupData {
  groupId: string;
  headers: IRHeaderMatch[];
  mirrors: IRMirror[];
  queryParams: IRQueryMatch[];
  rateLimits: IRRateLimitAction[];
  sources: Array<{ kind: string; name: string; namespace: string }>;
}

/** Weights of a route with one backend (read only). */
const ONE_HUNDRED: readonly number[] = [100];
const NO_MEMBERS: MappingInfo[] = [];

/** Equal JSON (what a stableStringify comparison says), without serialising the common cases. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (Array.isArray(a) && Array.isArray(b) && a.length === 0 && b.length === 0) return true;
  return stableStringify(a) === stableStringify(b);
}

/** Field-wise `stableStringify(a) === stableStringify(b)` for members' route attributes. */
function sameRouteAttrs(a: MemberRoute['attrs'], b: MemberRoute['attrs']): boolean {
  return (
    sameJson(a.autoHostRewrite, b.autoHostRewrite) &&
    sameJson(a.bypass, b.bypass) &&
    sameJson(a.caseSensitive, b.caseSensitive) &&
    sameJson(a.grpc, b.grpc) &&
    sameJson(a.idleTimeoutMs, b.idleTimeoutMs) &&
    sameJson(a.priority, b.priority) &&
    sameJson(a.timeoutMs, b.timeoutMs) &&
    sameJson(a.upgrades, b.upgrades) &&
    sameJson(a.removeRequest, b.removeRequest) &&
    sameJson(a.responseHeaders, b.responseHeaders) &&
    sameJson(a.contextExtensions, b.contextExtensions) &&
    sameJson(a.cors, b.cors) &&
    sameJson(a.hashPolicy, b.hashPolicy) &&
    sameJson(a.localRateLimit, b.localRateLimit) &&
    sameJson(a.retry, b.retry) &&
    sameJson(a.rewrite, b.rewrite)
  );
}

/**
 * One route for `members` (one weighted backend each). Objects are built key by key in sorted
 * order (no conditional spreads: this is the hot path, and sorted keys let stableStringify use
 * native JSON).
 */
function buildRoute(
  g: GroupData,
  members: MemberRoute[],
  weights: readonly number[],
  name: string,
  fraction: number | undefined,
): IRRoute {
  const first = members[0]!;
  const a = first.attrs;
  const n = members.length;
  let sameHostRewrite = true;
  let sameAdd = true;
  if (n > 1) {
    const firstAdd = stableStringify(first.addRequest);
    for (let i = 1; i < n; i++) {
      const m = members[i]!;
      if (m.hostRewrite !== first.hostRewrite) sameHostRewrite = false;
      if (sameAdd && !sameJsonText(m.addRequest, firstAdd)) sameAdd = false;
    }
  }
  const clusters: IRWeightedCluster[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const m = members[i]!;
    const c = { cluster: m.cluster } as IRWeightedCluster;
    if (!sameHostRewrite && m.hostRewrite) c.hostRewrite = m.hostRewrite;
    if (!sameAdd && m.addRequest.length > 0) c.requestHeaders = { add: m.addRequest, remove: [] };
    // Which Mapping contributed a backend matters only when there are several.
    if (n > 1) {
      const md = m.info.m.metadata;
      c.source = { kind: 'Mapping', name: md.name, namespace: md.namespace };
    }
    c.weight = weights[i]!;
    clusters[i] = c;
  }
  const action = { autoHostRewrite: a.autoHostRewrite, clusters, grpc: a.grpc } as IRRouteActionForward;
  if (a.hashPolicy) action.hashPolicy = a.hashPolicy;
  if (sameHostRewrite && first.hostRewrite) action.hostRewrite = first.hostRewrite;
  action.idleTimeoutMs = a.idleTimeoutMs;
  action.kind = 'forward';
  action.mirrors = g.mirrors;
  action.priority = a.priority;
  if (a.retry) action.retry = a.retry;
  if (a.rewrite) action.rewrite = a.rewrite;
  action.timeoutMs = a.timeoutMs;
  action.upgrades = a.upgrades;
  const match = { caseSensitive: a.caseSensitive } as IRRoute['match'];
  if (fraction !== undefined) match.fraction = fraction;
  match.headers = g.headers;
  match.path = first.info.path;
  match.queryParams = g.queryParams;
  const route = {
    action,
    auth:
      a.contextExtensions === EMPTY_EXTENSIONS
        ? a.bypass
          ? BYPASS_AUTH
          : PLAIN_AUTH
        : {
            bypassExtAuthz: a.bypass,
            contextExtensions: a.contextExtensions,
            jwtOptional: false,
            jwtProviders: EMPTY_LIST,
          },
    authorizationPolicies: EMPTY_LIST,
  } as unknown as IRRoute;
  if (a.cors) route.cors = a.cors;
  route.group = g.groupId;
  if (a.localRateLimit) route.localRateLimit = a.localRateLimit;
  route.match = match;
  route.name = name;
  route.rateLimits = g.rateLimits;
  const add = sameAdd ? first.addRequest : EMPTY_LIST;
  route.requestHeaders =
    add.length === 0 && a.removeRequest.length === 0 ? NO_HEADER_OPS : { add, remove: a.removeRequest };
  route.responseHeaders = a.responseHeaders;
  route.sources = g.sources;
  route.statsName = statsName(
    fraction === undefined && !name.includes('#') ? name : name.replace(/#\d+$/, ''),
  );
  return route;
}

function sameJsonText(list: IRHeaderValue[], text: string): boolean {
  return list.length === 0 ? text === '[]' : stableStringify(list) === text;
}
