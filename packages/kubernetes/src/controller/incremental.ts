import {
  type CompileOptions,
  type CompileResult,
  compile,
  type Diagnostic,
  type GatewayIR,
  type IRCluster,
  type IRListener,
  type IRRoute,
  type Mapping,
  type Resource,
} from '@gateway/core';
import type { StableSealer } from './stable-seal.js';

/** Gateway resources per Kubernetes object (`parse cache key` → resources). */
export type ObjectResources = ReadonlyMap<string, readonly Resource[]>;

const resourceKey = (r: Resource) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
const mappingKey = (ns: string, name: string) => `Mapping/${ns}/${name}`;

/** Why an update fell back to a full compile (for stats and logs). */
export type FallbackReason =
  | 'no-base'
  | 'global-change'
  | 'too-many-changes'
  | 'duplicate-names'
  | 'cluster-conflict'
  | 'mapping-secrets'
  | 'listener-shape'
  | 'ordering';

export interface IncrementalResult extends CompileResult {
  /** True when only the affected route groups were compiled. */
  incremental: boolean;
  fallback?: FallbackReason;
}

/**
 * Keeps a compiled IR up to date when only Mappings change, compiling just the affected route
 * groups instead of every resource.
 *
 * Core orders route groups by a key that depends on each group alone (Emissary's route weight,
 * then group id) and builds each group from its own Mappings. So a change to some Mappings
 * touches only the groups they leave or join: those are recompiled together with the gateway-wide
 * resources (Hosts, Listeners, Modules…), and spliced into the previous IR. Where a spliced group
 * goes among the untouched ones is decided by compiling the two groups together and reading the
 * order core gives them (binary search, so about log2(groups) tiny compiles per new group).
 *
 * Anything outside that model falls back to a full compile: a changed non-Mapping resource, a
 * duplicate resource name, a cluster whose definition would conflict, a Mapping that brings its
 * own TLS secrets, or a virtual host that appears or disappears. Tests hold the result to be
 * byte-identical with a full compile.
 */
export class IncrementalCompiler {
  private base?: {
    ir: GatewayIR;
    diagnostics: Diagnostic[];
    /** Non-Mapping resources, and their content fingerprint. */
    globals: Resource[];
    /** Some Mapping name is defined by two objects: which one wins depends on input order. */
    duplicates: boolean;
    /** Secret names a compile of the globals alone produces. */
    globalSecrets: Set<string>;
    /** Route group of every Mapping (null: serves nowhere), and the objects in each group. */
    mappingGroup: Map<string, string | null>;
    groupObjects: Map<string, Set<string>>;
    /** Mapping keys per object, and which object owns each Mapping key. */
    objectMappings: Map<string, string[]>;
    mappingOwner: Map<string, string>;
    /** Diagnostics by resource key (from the compile that last included the resource). */
    diagnosticsByResource: Map<string, Diagnostic[]>;
    otherDiagnostics: Diagnostic[];
  };
  /** Counters for tests and metrics. */
  readonly stats = {
    full: 0,
    incremental: 0,
    oracleCompiles: 0,
    fallbacks: {} as Partial<Record<FallbackReason, number>>,
  };

  /**
   * @param deferSeal leave `version` empty on incremental results (the caller seals after its own
   *   post-processing, so the IR is hashed once per update instead of twice).
   */
  constructor(
    private readonly options: CompileOptions,
    private readonly sealer: StableSealer,
    private readonly deferSeal = false,
    private readonly maxChangedObjects = 50,
  ) {}

  /** Compiles everything and rebuilds the indexes. */
  full(objects: ObjectResources): IncrementalResult {
    this.stats.full++;
    const all: Resource[] = [];
    for (const list of objects.values()) for (const r of list) all.push(r);
    const result = compile(all, this.options);
    this.index(objects, result);
    return { ...result, incremental: false };
  }

  /**
   * Updates the IR for the objects in `changed` (whose resources in `objects` are the new
   * state; `previous` holds their old resources). Falls back to {@link full} when the change is
   * outside the incremental model.
   */
  update(objects: ObjectResources, changed: ReadonlyMap<string, readonly Resource[]>): IncrementalResult {
    const reason = this.tryUpdateReason(objects, changed);
    if (typeof reason === 'string') {
      this.stats.fallbacks[reason] = (this.stats.fallbacks[reason] ?? 0) + 1;
      return { ...this.full(objects), fallback: reason };
    }
    this.stats.incremental++;
    return { ...reason, incremental: true };
  }

  private tryUpdateReason(
    objects: ObjectResources,
    previous: ReadonlyMap<string, readonly Resource[]>,
  ): CompileResult | FallbackReason {
    const base = this.base;
    if (!base) return 'no-base';
    if (previous.size > this.maxChangedObjects) return 'too-many-changes';
    if (base.duplicates) return 'duplicate-names';
    // Only Mappings may change, and no Mapping name may be claimed twice.
    const newMappings = new Map<string, Mapping[]>();
    for (const [key, old] of previous) {
      const now = objects.get(key) ?? [];
      if (old.some((r) => r.kind !== 'Mapping') || now.some((r) => r.kind !== 'Mapping'))
        return 'global-change';
      const list = now as Mapping[];
      for (const m of list) {
        const k = resourceKey(m);
        const owner = base.mappingOwner.get(k);
        if (owner !== undefined && owner !== key && !previous.has(owner)) return 'duplicate-names';
      }
      if (new Set(list.map(resourceKey)).size !== list.length) return 'duplicate-names';
      newMappings.set(key, list);
    }
    const claimed = new Map<string, string>();
    for (const [key, list] of newMappings) {
      for (const m of list) {
        const k = resourceKey(m);
        if (claimed.has(k)) return 'duplicate-names';
        claimed.set(k, key);
      }
    }

    // Groups the changed objects leave and join.
    const newGroups = this.groupsOf([...newMappings.values()].flat(), base.globals);
    const affectedGroups = new Set<string>();
    for (const key of previous.keys()) {
      for (const mk of base.objectMappings.get(key) ?? []) {
        const g = base.mappingGroup.get(mk);
        if (g) affectedGroups.add(g);
      }
    }
    for (const g of newGroups.values()) if (g) affectedGroups.add(g);
    const affectedObjects = new Set<string>(previous.keys());
    for (const g of affectedGroups) for (const o of base.groupObjects.get(g) ?? []) affectedObjects.add(o);
    // The changed objects' new Mappings, and the unchanged Mappings that share a group with them.
    const affectedMappings: Resource[] = [];
    for (const list of newMappings.values())
      for (const m of list) if (newGroups.get(resourceKey(m))) affectedMappings.push(m);
    for (const o of affectedObjects) {
      if (previous.has(o)) continue;
      for (const r of objects.get(o) ?? []) {
        const g = r.kind === 'Mapping' ? base.mappingGroup.get(resourceKey(r)) : undefined;
        if (g && affectedGroups.has(g)) affectedMappings.push(r);
      }
    }

    const partial = compile([...base.globals, ...affectedMappings], this.options);

    // Secrets only from gateway-wide resources (Mapping TLS origination brings its own: full compile).
    if (partial.ir.secrets.some((s) => !base.globalSecrets.has(s.name))) return 'mapping-secrets';
    // A cluster defined differently than the one already in the IR would be a conflict whose
    // winner depends on resource order: full compile.
    const clusters = new Map<string, IRCluster>(base.ir.clusters.map((c) => [c.name, c]));
    for (const c of partial.ir.clusters) {
      const existing = clusters.get(c.name);
      if (existing && this.sealer.json(existing) !== this.sealer.json(c)) return 'cluster-conflict';
    }

    // Splice the recompiled groups into every virtual host.
    const listeners: IRListener[] = [];
    if (partial.ir.listeners.length !== base.ir.listeners.length) return 'listener-shape';
    const oracle = new OrderOracle(this, base.globals, objects, base.groupObjects, newGroups, newMappings);
    for (let li = 0; li < base.ir.listeners.length; li++) {
      const old = base.ir.listeners[li]!;
      const next = partial.ir.listeners[li]!;
      if (old.name !== next.name || old.virtualHosts.length !== next.virtualHosts.length)
        return 'listener-shape';
      let changedListener = false;
      const vhosts = old.virtualHosts.map((vh, vi) => {
        const fvh = next.virtualHosts[vi]!;
        if (fvh.name !== vh.name) return undefined;
        const kept = vh.routes.filter((r) => !affectedGroups.has(r.group));
        const fresh = fvh.routes.filter((r) => affectedGroups.has(r.group));
        if (fresh.length !== fvh.routes.length) return undefined;
        if (kept.length === vh.routes.length && fresh.length === 0) return vh;
        const merged = mergeRuns(kept, fresh, (a, b) => oracle.compare(a, b, vh.name));
        if (!merged) return undefined;
        changedListener = true;
        return { ...vh, routes: merged };
      });
      if (vhosts.some((v) => v === undefined)) return 'listener-shape';
      listeners.push(changedListener ? { ...old, virtualHosts: vhosts as IRListener['virtualHosts'] } : old);
    }
    if (oracle.failed) return 'ordering';

    // Clusters: what the new routes, TCP routes and filters use, old definitions first.
    for (const c of partial.ir.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    const used = new Set<string>();
    for (const l of listeners) {
      for (const vh of l.virtualHosts) {
        for (const r of vh.routes) {
          if (r.action.kind !== 'forward') continue;
          for (const c of r.action.clusters) used.add(c.cluster);
          for (const m of r.action.mirrors) used.add(m.cluster);
        }
      }
    }
    for (const t of base.ir.tcpRoutes) for (const c of t.clusters) used.add(c.cluster);
    const f = base.ir.filters;
    if (f.extAuthz) used.add(f.extAuthz.cluster);
    if (f.rateLimitService) used.add(f.rateLimitService.cluster);
    for (const j of f.jwt) if (j.jwks.kind === 'remote') used.add(j.jwks.cluster);
    const clusterList = [...used]
      .map((n) => clusters.get(n))
      .filter((c): c is IRCluster => c !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (clusterList.length !== used.size) return 'cluster-conflict';

    const body = {
      settings: base.ir.settings,
      listeners,
      clusters: clusterList,
      secrets: base.ir.secrets,
      filters: base.ir.filters,
      tcpRoutes: base.ir.tcpRoutes,
    };
    const ir: GatewayIR = this.deferSeal
      ? { schema: 'gateway.ir/v1', version: '', ...body }
      : this.sealer.seal(body);

    // Commit: indexes and diagnostics of the affected Mappings.
    for (const key of previous.keys()) {
      for (const mk of base.objectMappings.get(key) ?? []) {
        const g = base.mappingGroup.get(mk);
        if (g) base.groupObjects.get(g)?.delete(key);
        base.mappingGroup.delete(mk);
        base.mappingOwner.delete(mk);
        base.diagnosticsByResource.delete(mk);
      }
      const list = newMappings.get(key) ?? [];
      base.objectMappings.set(key, list.map(resourceKey));
      if (!objects.has(key)) base.objectMappings.delete(key);
      for (const m of list) {
        const mk = resourceKey(m);
        const g = newGroups.get(mk) ?? null;
        base.mappingGroup.set(mk, g);
        base.mappingOwner.set(mk, key);
        if (g) {
          let set = base.groupObjects.get(g);
          if (!set) {
            set = new Set();
            base.groupObjects.set(g, set);
          }
          set.add(key);
        }
      }
    }
    for (const g of [...base.groupObjects.keys()])
      if (base.groupObjects.get(g)!.size === 0) base.groupObjects.delete(g);
    const affectedKeys = new Set(affectedMappings.map(resourceKey));
    for (const k of affectedKeys) base.diagnosticsByResource.delete(k);
    for (const d of partial.diagnostics) {
      const k = `${d.resource.kind}/${d.resource.namespace}/${d.resource.name}`;
      if (!affectedKeys.has(k)) continue;
      base.diagnosticsByResource.set(k, [...(base.diagnosticsByResource.get(k) ?? []), d]);
    }
    base.ir = ir;
    base.diagnostics = [...base.otherDiagnostics, ...[...base.diagnosticsByResource.values()].flat()];
    return { ir, diagnostics: base.diagnostics };
  }

  /** Small compile used by the order oracle. */
  compileSmall(resources: Resource[]): GatewayIR {
    this.stats.oracleCompiles++;
    return compile(resources, this.options).ir;
  }

  /**
   * The route group of each Mapping: from a compile of the gateway-wide resources with the
   * Mappings (shadow Mappings count as members of the group they mirror). Mappings that yield no
   * route together (rejected, or served nowhere) are compiled alone; still nothing = serves nowhere.
   */
  groupsOf(mappings: Mapping[], globals: Resource[]): Map<string, string | null> {
    const out = new Map<string, string | null>();
    if (mappings.length === 0) return out;
    const visible = mappings.map((m) => (m.spec.shadow ? { ...m, spec: { ...m.spec, shadow: false } } : m));
    const read = (ir: GatewayIR) => {
      for (const l of ir.listeners)
        for (const vh of l.virtualHosts)
          for (const r of vh.routes)
            for (const s of r.sources) {
              const k = mappingKey(s.namespace, s.name);
              if (!out.has(k)) out.set(k, r.group);
            }
    };
    read(compile([...globals, ...visible], this.options).ir);
    for (const m of visible) {
      const k = resourceKey(m);
      if (out.has(k)) continue;
      read(compile([...globals, m], this.options).ir);
      if (!out.has(k)) out.set(k, null);
    }
    return out;
  }

  private index(objects: ObjectResources, result: CompileResult): void {
    const globals: Resource[] = [];
    const objectMappings = new Map<string, string[]>();
    const mappingOwner = new Map<string, string>();
    const mappings: Mapping[] = [];
    let duplicates = false;
    for (const [key, list] of objects) {
      const keys: string[] = [];
      for (const r of list) {
        if (r.kind === 'Mapping') {
          keys.push(resourceKey(r));
          if (mappingOwner.has(resourceKey(r))) duplicates = true;
          else mappingOwner.set(resourceKey(r), key);
          mappings.push(r);
        } else globals.push(r);
      }
      if (keys.length) objectMappings.set(key, keys);
    }
    // Groups from the full IR (sources list every member, shadows included); the rest individually.
    const mappingGroup = new Map<string, string | null>();
    for (const l of result.ir.listeners)
      for (const vh of l.virtualHosts)
        for (const r of vh.routes)
          for (const s of r.sources) {
            const k = mappingKey(s.namespace, s.name);
            if (!mappingGroup.has(k)) mappingGroup.set(k, r.group);
          }
    const missing = mappings.filter((m) => !mappingGroup.has(resourceKey(m)));
    for (const [k, g] of this.groupsOf(missing, globals)) mappingGroup.set(k, g);
    const groupObjects = new Map<string, Set<string>>();
    for (const [obj, keys] of objectMappings) {
      for (const k of keys) {
        const g = mappingGroup.get(k);
        if (!g) continue;
        let set = groupObjects.get(g);
        if (!set) {
          set = new Set();
          groupObjects.set(g, set);
        }
        set.add(obj);
      }
    }
    const diagnosticsByResource = new Map<string, Diagnostic[]>();
    const otherDiagnostics: Diagnostic[] = [];
    for (const d of result.diagnostics) {
      if (d.resource.kind === 'Mapping') {
        const k = mappingKey(d.resource.namespace, d.resource.name);
        diagnosticsByResource.set(k, [...(diagnosticsByResource.get(k) ?? []), d]);
      } else otherDiagnostics.push(d);
    }
    const globalSecrets = new Set(compile(globals, this.options).ir.secrets.map((s) => s.name));
    this.base = {
      ir: result.ir,
      diagnostics: result.diagnostics,
      globals,
      duplicates,
      globalSecrets,
      mappingGroup,
      groupObjects,
      objectMappings,
      mappingOwner,
      diagnosticsByResource,
      otherDiagnostics,
    };
  }
}

/**
 * Decides the relative order of two route groups by compiling just their Mappings (with the
 * gateway-wide resources) and reading the order core gives them on a virtual host.
 */
class OrderOracle {
  failed = false;
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly compiler: IncrementalCompiler,
    private readonly globals: Resource[],
    private readonly objects: ObjectResources,
    private readonly groupObjects: Map<string, Set<string>>,
    private readonly newGroups: Map<string, string | null>,
    private readonly newMappings: Map<string, Mapping[]>,
  ) {}

  private members(group: string): Resource[] {
    const out: Resource[] = [];
    const seen = new Set<string>();
    const add = (r: Resource) => {
      const k = resourceKey(r);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(r);
      }
    };
    for (const o of this.groupObjects.get(group) ?? []) {
      if (this.newMappings.has(o)) continue;
      for (const r of this.objects.get(o) ?? []) if (r.kind === 'Mapping') add(r);
    }
    for (const list of this.newMappings.values())
      for (const m of list) if (this.newGroups.get(resourceKey(m)) === group) add(m);
    return out;
  }

  /** Negative when group `a` comes before group `b` on `vhost`. */
  compare(a: string, b: string, vhost: string): number {
    const key = `${a}|${b}|${vhost}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const ir = this.compiler.compileSmall([...this.globals, ...this.members(a), ...this.members(b)]);
    let ia = -1;
    let ib = -1;
    for (const l of ir.listeners) {
      for (const vh of l.virtualHosts) {
        if (vh.name !== vhost) continue;
        vh.routes.forEach((r, i) => {
          if (r.group === a && ia < 0) ia = i;
          if (r.group === b && ib < 0) ib = i;
        });
      }
    }
    if (ia < 0 || ib < 0) {
      this.failed = true;
      return 0;
    }
    const result = ia < ib ? -1 : 1;
    this.memo.set(key, result);
    this.memo.set(`${b}|${a}|${vhost}`, -result);
    return result;
  }
}

/**
 * Merges `fresh` routes (whole groups, in order) into `kept` (also whole groups, in order) by
 * group order: binary search over kept's group runs for each fresh group run.
 */
function mergeRuns(
  kept: IRRoute[],
  fresh: IRRoute[],
  compare: (a: string, b: string) => number,
): IRRoute[] | undefined {
  if (fresh.length === 0) return kept;
  const runs = (routes: IRRoute[]) => {
    const out: Array<{ group: string; routes: IRRoute[] }> = [];
    for (const r of routes) {
      const last = out[out.length - 1];
      if (last && last.group === r.group) last.routes.push(r);
      else out.push({ group: r.group, routes: [r] });
    }
    return out;
  };
  const keptRuns = runs(kept);
  const freshRuns = runs(fresh);
  // Each group forms one contiguous run on a virtual host; anything else is outside the model.
  if (new Set(keptRuns.map((r) => r.group)).size !== keptRuns.length) return undefined;
  if (new Set(freshRuns.map((r) => r.group)).size !== freshRuns.length) return undefined;
  const out: IRRoute[] = [];
  let lo = 0;
  for (const run of freshRuns) {
    // Fresh runs are already in order, so each search starts where the previous one ended.
    let hi = keptRuns.length;
    let l = lo;
    while (l < hi) {
      const mid = (l + hi) >> 1;
      if (compare(keptRuns[mid]!.group, run.group) < 0) l = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < l; i++) out.push(...keptRuns[i]!.routes);
    out.push(...run.routes);
    lo = l;
  }
  for (let i = lo; i < keptRuns.length; i++) out.push(...keptRuns[i]!.routes);
  return out;
}
