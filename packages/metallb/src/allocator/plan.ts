import type { Diagnostic } from '@gateway/core';
import { selectorMatches } from '../model/selectors.js';
import type { MetalLBConfig } from '../model/types.js';
import { formatIP, type IPAddress, type IPFamily, parseIP } from '../net/ip.js';
import { DiagnosticSink } from '../util/diagnostics.js';
import { poolsSelectedBy, validateMetalLB } from '../validate/validate.js';
import {
  type AddrKey,
  AllocationEngine,
  familiesFor,
  ipOfKey,
  keyText,
  type RuntimePool,
  type ServiceContext,
} from './engine.js';
import {
  ANNOTATION_IP_ALLOCATED_FROM_POOL,
  annotation,
  backendKeyOf,
  desiredIPsOf,
  type FamilyInfo,
  type NamespaceInput,
  portsOf,
  type ServiceFamily,
  type ServiceInput,
  type ServiceRef,
  serviceFamily,
  serviceKey,
  serviceRef,
  sharingKeyOf,
} from './service.js';

/** One Service that gets addresses. */
export interface Assignment {
  service: ServiceRef;
  pool: string;
  /** IPv4 before IPv6, as MetalLB writes `status.loadBalancer.ingress`. */
  ips: string[];
}

/** One LoadBalancer Service that gets nothing, and why. */
export interface Unassigned {
  service: ServiceRef;
  reason: string;
}

/**
 * The result of `allocate`: who gets which addresses. Entries are sorted by namespace, then
 * name; the same input always gives the same plan.
 */
export interface AllocationPlan {
  assignments: Assignment[];
  unassigned: Unassigned[];
  diagnostics: Diagnostic[];
}

export interface AllocateOptions {
  /** Namespaces with labels, for pools using `serviceAllocation.namespaceSelectors`. */
  namespaces?: NamespaceInput[];
  /**
   * The load balancer class MetalLB was started with (`--lb-class`). Unset: MetalLB handles only
   * Services without `spec.loadBalancerClass`; set: only Services with exactly this class.
   */
  loadBalancerClass?: string;
}

interface Entry {
  svc: ServiceInput;
  /** The addresses the Service asks for (parsed once). */
  desired: ReturnType<typeof desiredIPsOf>;
  ref: ServiceRef;
  key: string;
  ctx: ServiceContext;
  family: FamilyInfo;
  ports: string[];
  sharing: string;
  backend: string;
}

type Outcome = { ok: true; pool: string; keys: AddrKey[] } | { ok: false; reason: string; path: string };

const ANNOTATION_PATH = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;

function lbFamily(ips: readonly IPAddress[]): ServiceFamily | undefined {
  if (ips.length === 1) return ips[0]?.family === 6 ? 'ipv6' : 'ipv4';
  if (ips.length === 2 && ips[0]?.family !== ips[1]?.family) return 'dual';
  return undefined;
}

/** MetalLB's `serviceFamilyChanged`: the current addresses no longer fit the Service's family. */
function familyChanged(current: ServiceFamily | undefined, info: FamilyInfo): boolean {
  if (current === undefined) return true;
  if (current === info.family) return false;
  return !(info.family === 'dual' && info.policy === 'PreferDualStack');
}

function sameAddresses(a: readonly AddrKey[], b: readonly AddrKey[]): boolean {
  if (a.length !== b.length) return false;
  const sa = a.map(String).sort();
  const sb = b.map(String).sort();
  return sa.every((v, i) => v === sb[i]);
}

/** IPv4 first, then IPv6 (the order MetalLB reports dual-stack addresses in). */
function ordered(keys: readonly AddrKey[]): AddrKey[] {
  if (keys.length < 2) return [...keys];
  return [...keys].sort((x, y) => (typeof x === typeof y ? 0 : typeof x === 'number' ? -1 : 1));
}

class Planner {
  readonly engine: AllocationEngine;
  readonly sink = new DiagnosticSink();
  readonly outcomes = new Map<string, Outcome>();

  constructor(
    readonly config: MetalLBConfig,
    namespaces: readonly NamespaceInput[],
  ) {
    this.engine = new AllocationEngine(config, namespaces);
  }

  svcDiag(
    e: Entry,
    path: string,
    message: string,
    code: string,
    severity: 'error' | 'warning' | 'notice' = 'warning',
  ) {
    this.sink.add(
      { kind: 'Service', namespace: e.ref.namespace, name: e.ref.name },
      path,
      message,
      code,
      severity,
    );
  }

  /** `findBestPoolForService` + `selectIPsForFamilyAndPolicy` + `Assign`, over `pools` in order. */
  allocateFrom(e: Entry, pools: readonly RuntimePool[]): Outcome {
    const { family, primary, policy } = e.family;
    const families = familiesFor(family, primary);
    let primaryCandidate: { pool: RuntimePool; key: AddrKey } | undefined;
    let secondaryCandidate: { pool: RuntimePool; key: AddrKey } | undefined;
    let chosen: { pool: RuntimePool; keys: AddrKey[] } | undefined;
    for (const pool of pools) {
      const free = this.engine.freeFromPool(pool, families, e.key, e.ports, e.sharing, e.backend);
      if (family !== 'dual') {
        const k = free.get(families[0] as IPFamily);
        if (k !== undefined) {
          chosen = { pool, keys: [k] };
          break;
        }
        continue;
      }
      const p = free.get(families[0] as IPFamily);
      const s = free.get(families[1] as IPFamily);
      if (p !== undefined && s !== undefined) {
        chosen = { pool, keys: [p, s] };
        break;
      }
      if (policy !== 'PreferDualStack') continue;
      if (p !== undefined && !primaryCandidate) primaryCandidate = { pool, key: p };
      if (s !== undefined && !secondaryCandidate) secondaryCandidate = { pool, key: s };
    }
    if (!chosen && primaryCandidate) chosen = { pool: primaryCandidate.pool, keys: [primaryCandidate.key] };
    if (!chosen && secondaryCandidate)
      chosen = { pool: secondaryCandidate.pool, keys: [secondaryCandidate.key] };
    if (!chosen)
      return {
        ok: false,
        reason: `no available IPs (no pool has a free ${family} address for this Service)`,
        path: '',
      };
    const keys = ordered(chosen.keys);
    const err = this.engine.assignInPool(e.key, chosen.pool, keys, e.ports, e.sharing, e.backend);
    if (err) return { ok: false, reason: `no available IPs: ${err}`, path: '' };
    return { ok: true, pool: chosen.pool.name, keys };
  }

  /** `AllocateFromPool`: the Service asked for a pool by name. */
  allocateFromPool(e: Entry, poolName: string, path: string): Outcome {
    const pool = this.engine.byName.get(poolName);
    if (!pool) {
      const why = this.engine.unusable.includes(poolName) ? ' (its addresses are invalid)' : '';
      return {
        ok: false,
        reason: `unknown pool ${JSON.stringify(poolName)}${why}: expected the name of an IPAddressPool`,
        path,
      };
    }
    const { family, primary, policy } = e.family;
    const families = familiesFor(family, primary);
    const free = this.engine.freeFromPool(pool, families, e.key, e.ports, e.sharing, e.backend);
    let keys: AddrKey[] | undefined;
    if (family !== 'dual') {
      const k = free.get(families[0] as IPFamily);
      if (k !== undefined) keys = [k];
    } else {
      const v4 = free.get(4);
      const v6 = free.get(6);
      if (v4 !== undefined && v6 !== undefined) keys = [v4, v6];
      else if (policy === 'PreferDualStack' && (v4 !== undefined || v6 !== undefined))
        keys = [(v4 ?? v6) as AddrKey];
    }
    if (!keys)
      return {
        ok: false,
        reason: `no available IPs in pool ${JSON.stringify(poolName)} for ${family} IPFamily`,
        path,
      };
    // MetalLB's Assign re-checks the pool against the Service (serviceAllocation), so do we.
    const err = this.engine.compatible(pool, e.ctx)
      ? this.engine.assignInPool(e.key, pool, ordered(keys), e.ports, e.sharing, e.backend)
      : `pool ${JSON.stringify(pool.name)} is not compatible with this Service (its serviceAllocation namespaces or serviceSelectors exclude it)`;
    if (err) return { ok: false, reason: err, path };
    return { ok: true, pool: pool.name, keys: ordered(keys) };
  }

  /** `allocateIPs`: requested addresses, else the requested pool, else pinned pools then open pools. */
  allocateNew(e: Entry): Outcome {
    if (e.family.error) return { ok: false, reason: e.family.error, path: 'spec.clusterIPs' };
    const desired = e.desired;
    if (desired.kind === 'error') return { ok: false, reason: desired.message, path: desired.path };
    const poolAnn = annotation(e.svc, 'address-pool');
    const desiredPool = poolAnn?.value ?? '';
    if (desired.kind === 'ok') {
      if (desired.family !== e.family.family) {
        return {
          ok: false,
          reason: `requested loadBalancer IP(s) ${JSON.stringify(desired.texts)} does not match the ipFamily of the service (${e.family.family})`,
          path: desired.path,
        };
      }
      const err = this.engine.assign(e.ctx, desired.ips, e.ports, e.sharing, e.backend);
      if (err)
        return {
          ok: false,
          reason: `requested loadBalancer IP(s) ${JSON.stringify(desired.texts)}: ${err}`,
          path: desired.path,
        };
      const alloc = this.engine.allocationOf(e.key);
      if (desiredPool !== '' && alloc?.pool.name !== desiredPool) {
        this.engine.unassign(e.key);
        return {
          ok: false,
          reason: `requested loadBalancer IP(s) ${JSON.stringify(desired.texts)} is not compatible with requested address pool ${desiredPool}`,
          path: ANNOTATION_PATH(poolAnn?.key ?? ''),
        };
      }
      return { ok: true, pool: alloc?.pool.name ?? '', keys: ordered(alloc?.keys ?? []) };
    }
    if (desiredPool !== '') return this.allocateFromPool(e, desiredPool, ANNOTATION_PATH(poolAnn?.key ?? ''));
    const pinned = this.engine.pinnedPools(e.ctx);
    if (pinned.length > 0) {
      const r = this.allocateFrom(e, pinned);
      if (r.ok) return r;
    }
    return this.allocateFrom(e, this.engine.openPools());
  }

  /** Phase 1: keep the addresses a Service already has, if they are still valid. */
  keepExisting(e: Entry): boolean {
    const ingress = e.svc.status?.loadBalancer?.ingress ?? [];
    const ips: IPAddress[] = [];
    ingress.forEach((ing, i) => {
      if (!ing.ip) return;
      const ip = parseIP(ing.ip);
      if (ip) ips.push(ip);
      else
        this.svcDiag(
          e,
          `status.loadBalancer.ingress[${i}].ip`,
          `invalid address ${JSON.stringify(ing.ip)} in status: ignored`,
          'invalid-ip',
        );
    });
    if (ips.length === 0) return false;
    const current = ips.map(formatIP).join(', ');
    const drop = (why: string) => {
      this.engine.unassign(e.key);
      this.svcDiag(
        e,
        'status.loadBalancer.ingress',
        `current address ${current} is released: ${why}; a new address will be assigned`,
        'reassigned',
        'notice',
      );
      return false;
    };
    if (e.family.error) return false;
    if (familyChanged(lbFamily(ips), e.family))
      return drop(`it does not match the Service's IP family (${e.family.family})`);
    const err = this.engine.assign(e.ctx, ips, e.ports, e.sharing, e.backend);
    if (err) return drop(`not allowed by config: ${err}`);
    const poolAnn = annotation(e.svc, 'address-pool');
    const alloc = this.engine.allocationOf(e.key);
    if (poolAnn && poolAnn.value !== '' && alloc?.pool.name !== poolAnn.value) {
      return drop(
        `the Service asks for pool ${JSON.stringify(poolAnn.value)}, not ${JSON.stringify(alloc?.pool.name)}`,
      );
    }
    const desired = e.desired;
    if (desired.kind === 'error') {
      // MetalLB keeps the current addresses and reports the bad request.
      this.svcDiag(e, desired.path, desired.message, 'invalid-request', 'error');
    } else if (
      desired.kind === 'ok' &&
      !sameAddresses(
        desired.ips.map((ip) => (ip.family === 4 ? Number(ip.value) : ip.value)),
        alloc?.keys ?? [],
      )
    ) {
      return drop(`the Service requests ${desired.texts.join(', ')}`);
    }
    this.outcomes.set(e.key, { ok: true, pool: alloc?.pool.name ?? '', keys: ordered(alloc?.keys ?? []) });
    return true;
  }

  /** PreferDualStack with one address: add one of the other family from the same pool. */
  addMissingFamily(e: Entry): void {
    const alloc = this.engine.allocationOf(e.key);
    if (!alloc) return;
    if (alloc.keys.length !== 1 || e.family.policy !== 'PreferDualStack' || e.family.family !== 'dual')
      return;
    const existing = alloc.keys[0] as AddrKey;
    const missing: IPFamily = typeof existing === 'number' ? 6 : 4;
    const free = this.engine
      .freeFromPool(alloc.pool, [missing], e.key, e.ports, e.sharing, e.backend)
      .get(missing);
    if (free === undefined) return;
    const keys = ordered([existing, free]);
    const err = this.engine.assign(e.ctx, keys.map(ipOfKey), e.ports, e.sharing, e.backend);
    if (err) {
      this.engine.assign(e.ctx, [ipOfKey(existing)], e.ports, e.sharing, e.backend);
      return;
    }
    this.outcomes.set(e.key, { ok: true, pool: alloc.pool.name, keys });
  }
}

function toEntry(svc: ServiceInput): Entry {
  const ref = serviceRef(svc);
  const key = serviceKey(ref);
  return {
    svc,
    desired: desiredIPsOf(svc),
    ref,
    key,
    ctx: { key, namespace: ref.namespace, labels: svc.metadata.labels ?? {} },
    family: serviceFamily(svc),
    ports: portsOf(svc),
    sharing: sharingKeyOf(svc),
    backend: backendKeyOf(svc),
  };
}

/**
 * Plans LoadBalancer addresses the way MetalLB's controller assigns them, for a set of pools and
 * Services: `metallb.io/loadBalancerIPs` / `spec.loadBalancerIP` (exact addresses),
 * `metallb.io/address-pool` (a pool by name), `metallb.io/allow-shared-ip` (sharing: same key,
 * no clashing protocol/port, same pod selector under `externalTrafficPolicy: Local`), the
 * `metallb.universe.tf/` spellings, `spec.loadBalancerClass`, pool `priority` and
 * `serviceAllocation` selectors, the lowest free address of the first pool with room (`.0` and
 * `.255` skipped only with `avoidBuggyIPs`), and IPv4/IPv6 dual stack.
 *
 * Deterministic where MetalLB is not: Services are processed by namespace, then name —
 * first those already holding addresses (`status.loadBalancer.ingress`, kept while still valid, so
 * Services coming and going do not move the others), then those requesting exact addresses, then
 * the rest; pools of equal priority, and pools without `serviceAllocation`, are tried by name.
 *
 * @example
 * ```ts
 * const plan = allocate(config, [
 *   { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }] } },
 * ]);
 * plan.assignments; // [{ service: { namespace: 'shop', name: 'web' }, pool: 'prod', ips: ['192.168.10.0'] }]
 * ```
 */
export function allocate(
  config: MetalLBConfig,
  services: readonly ServiceInput[],
  opts: AllocateOptions = {},
): AllocationPlan {
  const namespaces = opts.namespaces ?? [];
  const planner = new Planner(config, namespaces);
  const engine = planner.engine;

  const configErrors = validateMetalLB(config, { warnUnannounced: false }).filter(
    (d) => d.severity === 'error',
  );
  planner.sink.diagnostics.push(...configErrors);
  for (const pool of engine.pools) {
    const a = pool.allocation;
    if (a && a.namespaces.size === 0 && a.serviceSelectors.length === 0 && pool.autoAssign) {
      planner.sink.add(
        { kind: 'IPAddressPool', namespace: pool.pool.namespace ?? config.namespace, name: pool.name },
        'spec.serviceAllocation',
        (pool.pool.serviceAllocation?.namespaceSelectors ?? []).length > 0 && namespaces.length === 0
          ? 'namespaceSelectors match no namespace (pass Namespace objects to evaluate them); no Service gets addresses from this pool automatically'
          : 'serviceAllocation names no namespace and no serviceSelectors: MetalLB never assigns from this pool automatically',
        'pool-never-auto-assigned',
        'warning',
      );
    }
  }

  const entries = new Map<string, Entry>();
  for (const svc of services) {
    if (svc.spec?.type !== 'LoadBalancer') continue;
    const cls = svc.spec.loadBalancerClass;
    if (
      opts.loadBalancerClass === undefined ? cls !== undefined && cls !== '' : cls !== opts.loadBalancerClass
    )
      continue;
    const e = toEntry(svc);
    if (entries.has(e.key)) {
      planner.svcDiag(
        e,
        'metadata.name',
        `duplicate Service ${e.key}: only the first one is allocated`,
        'duplicate-service',
        'error',
      );
      continue;
    }
    entries.set(e.key, e);
  }
  const sorted = [...entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  if (engine.pools.length === 0) {
    const plan: AllocationPlan = { assignments: [], unassigned: [], diagnostics: planner.sink.diagnostics };
    for (const e of sorted) plan.unassigned.push({ service: e.ref, reason: 'no address pools configured' });
    return plan;
  }

  // Phase 1: keep valid current addresses; then complete PreferDualStack Services.
  const pending: Entry[] = [];
  for (const e of sorted) if (!planner.keepExisting(e)) pending.push(e);
  for (const e of sorted) if (planner.outcomes.has(e.key)) planner.addMissingFamily(e);
  // Phase 2: exact-address requests first, so an automatic allocation cannot take a requested address.
  const requested = pending.filter((e) => e.desired.kind !== 'none');
  const rest = pending.filter((e) => e.desired.kind === 'none');
  for (const e of [...requested, ...rest]) planner.outcomes.set(e.key, planner.allocateNew(e));

  const plan: AllocationPlan = { assignments: [], unassigned: [], diagnostics: planner.sink.diagnostics };
  const l2WithSelectors = config.l2Advertisements.filter((ad) => (ad.serviceSelectors ?? []).length > 0);
  for (const e of sorted) {
    const o = planner.outcomes.get(e.key);
    if (!o) continue;
    if (!o.ok) {
      plan.unassigned.push({ service: e.ref, reason: o.reason });
      planner.svcDiag(e, o.path, o.reason, 'unassigned', 'warning');
      continue;
    }
    plan.assignments.push({ service: e.ref, pool: o.pool, ips: o.keys.map(keyText) });
    if (e.sharing !== '') {
      for (const ad of l2WithSelectors) {
        const selectsPool = poolsSelectedBy(ad, config.pools).some((p) => p.name === o.pool);
        if (
          selectsPool &&
          (ad.serviceSelectors ?? []).some((s) => selectorMatches(s, e.svc.metadata.labels))
        ) {
          planner.svcDiag(
            e,
            ANNOTATION_PATH(annotation(e.svc, 'allow-shared-ip')?.key ?? ''),
            `L2Advertisement ${JSON.stringify(ad.name)} selects this Service with serviceSelectors, which cannot be combined with allow-shared-ip`,
            'l2-selector-shared-ip',
          );
        }
      }
    }
  }
  return plan;
}

/**
 * The first address `plan` gives `service` (IPv4 first for dual stack), or undefined. The
 * Kubernetes adapter cannot import this package; the CLI uses this to show which external IP the
 * gateway's own Service will get.
 *
 * @example
 * ```ts
 * loadBalancerAddressFor({ namespace: 'ambassador', name: 'ambassador' }, plan); // '192.168.10.0'
 * ```
 */
export function loadBalancerAddressFor(
  service: ServiceRef | ServiceInput,
  plan: Pick<AllocationPlan, 'assignments'>,
): string | undefined {
  return loadBalancerAddressesFor(service, plan)[0];
}

/** Every address `plan` gives `service` (one, or two for dual stack).
 *
 * @example
 * ```ts
 * loadBalancerAddressesFor({ namespace: 'default', name: 'dual' }, plan); // ['10.0.0.1', 'fc00::1']
 * ```
 */
export function loadBalancerAddressesFor(
  service: ServiceRef | ServiceInput,
  plan: Pick<AllocationPlan, 'assignments'>,
): string[] {
  const ref = 'metadata' in service ? serviceRef(service) : service;
  const hit = plan.assignments.find(
    (a) => a.service.namespace === ref.namespace && a.service.name === ref.name,
  );
  return hit ? [...hit.ips] : [];
}

/**
 * Copies of `services` with the plan written back as MetalLB's controller would:
 * `status.loadBalancer.ingress` and the `metallb.io/ip-allocated-from-pool` annotation; Services
 * the plan leaves out lose both. Feeding the result into `allocate` again keeps every address.
 *
 * @example
 * ```ts
 * const next = allocate(config, applyPlan(services, allocate(config, services))); // same addresses
 * ```
 */
export function applyPlan(
  services: readonly ServiceInput[],
  plan: Pick<AllocationPlan, 'assignments'>,
): ServiceInput[] {
  const byKey = new Map(plan.assignments.map((a) => [serviceKey(a.service), a]));
  return services.map((svc) => {
    const copy = structuredClone(svc);
    if (copy.spec?.type !== 'LoadBalancer') return copy;
    const a = byKey.get(serviceKey(serviceRef(svc)));
    const annotations = { ...(copy.metadata.annotations ?? {}) };
    delete annotations[ANNOTATION_IP_ALLOCATED_FROM_POOL];
    delete annotations['metallb.universe.tf/ip-allocated-from-pool'];
    if (a) {
      annotations[ANNOTATION_IP_ALLOCATED_FROM_POOL] = a.pool;
      copy.status = { loadBalancer: { ingress: a.ips.map((ip) => ({ ip })) } };
    } else {
      copy.status = { loadBalancer: {} };
    }
    copy.metadata.annotations = annotations;
    return copy;
  });
}
