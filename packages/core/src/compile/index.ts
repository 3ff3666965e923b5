import type { Diagnostic } from '../diagnostics.js';
import { sealIR } from '../ir/defaults.js';
import type { GatewayIR, IRCluster, IRFilters, IRRoute } from '../ir/types.js';
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
import { buildListeners, hostAttaches, hostInfos, selectingHosts } from './hosts.js';
import { compareWeights, type MappingInfo, mappingInfo } from './mapping-info.js';
import { settingsFromModule } from './settings.js';
import { compileTcp } from './tcp.js';

export type { CompileOptions } from './context.js';

/** What {@link compile} produced. */
export interface CompileResult {
  ir: GatewayIR;
  diagnostics: Diagnostic[];
}

/** Sorts resources by namespace/name (keys computed once per resource). */
function sortByName<T extends Resource>(list: T[]): T[] {
  const keyed = list.map((r) => ({ r, k: `${r.metadata.namespace}/${r.metadata.name}` }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.r);
}

function ambassadorIds(r: Resource): string[] {
  const id = (r.spec as { ambassadorId?: string | string[] }).ambassadorId;
  if (id === undefined) return ['default'];
  return Array.isArray(id) ? id : [id];
}

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

  const active = input.filter((r) => {
    if (validation.invalid.has(r)) return false;
    if (r.kind === 'Module' && r !== validation.module) return false;
    const ids = ambassadorIds(r);
    if (!ids.includes(ambassadorId) && !ids.includes('_automatic_')) {
      ctx.report(
        r,
        'spec.ambassador_id',
        `ambassador_id ${JSON.stringify(ids)} does not include "${ambassadorId}"; skipped`,
        'notice',
        'other-ambassador-id',
      );
      return false;
    }
    return true;
  });
  const byKind = new Map<string, Resource[]>();
  for (const r of active) {
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
  }
  for (const [k, list] of byKind) byKind.set(k, sortByName(list));
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

  // Mappings → groups (Map keyed by group id: linear in the number of Mappings).
  const hosts = hostInfos(of('Host') as Host[], ctx);
  const selecting = selectingHosts(hosts);
  const groups = new Map<string, MappingInfo[]>();
  for (const m of of('Mapping') as Mapping[]) {
    const info = mappingInfo(m, moduleConfig, selecting);
    const list = groups.get(info.groupId);
    if (list) list.push(info);
    else groups.set(info.groupId, [info]);
  }
  const labelDefaults = moduleLabelDefaults(moduleConfig);
  const compiled: CompiledGroup[] = [];
  for (const members of groups.values()) {
    const g = compileGroup(members, ctx, labelDefaults);
    if (g) compiled.push(g);
  }
  // Route order: descending route weight (Emissary), ties by group id, so input order never matters.
  compiled.sort(
    (a, b) =>
      compareWeights(b.routeWeight, a.routeWeight) ||
      (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0),
  );

  // Only JwtProviders and AuthorizationPolicies change routes' auth: skip the per-route work without them.
  if (providers.length > 0 || policies.length > 0)
    attachAuth(
      compiled.flatMap((g) => g.routes.map((route) => ({ route, mappings: mappingsOf(g, route) }))),
      providers,
      policies,
    );

  if (hosts.length > 0) {
    for (const g of compiled) {
      if (!hosts.some((h) => hostAttaches(h, g))) {
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

  const listeners = buildListeners(of('Listener') as Listener[], hosts, compiled, ctx);
  const tcpRoutes = compileTcp(of('TCPMapping') as TCPMapping[], ctx, listeners);
  listeners.sort((a, b) => a.port - b.port);

  // Only clusters something references make it into the IR (e.g. a rejected group's clusters do not).
  const used = new Set<string>();
  for (const l of listeners)
    for (const vh of l.virtualHosts)
      for (const r of vh.routes) {
        if (r.action.kind === 'forward') {
          for (const c of r.action.clusters) used.add(c.cluster);
          for (const m of r.action.mirrors) used.add(m.cluster);
        }
      }
  for (const t of tcpRoutes) for (const c of t.clusters) used.add(c.cluster);
  if (filters.extAuthz) used.add(filters.extAuthz.cluster);
  if (filters.rateLimitService) used.add(filters.rateLimitService.cluster);
  for (const j of filters.jwt) if (j.jwks.kind === 'remote') used.add(j.jwks.cluster);

  const rename = shortenClusterNames(used);
  const newName = (n: string) => rename.get(n) ?? n;
  // Sorted by name: the default sort (UTF-16 code units, no comparator calls) orders strings
  // exactly as `<` does; names are unique, so sorting the names sorts the clusters.
  const byName = new Map<string, IRCluster>();
  for (const n of used) {
    const c = ctx.clusters.get(n)!.cluster;
    byName.set(newName(n), rename.has(n) ? { ...c, name: newName(n) } : c);
  }
  const clusters: IRCluster[] =
    byName.size === used.size
      ? [...byName.keys()].sort().map((name) => byName.get(name)!)
      : [...used]
          .map((n) => {
            const c = ctx.clusters.get(n)!.cluster;
            return rename.has(n) ? { ...c, name: newName(n) } : c;
          })
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
