import type {
  Diagnostic,
  GatewayIR,
  IRCluster,
  IRListener,
  IRRoute,
  IRRouteActionDirect,
  IRRouteActionRedirect,
  IRSettings,
  IRVirtualHost,
  ResourceRef,
} from '@gateway/core';
import { type CompiledHeaderOps, compileHeaderOps } from '../features/headers.js';
import { HostMatcher } from './host-match.js';
import {
  compileHeaderMatch,
  compileQueryMatch,
  type HeaderMatcher,
  type MatchInput,
  parseQuery,
  type QueryMatcher,
  type QueryParams,
} from './matchers.js';
import { PrefixIndex } from './prefix-index.js';
import type { CompiledRegex } from './regex.js';
import { compileRegex } from './regex.js';
import { compilePathRewrite, type PathRewriter } from './rewrite.js';

/**
 * The routing decision for one listener, compiled from the IR once per config: virtual-host
 * selection by Host, then first-match-wins over the vhost's routes in IR order. A radix index over
 * literal prefixes yields the candidate routes for a path, so lookup cost does not grow with the
 * number of plain prefix routes; the remaining matchers are checked on candidates in IR order,
 * which is exactly the linear first-match result (property-tested against {@link matchLinear}).
 */

const PATH_EXACT = 0;
const PATH_PREFIX = 1;
const PATH_SEGMENT = 2;
const PATH_REGEX = 3;

export interface CompiledWeightedCluster {
  readonly cluster: string;
  readonly weight: number;
  readonly hostRewrite: string | undefined;
  readonly requestHeaders: CompiledHeaderOps;
}

export interface CompiledForward {
  readonly kind: 'forward';
  readonly clusters: readonly CompiledWeightedCluster[];
  readonly totalWeight: number;
  readonly rewrite: PathRewriter | undefined;
  readonly hostRewrite: string | undefined;
  /** Authority to use for `auto_host_rewrite`, per cluster (DNS name of the service). */
  readonly autoHost: ReadonlyMap<string, string> | undefined;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly mirrors: ReadonlyArray<{ cluster: string; percent: number }>;
  readonly websocket: boolean;
  readonly grpc: boolean;
  readonly ir: IRRoute['action'] & { kind: 'forward' };
}

export interface CompiledRedirect {
  readonly kind: 'redirect';
  readonly rewrite: PathRewriter | undefined;
  readonly ir: IRRouteActionRedirect;
}

export interface CompiledDirect {
  readonly kind: 'direct';
  readonly ir: IRRouteActionDirect;
}

export interface CompiledRoute {
  /** Position within the virtual host. */
  readonly index: number;
  readonly ir: IRRoute;
  readonly pathKind: number;
  /** Path value, lower-cased when the route is case-insensitive. */
  readonly pathValue: string;
  readonly caseSensitive: boolean;
  readonly pathRegex: CompiledRegex | undefined;
  readonly headers: readonly HeaderMatcher[];
  readonly query: readonly QueryMatcher[];
  readonly fraction: number | undefined;
  readonly secure: boolean | undefined;
  readonly action: CompiledForward | CompiledRedirect | CompiledDirect;
  readonly requestHeaders: CompiledHeaderOps;
  readonly responseHeaders: CompiledHeaderOps;
  /** Slot for per-route runtime objects (metrics children) attached by the gateway. */
  runtime: unknown;
}

export interface CompiledVirtualHost {
  readonly ir: IRVirtualHost;
  readonly routes: readonly CompiledRoute[];
  /** Case-sensitive prefix/segment/exact routes by literal key. */
  readonly index: PrefixIndex;
  /** Case-insensitive prefix/segment/exact routes by lower-cased key. */
  readonly indexLower: PrefixIndex | undefined;
  /** Routes the index cannot narrow (regex paths), ascending. */
  readonly always: readonly number[];
}

/** What routing reads from a request. `path` is normalised and has no query. */
export interface RouteInput extends MatchInput {
  path: string;
  secure: boolean;
  /**
   * The per-request random draw in [0, 100) shared by every `match.fraction` check. Leave
   * undefined: it is drawn on first use (tests may preset it).
   */
  fractionDraw?: number;
}

export type RouteDecision =
  | { kind: 'route'; vhost: CompiledVirtualHost; route: CompiledRoute }
  | { kind: 'no-vhost' }
  | { kind: 'no-route'; vhost: CompiledVirtualHost }
  | { kind: 'insecure-redirect'; vhost: CompiledVirtualHost };

export class ListenerRouteTable {
  constructor(
    readonly listener: IRListener,
    readonly vhosts: readonly CompiledVirtualHost[],
    private readonly hosts: HostMatcher<CompiledVirtualHost>,
  ) {}

  /** Selects the virtual host for a normalised authority. */
  selectHost(authority: string): CompiledVirtualHost | undefined {
    return this.hosts.match(authority);
  }

  /** The full routing decision: vhost, insecure policy, first matching route. */
  route(input: RouteInput): RouteDecision {
    const vhost = this.hosts.match(input.authority);
    if (vhost === undefined) return { kind: 'no-vhost' };
    if (!input.secure && vhost.ir.insecure !== 'route') {
      if (vhost.ir.insecure === 'redirect') return { kind: 'insecure-redirect', vhost };
      return { kind: 'no-route', vhost };
    }
    const route = matchIndexed(vhost, input);
    return route ? { kind: 'route', vhost, route } : { kind: 'no-route', vhost };
  }
}

// Scratch space for the k-way merge; matching is synchronous, so one set per process is safe.
const SCRATCH_LISTS: number[][] = [];
const SCRATCH_POS: number[] = [];

/** First matching route using the prefix index (the production path). */
export function matchIndexed(vhost: CompiledVirtualHost, input: RouteInput): CompiledRoute | undefined {
  const lists = SCRATCH_LISTS;
  let n = vhost.index.collect(input.path, lists);
  let lower: string | undefined;
  if (vhost.indexLower !== undefined) {
    lower = input.path.toLowerCase();
    n = vhost.indexLower.collect(lower, lists, n);
  }
  if (vhost.always.length > 0) lists[n++] = vhost.always as number[];
  if (n === 0) return undefined;
  const routes = vhost.routes;
  let query: QueryParams | undefined;
  if (n === 1) {
    const only = lists[0] as number[];
    for (let i = 0; i < only.length; i++) {
      const route = routes[only[i] as number] as CompiledRoute;
      const r = checkRoute(route, input, lower, query);
      if (r === true) return route;
      if (r !== false) query = r;
    }
    return undefined;
  }
  // k-way merge of ascending lists: visit candidates in IR order, stop at the first match.
  const pos = SCRATCH_POS;
  for (let i = 0; i < n; i++) pos[i] = 0;
  for (;;) {
    let best = -1;
    let bestList = -1;
    for (let i = 0; i < n; i++) {
      const list = lists[i] as number[];
      const p = pos[i] as number;
      if (p < list.length) {
        const idx = list[p] as number;
        if (best === -1 || idx < best) {
          best = idx;
          bestList = i;
        }
      }
    }
    if (best === -1) return undefined;
    pos[bestList] = (pos[bestList] as number) + 1;
    const route = routes[best] as CompiledRoute;
    const r = checkRoute(route, input, lower, query);
    if (r === true) return route;
    if (r !== false) query = r;
  }
}

/** Reference semantics: check every route in order. Used by tests to prove the index equivalent. */
export function matchLinear(vhost: CompiledVirtualHost, input: RouteInput): CompiledRoute | undefined {
  let query: QueryParams | undefined;
  const lower = input.path.toLowerCase();
  for (const route of vhost.routes) {
    const r = checkRoute(route, input, lower, query);
    if (r === true) return route;
    if (r !== false) query = r;
  }
  return undefined;
}

/**
 * Full check of one route. Returns true/false, or the parsed query params when it had to parse
 * them and the route did not match (so the caller can reuse them for later candidates).
 */
function checkRoute(
  route: CompiledRoute,
  input: RouteInput,
  lower: string | undefined,
  query: QueryParams | undefined,
): boolean | QueryParams {
  if (!pathMatches(route, input.path, lower)) return false;
  if (route.secure !== undefined && route.secure !== input.secure) return false;
  const headers = route.headers;
  for (let i = 0; i < headers.length; i++) if (!(headers[i] as HeaderMatcher)(input)) return false;
  const qm = route.query;
  if (qm.length > 0) {
    const params = query ?? parseQuery(input.query);
    for (let i = 0; i < qm.length; i++) {
      if (!(qm[i] as QueryMatcher)(params)) return params;
    }
  }
  if (route.fraction !== undefined) {
    if (input.fractionDraw === undefined) input.fractionDraw = Math.random() * 100;
    if (!(input.fractionDraw < route.fraction)) return false;
  }
  return true;
}

function pathMatches(route: CompiledRoute, path: string, lower: string | undefined): boolean {
  const p = route.caseSensitive ? path : (lower ?? path.toLowerCase());
  const v = route.pathValue;
  switch (route.pathKind) {
    case PATH_PREFIX:
      return p.startsWith(v);
    case PATH_EXACT:
      return p === v;
    case PATH_SEGMENT:
      return (
        p.startsWith(v) &&
        (p.length === v.length || v.charCodeAt(v.length - 1) === 47 || p.charCodeAt(v.length) === 47)
      );
    default:
      return (route.pathRegex as CompiledRegex).matches(path);
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation

/** Where a compile problem sits, for diagnostics. */
function routeRef(route: IRRoute): ResourceRef {
  return route.sources[0] ?? { kind: 'Route', namespace: '', name: route.name };
}

export interface RouteTableBuild {
  tables: Map<string, ListenerRouteTable>;
  diagnostics: Diagnostic[];
}

/** Compiles every HTTP listener's routes. Errors (bad regex, missing cluster) come back as diagnostics. */
export function compileRouteTables(ir: GatewayIR): RouteTableBuild {
  const diagnostics: Diagnostic[] = [];
  const clusters = new Map<string, IRCluster>();
  for (const c of ir.clusters) clusters.set(c.name, c);
  const tables = new Map<string, ListenerRouteTable>();
  ir.listeners.forEach((listener, li) => {
    if (listener.protocol !== 'http' && listener.protocol !== 'https') return;
    const hosts = new HostMatcher<CompiledVirtualHost>();
    const vhosts: CompiledVirtualHost[] = [];
    listener.virtualHosts.forEach((vh, vi) => {
      const compiled = compileVirtualHost(vh, ir.settings, clusters, (route, ri, path, message) =>
        diagnostics.push({
          resource: routeRef(route),
          path,
          message: `listener ${listener.name}, virtual host ${vh.name}, route ${route.name} (listeners[${li}].virtualHosts[${vi}].routes[${ri}]): ${message}`,
          severity: 'error',
          code: 'proxy-route-invalid',
        }),
      );
      vhosts.push(compiled);
      for (const d of vh.domains) hosts.add(d, compiled);
    });
    tables.set(listener.name, new ListenerRouteTable(listener, vhosts, hosts));
  });
  return { tables, diagnostics };
}

type Report = (route: IRRoute, index: number, path: string, message: string) => void;

export function compileVirtualHost(
  vh: IRVirtualHost,
  settings: IRSettings,
  clusters: ReadonlyMap<string, IRCluster>,
  report: Report,
): CompiledVirtualHost {
  const routes: CompiledRoute[] = [];
  const index = new PrefixIndex();
  let indexLower: PrefixIndex | undefined;
  const always: number[] = [];
  vh.routes.forEach((route, i) => {
    const compiled = compileRoute(route, i, settings, clusters, (path, message) =>
      report(route, i, path, message),
    );
    routes.push(compiled);
    if (compiled.pathKind === PATH_REGEX) always.push(i);
    else if (compiled.caseSensitive) index.insert(compiled.pathValue, i);
    else {
      indexLower ??= new PrefixIndex();
      indexLower.insert(compiled.pathValue, i);
    }
  });
  return { ir: vh, routes, index, indexLower, always };
}

function compileRoute(
  route: IRRoute,
  index: number,
  settings: IRSettings,
  clusters: ReadonlyMap<string, IRCluster>,
  report: (path: string, message: string) => void,
): CompiledRoute {
  const max = settings.regexMaxProgramSize;
  const m = route.match;
  const caseSensitive = m.caseSensitive !== false;
  let pathKind = PATH_PREFIX;
  let pathRegex: CompiledRegex | undefined;
  switch (m.path.kind) {
    case 'exact':
      pathKind = PATH_EXACT;
      break;
    case 'prefix':
      pathKind = PATH_PREFIX;
      break;
    case 'segment-prefix':
      pathKind = PATH_SEGMENT;
      break;
    case 'regex': {
      pathKind = PATH_REGEX;
      const r = compileRegex(m.path.value, max, !caseSensitive);
      if (r.ok) pathRegex = r.regex;
      else report('match.path.value', r.message);
      break;
    }
    default:
      report(
        'match.path.kind',
        `unknown path match kind ${JSON.stringify((m.path as { kind: unknown }).kind)}`,
      );
  }
  const headers: HeaderMatcher[] = [];
  m.headers.forEach((h, hi) => {
    const c = compileHeaderMatch(h, max);
    if (c.ok) headers.push(c.value);
    else {
      report(`match.headers[${hi}].${c.path}`, c.message);
      headers.push(() => false);
    }
  });
  const query: QueryMatcher[] = [];
  m.queryParams.forEach((q, qi) => {
    const c = compileQueryMatch(q, max);
    if (c.ok) query.push(c.value);
    else {
      report(`match.queryParams[${qi}].${c.path}`, c.message);
      query.push(() => false);
    }
  });
  if (m.fraction !== undefined && !(m.fraction > 0 && m.fraction <= 100)) {
    report('match.fraction', `expected a number in (0, 100], got ${m.fraction}`);
  }
  return {
    index,
    ir: route,
    pathKind,
    pathValue: pathKind === PATH_REGEX || caseSensitive ? m.path.value : m.path.value.toLowerCase(),
    caseSensitive,
    pathRegex,
    headers,
    query,
    fraction: m.fraction,
    secure: m.secure,
    action: compileAction(route, settings, clusters, report),
    requestHeaders: compileHeaderOps(route.requestHeaders, 'request', (p, msg) =>
      report(`requestHeaders.${p}`, msg),
    ),
    responseHeaders: compileHeaderOps(route.responseHeaders, 'response', (p, msg) =>
      report(`responseHeaders.${p}`, msg),
    ),
    runtime: undefined,
  };
}

function compileAction(
  route: IRRoute,
  settings: IRSettings,
  clusters: ReadonlyMap<string, IRCluster>,
  report: (path: string, message: string) => void,
): CompiledForward | CompiledRedirect | CompiledDirect {
  const action = route.action;
  const max = settings.regexMaxProgramSize;
  if (action.kind === 'direct') return { kind: 'direct', ir: action };
  if (action.kind === 'redirect') {
    let rewrite: PathRewriter | undefined;
    if (action.path) {
      const r = compilePathRewrite(action.path, route.match.path, max);
      if (r.ok) rewrite = r.rewrite;
      else report(`action.path.${r.path}`, r.message);
    }
    return { kind: 'redirect', rewrite, ir: action };
  }
  if (action.kind !== 'forward') {
    report('action.kind', `unknown action kind ${JSON.stringify((action as { kind: unknown }).kind)}`);
    return { kind: 'direct', ir: { kind: 'direct', status: 500 } };
  }
  let totalWeight = 0;
  let autoHost: Map<string, string> | undefined;
  const weighted = action.clusters.map((wc, wi): CompiledWeightedCluster => {
    const cluster = clusters.get(wc.cluster);
    if (!cluster)
      report(
        `action.clusters[${wi}].cluster`,
        `cluster ${JSON.stringify(wc.cluster)} is not defined in ir.clusters`,
      );
    if (!Number.isInteger(wc.weight) || wc.weight < 0) {
      report(`action.clusters[${wi}].weight`, `expected a non-negative integer, got ${wc.weight}`);
    }
    totalWeight += Math.max(0, wc.weight | 0);
    if (action.autoHostRewrite && cluster?.discovery.kind === 'dns') {
      autoHost ??= new Map();
      autoHost.set(cluster.name, cluster.discovery.host);
    }
    return {
      cluster: wc.cluster,
      weight: Math.max(0, wc.weight | 0),
      hostRewrite: wc.hostRewrite,
      requestHeaders: compileHeaderOps(wc.requestHeaders, 'request', (p, msg) =>
        report(`action.clusters[${wi}].requestHeaders.${p}`, msg),
      ),
    };
  });
  if (weighted.length === 0) report('action.clusters', 'a forward route needs at least one cluster');
  action.mirrors.forEach((mirror, mi) => {
    if (!clusters.has(mirror.cluster)) {
      report(
        `action.mirrors[${mi}].cluster`,
        `mirror cluster ${JSON.stringify(mirror.cluster)} is not defined in ir.clusters`,
      );
    }
  });
  let rewrite: PathRewriter | undefined;
  if (action.rewrite) {
    const r = compilePathRewrite(action.rewrite, route.match.path, max);
    if (r.ok) rewrite = r.rewrite;
    else report(`action.rewrite.${r.path}`, r.message);
  }
  return {
    kind: 'forward',
    clusters: weighted,
    totalWeight,
    rewrite,
    hostRewrite: action.hostRewrite,
    autoHost,
    timeoutMs: action.timeoutMs,
    idleTimeoutMs: action.idleTimeoutMs,
    mirrors: action.mirrors.map((mi) => ({ cluster: mi.cluster, percent: mi.percent })),
    websocket: action.upgrades.some((u) => u.toLowerCase() === 'websocket'),
    grpc: action.grpc,
    ir: action,
  };
}

/**
 * Weighted pick among a route's clusters (canary). `draw` is uniform in [0, 1).
 * Returns undefined when every weight is 0 (no traffic).
 */
export function pickWeightedCluster(
  action: CompiledForward,
  draw: number,
): CompiledWeightedCluster | undefined {
  const clusters = action.clusters;
  if (clusters.length === 1) return action.totalWeight > 0 ? clusters[0] : undefined;
  if (action.totalWeight <= 0) return undefined;
  let point = draw * action.totalWeight;
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i] as CompiledWeightedCluster;
    if (point < c.weight) return c;
    point -= c.weight;
  }
  return clusters[clusters.length - 1];
}
