import {
  type AddressPool,
  type AllocationPlan,
  allocate,
  applyPlan,
  emptyConfig,
  type MetalLBConfig,
  parseAddressEntry,
  parseIP,
  type ServiceInput,
} from '@gateway/metallb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** `arb` one time in `1 + rareness`, otherwise undefined. */
function sometimes<T>(arb: fc.Arbitrary<T>, rareness: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: rareness }, { arbitrary: arb, weight: 1 });
}

/** Pools on disjoint /24s (pool i lives in 10.i.0.0/16 and fd0i::/64), so configs are valid. */
const poolArb = (i: number): fc.Arbitrary<AddressPool> =>
  fc
    .record({
      bits: fc.integer({ min: 28, max: 31 }),
      third: fc.integer({ min: 0, max: 3 }),
      range: sometimes(fc.integer({ min: 250, max: 254 }), 1),
      v6: fc.boolean(),
      avoidBuggyIPs: fc.boolean(),
      autoAssign: fc.oneof(
        { arbitrary: fc.constant(true), weight: 4 },
        { arbitrary: fc.constant(false), weight: 1 },
      ),
      namespaces: sometimes(fc.subarray(['a', 'b']), 3),
    })
    .map((r) => {
      const addresses = [`10.${i}.${r.third}.0/${r.bits}`];
      if (r.range !== undefined) addresses.push(`10.${i}.9.${r.range}-10.${i}.10.1`);
      if (r.v6) addresses.push(`fd0${i}::/125`);
      const pool: AddressPool = {
        name: `pool${i}`,
        addresses,
        avoidBuggyIPs: r.avoidBuggyIPs,
        autoAssign: r.autoAssign,
      };
      if (r.namespaces && r.namespaces.length > 0) pool.serviceAllocation = { namespaces: r.namespaces };
      return pool;
    });

const configArb: fc.Arbitrary<MetalLBConfig> = fc
  .integer({ min: 1, max: 3 })
  .chain((n) =>
    fc
      .tuple(...Array.from({ length: n }, (_, i) => poolArb(i + 1)))
      .map((pools) => ({ ...emptyConfig(), pools })),
  );

const serviceArb: fc.Arbitrary<
  Omit<ServiceInput, 'metadata'> & { metadata: Omit<ServiceInput['metadata'], 'name'> }
> = fc
  .record({
    namespace: fc.constantFrom('a', 'b', 'c'),
    ports: fc.uniqueArray(
      fc.record({ port: fc.constantFrom(53, 80, 443), protocol: fc.constantFrom('TCP', 'UDP') }),
      {
        minLength: 1,
        maxLength: 3,
        selector: (p) => `${p.protocol}/${p.port}`,
      },
    ),
    sharing: sometimes(fc.constantFrom('k1', 'k2'), 1),
    local: fc.boolean(),
    app: fc.constantFrom('x', 'y'),
    policy: sometimes(fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack'), 2),
    families: sometimes(fc.constantFrom(['IPv4'], ['IPv6'], ['IPv6', 'IPv4']), 2),
    request: sometimes(fc.constantFrom('10.1.0.1', '10.2.0.0', '10.1.9.254', 'fd01::1', '192.0.2.1'), 8),
    pool: sometimes(fc.constantFrom('pool1', 'pool2', 'nope'), 8),
  })
  .map((r) => {
    const annotations: Record<string, string> = {};
    if (r.sharing) annotations['metallb.io/allow-shared-ip'] = r.sharing;
    if (r.request) annotations['metallb.io/loadBalancerIPs'] = r.request;
    if (r.pool) annotations['metallb.io/address-pool'] = r.pool;
    const spec: NonNullable<ServiceInput['spec']> = {
      type: 'LoadBalancer',
      ports: r.ports,
      selector: { app: r.app },
    };
    if (r.local) spec.externalTrafficPolicy = 'Local';
    if (r.policy) spec.ipFamilyPolicy = r.policy;
    if (r.families) spec.ipFamilies = [...r.families];
    return { metadata: { namespace: r.namespace, annotations }, spec };
  });

const servicesArb = (prefix: string, max: number): fc.Arbitrary<ServiceInput[]> =>
  fc
    .array(serviceArb, { maxLength: max })
    .map((list) => list.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `${prefix}${i}` } })));

function byKey(services: readonly ServiceInput[]): Map<string, ServiceInput> {
  return new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
}

function portsOf(s: ServiceInput): string[] {
  return (s.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
}

function backendOf(s: ServiceInput): string {
  return s.spec?.externalTrafficPolicy === 'Local' ? JSON.stringify(s.spec.selector ?? {}) : '';
}

/** Checks that each address is held by one Service, or by Services allowed to share it. */
function assertSharingRules(plan: AllocationPlan, services: readonly ServiceInput[]): void {
  const svcs = byKey(services);
  const holders = new Map<string, ServiceInput[]>();
  for (const a of plan.assignments) {
    for (const ip of a.ips)
      holders.set(ip, [
        ...(holders.get(ip) ?? []),
        svcs.get(`${a.service.namespace}/${a.service.name}`) as ServiceInput,
      ]);
  }
  for (const [ip, list] of holders) {
    if (list.length < 2) continue;
    const keys = new Set(list.map((s) => s.metadata.annotations?.['metallb.io/allow-shared-ip'] ?? ''));
    expect(keys.size, `${ip}: one sharing key`).toBe(1);
    expect([...keys][0], `${ip}: a non-empty sharing key`).not.toBe('');
    expect(new Set(list.map(backendOf)).size, `${ip}: one backend`).toBe(1);
    const ports = list.flatMap(portsOf);
    expect(new Set(ports).size, `${ip}: no port used twice`).toBe(ports.length);
  }
}

/** Checks that each address lies in the pool named by the assignment (and avoids .0/.255 when asked). */
function assertInsidePools(plan: AllocationPlan, config: MetalLBConfig): void {
  for (const a of plan.assignments) {
    const pool = config.pools.find((p) => p.name === a.pool) as AddressPool;
    expect(pool, a.pool).toBeDefined();
    const prefixes = pool.addresses.flatMap((t) => {
      const e = parseAddressEntry(t);
      return e.ok ? e.value.prefixes : [];
    });
    expect(a.ips.length).toBeGreaterThan(0);
    expect(a.ips.length).toBeLessThanOrEqual(2);
    for (const text of a.ips) {
      const ip = parseIP(text);
      expect(ip, text).toBeDefined();
      if (!ip) continue;
      const inside = prefixes.some(
        (p) =>
          p.family === ip.family &&
          ip.value >= p.base &&
          ip.value < p.base + (1n << BigInt((p.family === 4 ? 32 : 128) - p.bits)),
      );
      expect(inside, `${text} in ${a.pool}`).toBe(true);
      if (pool.avoidBuggyIPs && ip.family === 4)
        expect(Number(ip.value & 255n) % 255, `${text} is not .0/.255`).not.toBe(0);
    }
  }
}

describe('allocate properties', () => {
  it('never gives an address twice unless sharing allows it', () => {
    fc.assert(
      fc.property(configArb, servicesArb('s', 25), (config, services) => {
        assertSharingRules(allocate(config, services), services);
      }),
      { numRuns: 200 },
    );
  });

  it('gives only addresses inside the assigned pool', () => {
    fc.assert(
      fc.property(configArb, servicesArb('s', 25), (config, services) => {
        assertInsidePools(allocate(config, services), config);
      }),
      { numRuns: 200 },
    );
  });

  it('accounts for every LoadBalancer Service exactly once', () => {
    fc.assert(
      fc.property(configArb, servicesArb('s', 25), (config, services) => {
        const plan = allocate(config, services);
        const seen = [...plan.assignments, ...plan.unassigned].map(
          (e) => `${e.service.namespace}/${e.service.name}`,
        );
        expect(seen.sort()).toEqual(services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort());
      }),
      { numRuns: 100 },
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(configArb, servicesArb('s', 20), fc.integer(), (config, services, seed) => {
        const shuffled = [...services].sort(
          (x, y) =>
            ((x.metadata.name.length * seed) % 7) - ((y.metadata.name.length * seed) % 7) ||
            (x.metadata.name < y.metadata.name ? 1 : -1),
        );
        expect(allocate(config, shuffled)).toEqual(allocate(config, services));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps every assignment when unrelated Services come and go', () => {
    fc.assert(
      fc.property(
        configArb,
        servicesArb('s', 20),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        servicesArb('new', 10),
        (config, services, removeMask, added) => {
          const first = allocate(config, services);
          const withStatus = applyPlan(services, first);
          const remaining = withStatus.filter((_, i) => !removeMask[i]);
          const second = allocate(config, [...remaining, ...added]);
          const before = new Map(
            first.assignments.map((a) => [`${a.service.namespace}/${a.service.name}`, a]),
          );
          for (const a of second.assignments) {
            const prev = before.get(`${a.service.namespace}/${a.service.name}`);
            if (!prev) continue;
            // Kept: same pool, every earlier address still there. A PreferDualStack Service may
            // gain its missing family once an address of that family frees up (MetalLB does too).
            expect(a.pool, `${a.service.name} pool`).toBe(prev.pool);
            expect(a.ips, `${a.service.name} addresses`).toEqual(expect.arrayContaining(prev.ips));
          }
          for (const s of remaining) {
            const key = `${s.metadata.namespace}/${s.metadata.name}`;
            if (before.has(key))
              expect(
                second.assignments.some((a) => `${a.service.namespace}/${a.service.name}` === key),
                key,
              ).toBe(true);
          }
          assertSharingRules(second, [...remaining, ...added]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
