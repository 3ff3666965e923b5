import type { Diagnostic } from '../diagnostics.js';
import { sealIR } from '../ir/defaults.js';
import type { GatewayIR, IRCluster, IRFilters, IRRoute, IRTcpRoute } from '../ir/types.js';
import type { LoadOptions } from '../load/context.js';
import { loadYaml } from '../load/index.js';
import { normalizeLabels } from '../load/labels.js';
import type { AuthService, RateLimitService } from '../model/auth-service.js';
import type { LabelsSpec } from '../model/common.js';
import type { Host } from '../model/host.js';
import type { Listener } from '../model/listener.js';
import type { Mapping, TCPMapping } from '../model/mapping.js';
import type { ModuleConfig } from '../model/module.js';
import type { Resource } from '../model/resource.js';
import type { SchemaIssue } from '../model/schema.js';
import type { AuthorizationPolicy, JwtProvider } from '../model/sdk-auth.js';
import type { TLSContext } from '../model/tls-context.js';
import { validateAll } from '../validate/index.js';
import { shortenClusterNames } from './clusters.js';
import { CompileContext, type CompileOptions } from './context.js';
import {
  attachAuth,
  compileAuthorizationPolicy,
  compileAuthService,
  compileJwtProvider,
  compileRateLimitService,
  pickOne,
} from './filters.js';
import { type CompiledGroup, compileGroup } from './groups.js';
import {
  buildListeners,
  type HostInfo,
  HostMatchCache,
  hostAttaches,
  hostInfos,
  selectingHosts,
} from './hosts.js';
import { compareWeights, type MappingInfo, mappingInfo, routeWeight, sha1Hex } from './mapping-info.js';
import { settingsFromModule } from './settings.js';
import { compileTcp } from './tcp.js';

export type { CompileOptions } from './context.js';

/** What {@link compile} produced. */
export interface CompileResult {
  ir: GatewayIR;
  diagnostics: Diagnostic[];
}

/**
 * Sorts resources by namespace/name (keys computed once per resource); `sortedKeys`, when
 * given, receives the keys in the sorted order.
 */
function sortByName<T extends Resource>(list: T[], sortedKeys?: string[]): T[] {
  const keys = new Array<string>(list.length);
  const byKey = new Map<string, T>();
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const k = `${r.metadata.namespace}/${r.metadata.name}`;
    keys[i] = k;
    byKey.set(k, r);
  }
  const out = new Array<T>(list.length);
  if (byKey.size === list.length) {
    // Unique keys (the usual case): the default sort (UTF-16 code units, no comparator calls)
    // orders strings exactly as `<` does.
    keys.sort();
    for (let i = 0; i < keys.length; i++) out[i] = byKey.get(keys[i]!)!;
    if (sortedKeys) for (let i = 0; i < keys.length; i++) sortedKeys[i] = keys[i]!;
    return out;
  }
  // Equal keys keep their input order (a stable sort).
  const order = new Array<number>(list.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => {
    const x = keys[a]!;
    const y = keys[b]!;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  for (let i = 0; i < order.length; i++) {
    out[i] = list[order[i]!]!;
    if (sortedKeys) sortedKeys[i] = keys[order[i]!]!;
  }
  return out;
}

function ambassadorIds(r: Resource): string[] {
  const id = (r.spec as { ambassadorId?: string | string[] }).ambassadorId;
  if (id === undefined) return DEFAULT_IDS;
  return Array.isArray(id) ? id : [id];
}
const DEFAULT_IDS: string[] = Object.freeze(['default']) as unknown as string[];

/**
 * Compiles resources to one {@link GatewayIR} with Emissary's routing semantics (see
 * docs/ir.md). Invalid resources are left out and reported; the rest compile. Same input (in
 * any order) → byte-identical `stableStringify(ir)`. Never throws on user input.
 *
 * @example
 * ```ts
 * const { resources } = loadYaml(text);
 * const { ir, diagnostics } = compile(resources);
 * ```
 */
export function compile(resources: Resource[], opts: CompileOptions = {}): CompileResult {
  try {
    return compileUnsafe(Array.isArray(resources) ? resources : [], opts);
  } catch (err) {
    const e = err as Error;
    return {
      ir: sealIR({
        settings: settingsFromModule({}),
        listeners: [],
        clusters: [],
        secrets: [],
        filters: { jwt: [], authorization: [] },
        tcpRoutes: [],
      }),
      diagnostics: [
        {
          resource: { kind: '<compiler>', namespace: '', name: '' },
          path: '',
          message: `internal compiler error (please report): ${e?.message ?? String(err)}`,
          severity: 'error',
          code: 'internal-error',
        },
      ],
    };
  }
}

function compileUnsafe(input: Resource[], opts: CompileOptions): CompileResult {
  const gatewayNamespace = opts.gatewayNamespace || 'default';
  const ambassadorId = opts.ambassadorId || 'default';
  const validation = validateAll(input);
  const moduleConfig: ModuleConfig = validation.module?.spec.config ?? {};
  const ctx = new CompileContext(gatewayNamespace, moduleConfig, settingsFromModule(moduleConfig));
  ctx.diagnostics.push(...validation.diagnostics);

  const byKind = activeByKind(input, validation, ambassadorId, ctx);
  const mappingKeys: string[] = [];
  for (const [k, list] of byKind) byKind.set(k, sortByName(list, k === 'Mapping' ? mappingKeys : undefined));
  const of = <K extends Resource['kind']>(kind: K) =>
    (byKind.get(kind) ?? []) as Array<Extract<Resource, { kind: K }>>;

  for (const t of of('TLSContext') as TLSContext[]) {
    if (!ctx.tlsContexts.has(t.metadata.name)) ctx.tlsContexts.set(t.metadata.name, t);
    else
      ctx.report(
        t,
        'metadata.name',
        `TLSContext names are global; "${t.metadata.name}" is already defined; ignored`,
        'error',
        'duplicate-tls-context',
      );
  }

  // Gateway-wide filters.
  const filters: IRFilters = { jwt: [], authorization: [] };
  const authService = pickOne(of('AuthService') as AuthService[], ctx);
  if (authService) {
    const ext = compileAuthService(authService, ctx);
    if (ext) filters.extAuthz = ext;
  }
  const defaultDomain =
    typeof moduleConfig.defaultLabelDomain === 'string' ? moduleConfig.defaultLabelDomain : 'ambassador';
  const rls = pickOne(of('RateLimitService') as RateLimitService[], ctx);
  if (rls) {
    const r = compileRateLimitService(rls, ctx, defaultDomain);
    if (r) filters.rateLimitService = r;
  }
  const providers: Array<{ res: JwtProvider; ir: NonNullable<ReturnType<typeof compileJwtProvider>> }> = [];
  for (const j of of('JwtProvider') as JwtProvider[]) {
    const ir = compileJwtProvider(j, ctx);
    if (ir) providers.push({ res: j, ir });
  }
  filters.jwt = providers.map((p) => p.ir);
  const policies = (of('AuthorizationPolicy') as AuthorizationPolicy[]).map((res) => ({
    res,
    ir: compileAuthorizationPolicy(res),
  }));
  filters.authorization = policies.map((p) => p.ir);

  // Mappings → groups (a Map: linear in the number of Mappings).
  const hosts = hostInfos(of('Host') as Host[], ctx);
  const selecting = selectingHosts(hosts);
  const groupLists = groupMappings(of('Mapping') as Mapping[], mappingKeys, moduleConfig, selecting);
  const compiled = compileGroups(groupLists, ctx, moduleLabelDefaults(moduleConfig));
  // Route order: descending route weight (Emissary), ties by group id, so input order never matters.
  sortRoutes(compiled);

  // Only JwtProviders and AuthorizationPolicies change routes' auth: skip the per-route work without them.
  if (providers.length > 0 || policies.length > 0)
    attachAuth(
      compiled.flatMap((g) => g.routes.map((route) => ({ route, mappings: mappingsOf(g, route) }))),
      providers,
      policies,
    );

  const hostCache = new HostMatchCache();
  if (hosts.length > 0) reportUnattached(compiled, hosts, hostCache, ctx);

  const listeners = buildListeners(of('Listener') as Listener[], hosts, compiled, ctx, hostCache);
  const tcpRoutes = compileTcp(of('TCPMapping') as TCPMapping[], ctx, listeners);
  listeners.sort((a, b) => a.port - b.port);

  // Only clusters something references make it into the IR (e.g. a rejected group's clusters do
  // not). Virtual hosts hold the routes of served groups (or copies with the same actions).
  let used = new Set<string>();
  for (let i = 0; i < compiled.length; i++)
    if (compiled[i]!.served) addRouteClusters(used, compiled[i]!.routes);
  addOtherClusters(used, tcpRoutes, filters);

  const rename = shortenClusterNames(used);
  const newName = (n: string) => rename.get(n) ?? n;
  let clusters: IRCluster[];
  if (rename.size === 0) {
    // Names are unique: sorting the names sorts the clusters. The default sort (UTF-16 code
    // units, no comparator calls) orders strings exactly as `<` does.
    clusters = clustersByName([...used].sort(), ctx);
  } else {
    const byName = new Map<string, IRCluster>();
    for (const n of used) {
      const c = ctx.clusters.get(n)!.cluster;
      byName.set(newName(n), rename.has(n) ? { ...c, name: newName(n) } : c);
    }
    if (byName.size === used.size) clusters = [...byName.keys()].sort().map((name) => byName.get(name)!);
    else {
      // A new name equals another cluster's: the stable sort keeps the order in which virtual
      // hosts reference them, so collect them in exactly that order.
      used = new Set<string>();
      for (const l of listeners) for (const vh of l.virtualHosts) addRouteClusters(used, vh.routes);
      addOtherClusters(used, tcpRoutes, filters);
      clusters = [...used]
        .map((n) => {
          const c = ctx.clusters.get(n)!.cluster;
          return rename.has(n) ? { ...c, name: newName(n) } : c;
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
  }
  const finalListeners =
    rename.size === 0
      ? listeners
      : listeners.map((l) => ({
          ...l,
          virtualHosts: l.virtualHosts.map((vh) => ({
            ...vh,
            routes: vh.routes.map((r) => renameRoute(r, newName)),
          })),
        }));
  const finalTcp =
    rename.size === 0
      ? tcpRoutes
      : tcpRoutes.map((t) => ({
          ...t,
          clusters: t.clusters.map((c) => ({ ...c, cluster: newName(c.cluster) })),
        }));
  if (rename.size > 0) {
    if (filters.extAuthz)
      filters.extAuthz = { ...filters.extAuthz, cluster: newName(filters.extAuthz.cluster) };
    if (filters.rateLimitService)
      filters.rateLimitService = {
        ...filters.rateLimitService,
        cluster: newName(filters.rateLimitService.cluster),
      };
    filters.jwt = filters.jwt.map((j) =>
      j.jwks.kind === 'remote' ? { ...j, jwks: { ...j.jwks, cluster: newName(j.jwks.cluster) } } : j,
    );
  }
  const secrets = [...ctx.secrets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const ir = sealIR({
    settings: ctx.settings,
    listeners: finalListeners,
    clusters,
    secrets,
    filters,
    tcpRoutes: finalTcp,
  });
  return { ir, diagnostics: sortDiagnostics(ctx.diagnostics) };
}

// The per-resource passes below are small functions of their own rather than loops inside
// compileUnsafe: on a cold start V8 optimises a small function's loop (on-stack replacement) far
// sooner than the same loop inside one large function, whose optimisation is both delayed and
// slow to compile.

/** Active resources (valid, the chosen Module, matching ambassador_id) by kind, in input order. */
function activeByKind(
  input: Resource[],
  validation: ReturnType<typeof validateAll>,
  ambassadorId: string,
  ctx: CompileContext,
): Map<string, Resource[]> {
  const byKind = new Map<string, Resource[]>();
  for (let i = 0; i < input.length; i++) {
    const r = input[i]!;
    if (validation.invalid.has(r)) continue;
    if (r.kind === 'Module' && r !== validation.module) continue;
    const ids = ambassadorIds(r);
    if (!ids.includes(ambassadorId) && !ids.includes('_automatic_')) {
      ctx.report(
        r,
        'spec.ambassador_id',
        `ambassador_id ${JSON.stringify(ids)} does not include "${ambassadorId}"; skipped`,
        'notice',
        'other-ambassador-id',
      );
      continue;
    }
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
  }
  return byKind;
}

/**
 * Mapping groups in first-seen order, each member carrying its group id. Grouped by the text the
 * group id hashes (equal text, equal id), so sha1 runs once per group.
 */
function groupMappings(
  mappings: Mapping[],
  keys: string[],
  moduleConfig: ModuleConfig,
  selecting: (m: Mapping) => Host[],
): MappingInfo[][] {
  const groups = new Map<string, MappingInfo[]>();
  for (let i = 0; i < mappings.length; i++) {
    const info = mappingInfo(mappings[i]!, moduleConfig, selecting, keys[i]!);
    const list = groups.get(info.groupKey);
    if (list) list.push(info);
    else groups.set(info.groupKey, [info]);
  }
  const out: MappingInfo[][] = [];
  for (const [key, members] of groups) {
    const id = sha1Hex(key);
    for (let i = 0; i < members.length; i++) {
      members[i]!.groupId = id;
      // The key text is not needed past grouping: let it die young instead of being copied by
      // every collection until the end of the compile.
      members[i]!.groupKey = '';
    }
    out.push(members);
  }
  return out;
}

function compileGroups(
  groupLists: MappingInfo[][],
  ctx: CompileContext,
  labelDefaults: LabelsSpec,
): CompiledGroup[] {
  const compiled: CompiledGroup[] = [];
  for (let i = 0; i < groupLists.length; i++) {
    const g = compileGroup(groupLists[i]!, ctx, labelDefaults);
    if (g) compiled.push(g);
  }
  return compiled;
}

/** Warns about every group no Host attaches (served nowhere). */
function reportUnattached(
  compiled: CompiledGroup[],
  hosts: HostInfo[],
  hostCache: HostMatchCache,
  ctx: CompileContext,
): void {
  const tables = hosts.map((h) => hostCache.overlapTable(h.hostname));
  for (let i = 0; i < compiled.length; i++) {
    const g = compiled[i]!;
    let attached = false;
    for (let j = 0; j < hosts.length && !attached; j++)
      attached = hostAttaches(hosts[j]!, g, hostCache, tables[j]);
    if (!attached) {
      ctx.report(
        g.primary.m,
        'spec.hostname',
        g.primary.host === undefined
          ? 'this Mapping has no hostname and no Host selects it by labels, so it is served nowhere (set hostname: "*" to serve it on every Host)'
          : `no Host serves hostname "${g.primary.host}" (hostnames and mappingSelectors must both match), so this Mapping is served nowhere`,
        'warning',
        'unattached-mapping',
      );
    }
  }
}

function clustersByName(sortedNames: string[], ctx: CompileContext): IRCluster[] {
  const clusters: IRCluster[] = new Array(sortedNames.length);
  for (let i = 0; i < sortedNames.length; i++) clusters[i] = ctx.clusters.get(sortedNames[i]!)!.cluster;
  return clusters;
}

/**
 * Sorts groups by descending route weight (Emissary), ties by group id. Uses the precomputed
 * order keys when every group has them (they compare exactly as the weight lists do).
 */
function sortRoutes(compiled: CompiledGroup[]): void {
  const byId = (a: CompiledGroup, b: CompiledGroup) =>
    a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0;
  if (compiled.every((g) => g.primary.orderWeight >= 0)) {
    compiled.sort((a, b) => {
      const x = a.primary;
      const y = b.primary;
      if (x.orderWeight !== y.orderWeight) return y.orderWeight - x.orderWeight;
      return y.orderTail < x.orderTail ? -1 : y.orderTail > x.orderTail ? 1 : byId(a, b);
    });
    return;
  }
  const weights = new Map<CompiledGroup, Array<number | string>>();
  for (const g of compiled) weights.set(g, routeWeight(g.primary));
  compiled.sort((a, b) => compareWeights(weights.get(b)!, weights.get(a)!) || byId(a, b));
}

function addRouteClusters(used: Set<string>, routes: IRRoute[]): void {
  for (let i = 0; i < routes.length; i++) {
    const a = routes[i]!.action;
    if (a.kind !== 'forward') continue;
    for (let j = 0; j < a.clusters.length; j++) used.add(a.clusters[j]!.cluster);
    for (let j = 0; j < a.mirrors.length; j++) used.add(a.mirrors[j]!.cluster);
  }
}

function addOtherClusters(used: Set<string>, tcpRoutes: IRTcpRoute[], filters: IRFilters): void {
  for (const t of tcpRoutes) for (const c of t.clusters) used.add(c.cluster);
  if (filters.extAuthz) used.add(filters.extAuthz.cluster);
  if (filters.rateLimitService) used.add(filters.rateLimitService.cluster);
  for (const j of filters.jwt) if (j.jwks.kind === 'remote') used.add(j.jwks.cluster);
}

function mappingsOf(g: CompiledGroup, route: IRRoute): Mapping[] {
  const names = new Set(route.sources.map((s) => `${s.namespace}/${s.name}`));
  return g.members.filter((m) => names.has(m.key) && m.spec.shadow !== true).map((m) => m.m);
}

function renameRoute(r: IRRoute, newName: (n: string) => string): IRRoute {
  if (r.action.kind !== 'forward') return r;
  return {
    ...r,
    action: {
      ...r.action,
      clusters: r.action.clusters.map((c) => ({ ...c, cluster: newName(c.cluster) })),
      mirrors: r.action.mirrors.map((m) => ({ ...m, cluster: newName(m.cluster) })),
    },
  };
}

function moduleLabelDefaults(c: ModuleConfig): LabelsSpec {
  const d = c.defaultLabels;
  if (!d || typeof d !== 'object') return {};
  const raw: Record<string, unknown[]> = {};
  for (const [domain, v] of Object.entries(d)) {
    if (v && Array.isArray((v as { defaults?: unknown[] }).defaults))
      raw[domain] = [{ defaults: (v as { defaults: unknown[] }).defaults }];
  }
  const issues: SchemaIssue[] = [];
  return normalizeLabels(raw, 'spec.config.default_labels', issues) as LabelsSpec;
}

const SEVERITY_RANK = { error: 0, warning: 1, notice: 2 } as const;

/** Diagnostics in a stable order: by resource, then path, then message. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) =>
    `${d.resource.kind}\u0000${d.resource.namespace}\u0000${d.resource.name}\u0000${SEVERITY_RANK[d.severity]}\u0000${d.path}\u0000${d.message}`;
  const seen = new Set<string>();
  return list
    .map((d) => ({ d, k: key(d) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .filter(({ k }) => {
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map(({ d }) => d);
}

/**
 * Loads and compiles YAML text in one step.
 *
 * @example
 * ```ts
 * const { ir, diagnostics, resources } = compileYaml(fs.readFileSync('gateway.yaml', 'utf8'), { file: 'gateway.yaml' });
 * ```
 */
export function compileYaml(
  text: string,
  opts: CompileOptions & LoadOptions = {},
): CompileResult & { resources: Resource[] } {
  const loaded = loadYaml(text, opts);
  const result = compile(loaded.resources, opts);
  return {
    ir: result.ir,
    diagnostics: sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]),
    resources: loaded.resources,
  };
}
