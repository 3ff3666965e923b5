import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import type { IRCluster } from '@gateway/core';
import { serviceHost } from './tls.js';
import type { ResolveMap } from './types.js';

/** Envoy's `dns_refresh_rate` default. */
export const DEFAULT_DNS_REFRESH_MS = 5_000;
/** Never re-resolve more often than this, whatever the TTL says. */
const MIN_TTL_REFRESH_MS = 1_000;

type DnsDiscoverySpec = Extract<IRCluster['discovery'], { kind: 'dns' }>;

/** The first DNS label of a name (`quote.default.svc` -> `quote`). */
function firstLabel(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? host : host.slice(0, dot);
}

/**
 * Applies a `--resolve name=host:port` override map to a cluster: a key equal to the cluster's
 * DNS host, to that host's first label, to the cluster's `service` string, or to the service's
 * host (or its first label) pins the cluster to that address.
 *
 * @example
 * ```ts
 * overrideFor(cluster, new Map([['quote', { host: '127.0.0.1', port: 9000 }]]));
 * ```
 */
export function overrideFor(
  cluster: IRCluster,
  map: ResolveMap | undefined,
): { host: string; port: number } | undefined {
  if (!map || map.size === 0) return undefined;
  const keys: string[] = [];
  if (cluster.discovery.kind === 'dns') keys.push(cluster.discovery.host, firstLabel(cluster.discovery.host));
  keys.push(cluster.service);
  const sh = serviceHost(cluster.service);
  if (sh !== undefined && isIP(sh) === 0) keys.push(sh, firstLabel(sh));
  for (const k of keys) {
    const hit = map.get(k);
    if (hit) return hit;
  }
  return undefined;
}

function lookupFamily(family: IRCluster['dnsLookupFamily']): 0 | 4 | 6 {
  if (family === 'v4') return 4;
  if (family === 'v6') return 6;
  return 0;
}

/**
 * Resolves a DNS name to the addresses a cluster should use, applying the discovery mode and
 * lookup family: `strict` keeps every address, `logical` only the first; `auto` prefers IPv6
 * addresses when there are any (Envoy's AUTO), `all` keeps both families.
 *
 * @example
 * ```ts
 * await resolveAddresses('localhost', 'strict', 'v4'); // ['127.0.0.1']
 * ```
 */
export async function resolveAddresses(
  host: string,
  mode: 'strict' | 'logical',
  family: IRCluster['dnsLookupFamily'],
): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await dnsPromises.lookup(host, { all: true, family: lookupFamily(family), verbatim: true });
  let addresses = [...new Set(found.map((a) => a.address))];
  if (family === 'auto') {
    const v6 = addresses.filter((a) => isIP(a) === 6);
    if (v6.length > 0) addresses = v6;
  }
  return mode === 'logical' ? addresses.slice(0, 1) : addresses;
}

/** The smallest TTL (ms) the resolver reports for a name, or undefined when it can't tell. */
async function minTtlMs(host: string, family: IRCluster['dnsLookupFamily']): Promise<number | undefined> {
  const resolver = new dnsPromises.Resolver({ timeout: 1_000, tries: 1 });
  const queries: Array<Promise<Array<{ ttl: number }>>> = [];
  if (family !== 'v6') queries.push(resolver.resolve4(host, { ttl: true }));
  if (family !== 'v4') queries.push(resolver.resolve6(host, { ttl: true }));
  const results = await Promise.allSettled(queries);
  let min: number | undefined;
  for (const r of results) {
    if (r.status !== 'fulfilled') continue;
    for (const rec of r.value) min = min === undefined ? rec.ttl : Math.min(min, rec.ttl);
  }
  return min === undefined ? undefined : min * 1000;
}

export interface DnsHooks {
  /** New address list (only called when it changed). */
  addresses(addresses: string[]): void;
  /** Resolution failed; the previous addresses stay in use. */
  error(err: Error): void;
}

/**
 * Periodic DNS discovery for one cluster: resolves on start, then every `refreshMs` (or, with
 * `respectDnsTtl`, when the shortest record TTL expires, but not more often than once a second).
 * The last good answer stays in use when a resolution fails. The timer is unref'd.
 *
 * @example
 * ```ts
 * const d = new DnsDiscovery(cluster.discovery, cluster.dnsLookupFamily, 5000, hooks);
 * await d.start();
 * d.stop();
 * ```
 */
export class DnsDiscovery {
  private readonly spec: DnsDiscoverySpec;
  private readonly family: IRCluster['dnsLookupFamily'];
  private readonly refreshMs: number;
  private readonly hooks: DnsHooks;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private last = '';

  constructor(
    spec: DnsDiscoverySpec,
    family: IRCluster['dnsLookupFamily'],
    refreshMs: number,
    hooks: DnsHooks,
  ) {
    this.spec = spec;
    this.family = family;
    this.refreshMs = refreshMs > 0 ? refreshMs : DEFAULT_DNS_REFRESH_MS;
    this.hooks = hooks;
  }

  /** Seeds the last known answer (carried over from a previous cluster version). */
  seed(addresses: readonly string[]): void {
    this.last = addresses.join(',');
  }

  /** Resolves once now (the returned promise settles after the first answer or failure) and keeps refreshing. */
  async start(): Promise<void> {
    await this.resolveOnce();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async resolveOnce(): Promise<void> {
    let next = this.refreshMs;
    try {
      const addresses = await resolveAddresses(this.spec.host, this.spec.mode, this.family);
      if (this.stopped) return;
      if (addresses.length === 0) throw new Error(`DNS lookup of ${this.spec.host} returned no addresses`);
      const key = addresses.join(',');
      if (key !== this.last) {
        this.last = key;
        this.hooks.addresses(addresses);
      }
      if (this.spec.respectDnsTtl && isIP(this.spec.host) === 0) {
        const ttl = await minTtlMs(this.spec.host, this.family);
        if (ttl !== undefined) next = Math.max(MIN_TTL_REFRESH_MS, ttl);
      }
    } catch (err) {
      if (this.stopped) return;
      this.hooks.error(err as Error);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resolveOnce();
    }, next);
    this.timer.unref();
  }
}
