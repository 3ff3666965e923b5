import { selectorMatches } from '../model/selectors.js';
import type { AddressPool, LabelSelector, MetalLBConfig } from '../model/types.js';
import {
  formatIP,
  formatIPv4,
  type IPAddress,
  type IPFamily,
  isBuggyIPv4,
  parseAddressEntry,
} from '../net/ip.js';
import type { NamespaceInput, ServiceFamily } from './service.js';

/**
 * The allocation engine: MetalLB's `internal/allocator` semantics with data structures that stay
 * fast for tens of thousands of Services. Addresses are integer keys (`number` for IPv4,
 * `bigint` for IPv6, so both fit one `Map` without colliding); every CIDR of a pool is a segment
 * with a cursor below which all addresses are taken, so "lowest free address" is amortised O(1)
 * instead of a scan from the network address per Service.
 */

/** An address as a map key: IPv4 as a number, IPv6 as a bigint. */
export type AddrKey = number | bigint;

export function keyOf(ip: IPAddress): AddrKey {
  return ip.family === 4 ? Number(ip.value) : ip.value;
}

export function ipOfKey(key: AddrKey): IPAddress {
  return typeof key === 'number' ? { family: 4, value: BigInt(key) } : { family: 6, value: key };
}

export function keyText(key: AddrKey): string {
  return typeof key === 'number' ? formatIPv4(key) : formatIP(ipOfKey(key));
}

/** One CIDR of a pool, in pool order. `cursor`: every offset below it is taken or skipped. */
type Segment =
  | { family: 4; start: number; size: number; cursor: number }
  | { family: 6; start: bigint; size: bigint; cursor: bigint };

export interface RuntimePool {
  name: string;
  pool: AddressPool;
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  segments: Segment[];
  families: Set<IPFamily>;
  /** Present when the pool has `serviceAllocation`. */
  allocation?: {
    priority: number;
    /** Explicit namespaces plus namespaces matched by `namespaceSelectors`. */
    namespaces: Set<string>;
    serviceSelectors: LabelSelector[];
  };
}

/** Who uses one address: its sharing key, ports and Services. */
interface AddressUse {
  sharing: string;
  backend: string;
  /** `PROTO/port` → Service key. */
  ports: Map<string, string>;
  services: Set<string>;
  pool: RuntimePool;
}

export interface Allocation {
  pool: RuntimePool;
  keys: AddrKey[];
  ports: string[];
  sharing: string;
  backend: string;
}

/** The Service facts compatibility checks need. */
export interface ServiceContext {
  key: string;
  namespace: string;
  labels: Record<string, string>;
}

function buildPool(pool: AddressPool, namespaces: readonly NamespaceInput[]): RuntimePool | undefined {
  const segments: Segment[] = [];
  const families = new Set<IPFamily>();
  for (const text of pool.addresses) {
    const entry = parseAddressEntry(text);
    if (!entry.ok) return undefined;
    for (const p of entry.value.prefixes) {
      families.add(p.family);
      const hostBits = (p.family === 4 ? 32 : 128) - p.bits;
      if (p.family === 4) segments.push({ family: 4, start: Number(p.base), size: 2 ** hostBits, cursor: 0 });
      else segments.push({ family: 6, start: p.base, size: 1n << BigInt(hostBits), cursor: 0n });
    }
  }
  if (segments.length === 0) return undefined;
  const rp: RuntimePool = {
    name: pool.name,
    pool,
    autoAssign: pool.autoAssign ?? true,
    avoidBuggyIPs: pool.avoidBuggyIPs ?? false,
    segments,
    families,
  };
  const sa = pool.serviceAllocation;
  if (sa) {
    const ns = new Set(sa.namespaces ?? []);
    for (const sel of sa.namespaceSelectors ?? []) {
      for (const n of namespaces) if (selectorMatches(sel, n.labels)) ns.add(n.name);
    }
    rp.allocation = {
      priority: sa.priority ?? 0,
      namespaces: ns,
      serviceSelectors: sa.serviceSelectors ?? [],
    };
  }
  return rp;
}

function segmentOffset(seg: Segment, key: AddrKey): number | bigint | undefined {
  if (seg.family === 4) {
    if (typeof key !== 'number') return undefined;
    const off = key - seg.start;
    return off >= 0 && off < seg.size ? off : undefined;
  }
  if (typeof key !== 'bigint') return undefined;
  const off = key - seg.start;
  return off >= 0n && off < seg.size ? off : undefined;
}

/** Deterministic pool order for ties: by name (MetalLB iterates a Go map, i.e. randomly). */
export function comparePoolNames(a: RuntimePool, b: RuntimePool): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Pinned-pool order: lower `priority` first, pools without a priority (0) after those with one,
 * then by name. MetalLB sorts with the same priority rule but leaves ties in random order.
 */
export function comparePinnedPools(a: RuntimePool, b: RuntimePool): number {
  const pa = a.allocation?.priority ?? 0;
  const pb = b.allocation?.priority ?? 0;
  if (pa > 0 && pb > 0 && pa !== pb) return pa - pb;
  if (pa === 0 && pb > 0) return 1;
  if (pa > 0 && pb === 0) return -1;
  return comparePoolNames(a, b);
}

export class AllocationEngine {
  /** Usable pools sorted by name. */
  readonly pools: RuntimePool[] = [];
  readonly byName = new Map<string, RuntimePool>();
  /** Pools whose `addresses` could not be parsed (left out). */
  readonly unusable: string[] = [];
  private readonly uses = new Map<AddrKey, AddressUse>();
  private readonly allocations = new Map<string, Allocation>();
  /** `sharing\0backend` → addresses currently carrying that key. */
  private readonly shared = new Map<string, Set<AddrKey>>();

  constructor(config: MetalLBConfig, namespaces: readonly NamespaceInput[] = []) {
    for (const pool of config.pools) {
      if (this.byName.has(pool.name)) continue;
      const rp = buildPool(pool, namespaces);
      if (!rp) {
        this.unusable.push(pool.name);
        continue;
      }
      this.pools.push(rp);
      this.byName.set(rp.name, rp);
    }
    this.pools.sort(comparePoolNames);
  }

  allocationOf(svcKey: string): Allocation | undefined {
    return this.allocations.get(svcKey);
  }

  /** MetalLB's `isPoolCompatibleWithService`: namespace list and Service selectors. */
  compatible(pool: RuntimePool, svc: ServiceContext): boolean {
    const a = pool.allocation;
    if (!a) return true;
    if (a.namespaces.size > 0 && !a.namespaces.has(svc.namespace)) return false;
    if (a.serviceSelectors.length > 0) return a.serviceSelectors.some((s) => selectorMatches(s, svc.labels));
    return true;
  }

  /** The pool containing every one of `keys` (skipping .0/.255 in avoidBuggyIPs pools), first by name. */
  poolFor(keys: readonly AddrKey[]): RuntimePool | undefined {
    return this.pools.find((pool) =>
      keys.every((key) => {
        if (pool.avoidBuggyIPs && typeof key === 'number' && isBuggyIPv4(key)) return false;
        return pool.segments.some((s) => segmentOffset(s, key) !== undefined);
      }),
    );
  }

  /** Why `svcKey` may not use `key` with these ports and keys; undefined when it may. */
  checkSharing(
    svcKey: string,
    key: AddrKey,
    ports: readonly string[],
    sharing: string,
    backend: string,
  ): string | undefined {
    const use = this.uses.get(key);
    if (!use) return undefined;
    const reason = sharingProblem(use, sharing, backend);
    if (reason) {
      const others = [...use.services].filter((s) => s !== svcKey).sort();
      if (others.length > 0) {
        return `${keyText(key)} is already used by ${others.join(', ')} and cannot be shared: ${reason}`;
      }
    }
    for (const port of ports) {
      const owner = use.ports.get(port);
      if (owner !== undefined && owner !== svcKey)
        return `port ${port} is already in use on ${keyText(key)} by ${owner}`;
    }
    return undefined;
  }

  /** MetalLB's `Assign`: give `svc` exactly these addresses, or say why not. */
  assign(
    svc: ServiceContext,
    ips: readonly IPAddress[],
    ports: readonly string[],
    sharing: string,
    backend: string,
  ): string | undefined {
    const keys = ips.map(keyOf);
    const pool = this.poolFor(keys);
    if (!pool) return `${JSON.stringify(ips.map(formatIP))} is not allowed in config: no pool contains it`;
    if (!this.compatible(pool, svc)) {
      return `pool ${JSON.stringify(pool.name)} is not compatible with this Service (its serviceAllocation namespaces or serviceSelectors exclude it)`;
    }
    if (ips.length > 2) return `more than two addresses ${JSON.stringify(ips.map(formatIP))}`;
    if (ips.length === 2 && ips[0]?.family === ips[1]?.family) {
      return `${JSON.stringify(ips.map(formatIP))} have the same family: expected one IPv4 and one IPv6 address`;
    }
    return this.assignInPool(svc.key, pool, keys, ports, sharing, backend);
  }

  /**
   * `assign` for addresses the caller just found free in `pool` (already checked for
   * compatibility): only the sharing rules are re-checked.
   */
  assignInPool(
    svcKey: string,
    pool: RuntimePool,
    keys: readonly AddrKey[],
    ports: readonly string[],
    sharing: string,
    backend: string,
  ): string | undefined {
    for (const key of keys) {
      const problem = this.checkSharing(svcKey, key, ports, sharing, backend);
      if (problem) return problem;
    }
    this.record(svcKey, { pool, keys: [...keys], ports: [...ports], sharing, backend });
    return undefined;
  }

  private record(svcKey: string, alloc: Allocation): void {
    this.unassign(svcKey);
    this.allocations.set(svcKey, alloc);
    for (const key of alloc.keys) {
      let use = this.uses.get(key);
      if (!use) {
        use = {
          sharing: alloc.sharing,
          backend: alloc.backend,
          ports: new Map(),
          services: new Set(),
          pool: alloc.pool,
        };
        this.uses.set(key, use);
      } else if (use.sharing !== alloc.sharing || use.backend !== alloc.backend) {
        this.shared.get(sharedKey(use.sharing, use.backend))?.delete(key);
        use.sharing = alloc.sharing;
        use.backend = alloc.backend;
      }
      if (alloc.sharing !== '') {
        const sk = sharedKey(alloc.sharing, alloc.backend);
        let set = this.shared.get(sk);
        if (!set) {
          set = new Set();
          this.shared.set(sk, set);
        }
        set.add(key);
      }
      for (const port of alloc.ports) use.ports.set(port, svcKey);
      use.services.add(svcKey);
    }
  }

  /** Frees everything `svcKey` holds. */
  unassign(svcKey: string): void {
    const alloc = this.allocations.get(svcKey);
    if (!alloc) return;
    this.allocations.delete(svcKey);
    for (const key of alloc.keys) {
      const use = this.uses.get(key);
      if (!use) continue;
      for (const port of alloc.ports) if (use.ports.get(port) === svcKey) use.ports.delete(port);
      use.services.delete(svcKey);
      if (use.services.size > 0) continue;
      this.uses.delete(key);
      this.shared.get(sharedKey(use.sharing, use.backend))?.delete(key);
      for (const seg of use.pool.segments) {
        const off = segmentOffset(seg, key);
        if (off === undefined) continue;
        if (seg.family === 4 && (off as number) < seg.cursor) seg.cursor = off as number;
        if (seg.family === 6 && (off as bigint) < seg.cursor) seg.cursor = off as bigint;
        break;
      }
    }
  }

  /** The lowest address of `seg` this Service may take: a free one, or a compatible shared one below it. */
  private firstUsable(
    seg: Segment,
    pool: RuntimePool,
    svcKey: string,
    ports: readonly string[],
    sharing: string,
    backend: string,
  ): AddrKey | undefined {
    let free: AddrKey | undefined;
    if (seg.family === 4) {
      while (seg.cursor < seg.size) {
        const k = seg.start + seg.cursor;
        if ((pool.avoidBuggyIPs && isBuggyIPv4(k)) || this.uses.has(k)) seg.cursor++;
        else break;
      }
      if (seg.cursor < seg.size) free = seg.start + seg.cursor;
    } else {
      while (seg.cursor < seg.size && this.uses.has(seg.start + seg.cursor)) seg.cursor++;
      if (seg.cursor < seg.size) free = seg.start + seg.cursor;
    }
    if (sharing === '') return free;
    let best = free;
    for (const key of this.shared.get(sharedKey(sharing, backend)) ?? []) {
      if (segmentOffset(seg, key) === undefined) continue;
      if (best !== undefined && key >= best) continue;
      if (pool.avoidBuggyIPs && typeof key === 'number' && isBuggyIPv4(key)) continue;
      if (this.checkSharing(svcKey, key, ports, sharing, backend) === undefined) best = key;
    }
    return best;
  }

  /** MetalLB's `getFreeIPsFromPool`, for the families asked: the first usable address per family, CIDRs in order. */
  freeFromPool(
    pool: RuntimePool,
    families: readonly IPFamily[],
    svcKey: string,
    ports: readonly string[],
    sharing: string,
    backend: string,
  ): Map<IPFamily, AddrKey> {
    const found = new Map<IPFamily, AddrKey>();
    for (const seg of pool.segments) {
      if (!families.includes(seg.family) || found.has(seg.family)) continue;
      const key = this.firstUsable(seg, pool, svcKey, ports, sharing, backend);
      if (key !== undefined) found.set(seg.family, key);
      if (found.size === families.length) break;
    }
    return found;
  }

  /** Pools with `serviceAllocation` that pin this Service (by namespace or selector), best first. */
  pinnedPools(svc: ServiceContext): RuntimePool[] {
    return this.pools
      .filter((p) => {
        const a = p.allocation;
        if (!a || !p.autoAssign) return false;
        const pinned = a.namespaces.has(svc.namespace) || a.serviceSelectors.length > 0;
        return pinned && this.compatible(p, svc);
      })
      .sort(comparePinnedPools);
  }

  /** Pools any Service may get addresses from automatically: autoAssign and no serviceAllocation, by name. */
  openPools(): RuntimePool[] {
    return this.pools.filter((p) => p.autoAssign && !p.allocation);
  }
}

function sharedKey(sharing: string, backend: string): string {
  return `${sharing}\u0000${backend}`;
}

function sharingProblem(use: AddressUse, sharing: string, backend: string): string | undefined {
  if (use.sharing === '') return 'the existing Service does not allow sharing';
  if (sharing === '') return 'this Service does not allow sharing (no metallb.io/allow-shared-ip)';
  if (use.sharing !== sharing) {
    return `sharing key ${JSON.stringify(sharing)} does not match existing sharing key ${JSON.stringify(use.sharing)}`;
  }
  if (use.backend !== backend) {
    return `externalTrafficPolicy Local needs the same pod selector: ${JSON.stringify(backend)} does not match ${JSON.stringify(use.backend)}`;
  }
  return undefined;
}

/** The families to look for, primary first. */
export function familiesFor(family: ServiceFamily, primary: IPFamily): IPFamily[] {
  if (family === 'ipv4') return [4];
  if (family === 'ipv6') return [6];
  return primary === 6 ? [6, 4] : [4, 6];
}
