import {
  type AllocationPlan,
  addressPool,
  allocate,
  applyPlan,
  l2Advertisement,
  loadBalancerAddressesFor,
  loadBalancerAddressFor,
  type MetalLBConfig,
  type MetalLBObjectBuilder,
  metallbConfig,
  type ServiceInput,
} from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

function config(...items: MetalLBObjectBuilder[]): MetalLBConfig {
  return metallbConfig()
    .add(...items, l2Advertisement('all'))
    .build();
}

type SvcOptions = {
  ns?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  spec?: NonNullable<ServiceInput['spec']>;
  ips?: string[];
};

function svc(name: string, o: SvcOptions = {}): ServiceInput {
  const s: ServiceInput = {
    metadata: { name, namespace: o.ns ?? 'default' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...(o.spec ?? {}) },
  };
  if (o.annotations) s.metadata.annotations = o.annotations;
  if (o.labels) s.metadata.labels = o.labels;
  if (o.ips) s.status = { loadBalancer: { ingress: o.ips.map((ip) => ({ ip })) } };
  return s;
}

/** `name → ips` and `name → reason`, for compact assertions. */
function summary(plan: AllocationPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of plan.assignments) out[a.service.name] = `${a.pool}:${a.ips.join(',')}`;
  for (const u of plan.unassigned) out[u.service.name] = `!${u.reason}`;
  return out;
}

const small = () => config(addressPool('p').addresses('10.0.0.0/30'));

describe('allocate: lowest free address', () => {
  it('hands out addresses from the network address up, Services by namespace then name', () => {
    expect(summary(allocate(small(), [svc('c'), svc('a'), svc('b', { ns: 'aaa' })]))).toEqual({
      b: 'p:10.0.0.0',
      a: 'p:10.0.0.1',
      c: 'p:10.0.0.2',
    });
  });

  it('walks CIDRs in pool order and ranges in address order', () => {
    const c = config(addressPool('p').addresses('10.9.0.7/32', '10.1.0.5-10.1.0.6'));
    expect(summary(allocate(c, [svc('a'), svc('b'), svc('c'), svc('d')]))).toEqual({
      a: 'p:10.9.0.7',
      b: 'p:10.1.0.5',
      c: 'p:10.1.0.6',
      d: '!no available IPs (no pool has a free ipv4 address for this Service)',
    });
  });

  it('skips .0 and .255 only with avoidBuggyIPs', () => {
    const c = config(addressPool('p').addresses('10.0.0.255-10.0.1.1').avoidBuggyIPs(true));
    expect(summary(allocate(c, [svc('a'), svc('b')]))).toEqual({
      a: 'p:10.0.1.1',
      b: '!no available IPs (no pool has a free ipv4 address for this Service)',
    });
    const plain = config(addressPool('p').addresses('10.0.0.255-10.0.1.1'));
    expect(summary(allocate(plain, [svc('a')]))).toEqual({ a: 'p:10.0.0.255' });
  });

  it('reuses addresses freed by removed Services', () => {
    const first = allocate(small(), [svc('a'), svc('b'), svc('c')]);
    const kept = applyPlan([svc('a'), svc('c')], first);
    expect(summary(allocate(small(), [...kept, svc('d')]))).toEqual({
      a: 'p:10.0.0.0',
      c: 'p:10.0.0.2',
      d: 'p:10.0.0.1',
    });
  });

  it('ignores Services that are not LoadBalancers', () => {
    const plan = allocate(small(), [
      svc('a', { spec: { type: 'ClusterIP' } }),
      svc('b', { spec: { type: 'NodePort' } }),
    ]);
    expect(plan.assignments).toEqual([]);
    expect(plan.unassigned).toEqual([]);
  });

  it('reports every Service when there is no pool', () => {
    expect(summary(allocate(metallbConfig().build(), [svc('a')]))).toEqual({
      a: '!no address pools configured',
    });
  });
});

describe('allocate: spec.loadBalancerClass', () => {
  const services = [
    svc('none'),
    svc('mine', { spec: { loadBalancerClass: 'metallb.io/metallb' } }),
    svc('other', { spec: { loadBalancerClass: 'example.com/lb' } }),
  ];

  it('handles only Services without a class by default', () => {
    expect(Object.keys(summary(allocate(small(), services)))).toEqual(['none']);
  });

  it('handles only its own class when MetalLB runs with --lb-class', () => {
    expect(
      Object.keys(summary(allocate(small(), services, { loadBalancerClass: 'metallb.io/metallb' }))),
    ).toEqual(['mine']);
  });
});

describe('allocate: requested addresses', () => {
  const two = () =>
    config(
      addressPool('a').addresses('10.0.0.0/30'),
      addressPool('b').addresses('10.1.0.0/30').autoAssign(false),
    );

  it('honours metallb.io/loadBalancerIPs, even from a pool without autoAssign', () => {
    expect(
      summary(allocate(two(), [svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '10.1.0.2' } })])),
    ).toEqual({ x: 'b:10.1.0.2' });
  });

  it('honours the deprecated metallb.universe.tf/loadBalancerIPs', () => {
    expect(
      summary(
        allocate(two(), [svc('x', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '10.0.0.3' } })]),
      ),
    ).toEqual({ x: 'a:10.0.0.3' });
  });

  it('prefers metallb.io/ over metallb.universe.tf/ when both are set', () => {
    const s = svc('x', {
      annotations: {
        'metallb.io/loadBalancerIPs': '10.0.0.1',
        'metallb.universe.tf/loadBalancerIPs': '10.0.0.2',
      },
    });
    expect(summary(allocate(two(), [s]))).toEqual({ x: 'a:10.0.0.1' });
  });

  it('honours spec.loadBalancerIP', () => {
    expect(summary(allocate(two(), [svc('x', { spec: { loadBalancerIP: '10.0.0.2' } })]))).toEqual({
      x: 'a:10.0.0.2',
    });
  });

  it('rejects both the annotation and spec.loadBalancerIP', () => {
    const plan = allocate(two(), [
      svc('x', {
        annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' },
        spec: { loadBalancerIP: '10.0.0.1' },
      }),
    ]);
    expect(summary(plan)).toEqual({
      x: '!service can not have both metallb.io/loadBalancerIPs and spec.loadBalancerIP: expected only the annotation',
    });
    expect(plan.diagnostics[0]).toMatchObject({
      resource: { kind: 'Service', namespace: 'default', name: 'x' },
      path: 'spec.loadBalancerIP',
    });
  });

  it('rejects addresses outside every pool', () => {
    expect(
      summary(allocate(two(), [svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.1' } })])),
    ).toEqual({
      x: '!requested loadBalancer IP(s) ["192.0.2.1"]: ["192.0.2.1"] is not allowed in config: no pool contains it',
    });
  });

  it('rejects malformed addresses with the annotation path', () => {
    const plan = allocate(two(), [
      svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1,nope' } }),
    ]);
    expect(plan.unassigned[0]?.reason).toBe(
      'invalid metallb.io/loadBalancerIPs "10.0.0.1,nope": expected IP addresses separated by commas',
    );
    expect(plan.diagnostics[0]?.path).toBe('metadata.annotations["metallb.io/loadBalancerIPs"]');
  });

  it('rejects a request that does not match the address pool annotation', () => {
    const s = svc('x', {
      annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1', 'metallb.io/address-pool': 'b' },
    });
    expect(summary(allocate(two(), [s]))).toEqual({
      x: '!requested loadBalancer IP(s) ["10.0.0.1"] is not compatible with requested address pool b',
    });
  });

  it('rejects a request of the wrong IP family', () => {
    const s = svc('x', {
      annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' },
      spec: { ipFamilies: ['IPv6'] },
    });
    expect(summary(allocate(two(), [s]))).toEqual({
      x: '!requested loadBalancer IP(s) ["10.0.0.1"] does not match the ipFamily of the service (ipv6)',
    });
  });

  it('rejects an address already taken without sharing', () => {
    const plan = allocate(two(), [
      svc('a', { ips: ['10.0.0.0'] }),
      svc('b', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.0' } }),
    ]);
    expect(summary(plan).b).toBe(
      '!requested loadBalancer IP(s) ["10.0.0.0"]: 10.0.0.0 is already used by default/a and cannot be shared: the existing Service does not allow sharing',
    );
  });

  it('gives requested addresses precedence over automatic allocation', () => {
    // "a" sorts first but only "z" asked for 10.0.0.0.
    const plan = allocate(two(), [
      svc('a'),
      svc('z', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.0' } }),
    ]);
    expect(summary(plan)).toEqual({ a: 'a:10.0.0.1', z: 'a:10.0.0.0' });
  });
});

describe('allocate: metallb.io/address-pool', () => {
  const pools = () =>
    config(
      addressPool('a').addresses('10.0.0.0/31'),
      addressPool('b').addresses('10.1.0.0/31').autoAssign(false),
    );

  it('allocates from the requested pool, autoAssign or not', () => {
    expect(
      summary(allocate(pools(), [svc('x', { annotations: { 'metallb.io/address-pool': 'b' } })])),
    ).toEqual({ x: 'b:10.1.0.0' });
    expect(
      summary(allocate(pools(), [svc('x', { annotations: { 'metallb.universe.tf/address-pool': 'b' } })])),
    ).toEqual({ x: 'b:10.1.0.0' });
  });

  it('reports an exhausted requested pool', () => {
    const services = ['x', 'y', 'z'].map((n) => svc(n, { annotations: { 'metallb.io/address-pool': 'b' } }));
    expect(summary(allocate(pools(), services)).z).toBe('!no available IPs in pool "b" for ipv4 IPFamily');
  });

  it('reports an unknown pool', () => {
    expect(
      summary(allocate(pools(), [svc('x', { annotations: { 'metallb.io/address-pool': 'c' } })])),
    ).toEqual({
      x: '!unknown pool "c": expected the name of an IPAddressPool',
    });
  });

  it('moves a Service whose current address is in another pool than the one it asks for', () => {
    const plan = allocate(pools(), [
      svc('x', { ips: ['10.0.0.0'], annotations: { 'metallb.io/address-pool': 'b' } }),
    ]);
    expect(summary(plan)).toEqual({ x: 'b:10.1.0.0' });
    expect(plan.diagnostics[0]).toMatchObject({
      severity: 'notice',
      message:
        'current address 10.0.0.0 is released: the Service asks for pool "b", not "a"; a new address will be assigned',
    });
  });

  it('refuses a pool whose serviceAllocation excludes the Service', () => {
    const c = config(addressPool('ns-only').addresses('10.0.0.0/30').namespaces('shop'));
    expect(
      summary(allocate(c, [svc('x', { annotations: { 'metallb.io/address-pool': 'ns-only' } })])),
    ).toEqual({
      x: '!pool "ns-only" is not compatible with this Service (its serviceAllocation namespaces or serviceSelectors exclude it)',
    });
  });
});

describe('allocate: priority and selectors', () => {
  it('tries pinned pools by priority (lower first, unset last), then open pools by name', () => {
    const c = config(
      addressPool('z-open').addresses('10.9.0.0/32'),
      addressPool('a-open').addresses('10.8.0.0/32'),
      addressPool('p5').addresses('10.5.0.0/32').namespaces('shop').priority(5),
      addressPool('p1').addresses('10.1.0.0/32').namespaces('shop').priority(1),
      addressPool('p-none').addresses('10.7.0.0/32').namespaces('shop'),
    );
    const services = ['s1', 's2', 's3', 's4', 's5', 's6'].map((n) => svc(n, { ns: 'shop' }));
    expect(summary(allocate(c, services))).toEqual({
      s1: 'p1:10.1.0.0',
      s2: 'p5:10.5.0.0',
      s3: 'p-none:10.7.0.0',
      s4: 'a-open:10.8.0.0',
      s5: 'z-open:10.9.0.0',
      s6: '!no available IPs (no pool has a free ipv4 address for this Service)',
    });
  });

  it('orders pools of equal priority by name', () => {
    const c = config(
      addressPool('b').addresses('10.2.0.0/32').namespaces('x').priority(1),
      addressPool('a').addresses('10.1.0.0/32').namespaces('x').priority(1),
    );
    expect(summary(allocate(c, [svc('s', { ns: 'x' })]))).toEqual({ s: 'a:10.1.0.0' });
  });

  it('keeps other namespaces out of namespace-pinned pools', () => {
    const c = config(
      addressPool('shop-only').addresses('10.1.0.0/32').namespaces('shop'),
      addressPool('open').addresses('10.2.0.0/32'),
    );
    expect(summary(allocate(c, [svc('s', { ns: 'other' })]))).toEqual({ s: 'open:10.2.0.0' });
  });

  it('matches namespaceSelectors against Namespace labels', () => {
    const c = config(
      addressPool('team')
        .addresses('10.1.0.0/32')
        .namespaceSelectors({ matchLabels: { team: 'web' } }),
      addressPool('open').addresses('10.2.0.0/32'),
    );
    const plan = allocate(c, [svc('s', { ns: 'shop' })], {
      namespaces: [{ name: 'shop', labels: { team: 'web' } }],
    });
    expect(summary(plan)).toEqual({ s: 'team:10.1.0.0' });
  });

  it('matches serviceSelectors against Service labels', () => {
    const c = config(
      addressPool('public')
        .addresses('10.1.0.0/32')
        .serviceSelectors({ matchLabels: { exposure: 'public' } }),
      addressPool('open').addresses('10.2.0.0/32'),
    );
    expect(summary(allocate(c, [svc('pub', { labels: { exposure: 'public' } }), svc('priv')]))).toEqual({
      priv: 'open:10.2.0.0',
      pub: 'public:10.1.0.0',
    });
  });

  it('never auto-assigns from a pool whose serviceAllocation selects nothing, and says so', () => {
    const c = config(addressPool('prio-only').addresses('10.1.0.0/32').priority(1));
    const plan = allocate(c, [svc('s')]);
    expect(summary(plan)).toEqual({
      s: '!no available IPs (no pool has a free ipv4 address for this Service)',
    });
    expect(plan.diagnostics[0]).toMatchObject({
      resource: { kind: 'IPAddressPool', name: 'prio-only' },
      message:
        'serviceAllocation names no namespace and no serviceSelectors: MetalLB never assigns from this pool automatically',
    });
  });
});

describe('allocate: sharing (metallb.io/allow-shared-ip)', () => {
  const share = (name: string, key: string, port: number, extra: Partial<SvcOptions> = {}) =>
    svc(name, {
      annotations: { 'metallb.io/allow-shared-ip': key },
      spec: { ports: [{ port, protocol: 'TCP' }] },
      ...extra,
    });

  it('puts Services with the same key and different ports on one address', () => {
    expect(summary(allocate(small(), [share('a', 'k', 80), share('b', 'k', 443)]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.0',
    });
  });

  it('shares across TCP and UDP on the same port', () => {
    const udp = svc('b', {
      annotations: { 'metallb.io/allow-shared-ip': 'dns' },
      spec: { ports: [{ port: 53, protocol: 'UDP' }] },
    });
    expect(summary(allocate(small(), [share('a', 'dns', 53), udp]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.0',
    });
  });

  it('does not share when ports clash', () => {
    expect(summary(allocate(small(), [share('a', 'k', 80), share('b', 'k', 80)]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.1',
    });
  });

  it('does not share between different keys', () => {
    expect(summary(allocate(small(), [share('a', 'k1', 80), share('b', 'k2', 443)]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.1',
    });
  });

  it('does not share with a Service without a key', () => {
    expect(summary(allocate(small(), [svc('a'), share('b', 'k', 443)]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.1',
    });
  });

  it('reads the deprecated metallb.universe.tf/allow-shared-ip', () => {
    const b = svc('b', {
      annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' },
      spec: { ports: [{ port: 443 }] },
    });
    expect(summary(allocate(small(), [share('a', 'k', 80), b]))).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.0',
    });
  });

  it('with externalTrafficPolicy Local, shares only between Services selecting the same pods', () => {
    const local = (name: string, port: number, app: string) =>
      share(name, 'k', port, {
        spec: { ports: [{ port }], externalTrafficPolicy: 'Local', selector: { app } },
      });
    expect(
      summary(allocate(small(), [local('a', 80, 'web'), local('b', 443, 'web'), local('c', 8080, 'api')])),
    ).toEqual({
      a: 'p:10.0.0.0',
      b: 'p:10.0.0.0',
      c: 'p:10.0.0.1',
    });
  });

  it('lets a requested address join a compatible shared address', () => {
    const b = svc('b', {
      annotations: { 'metallb.io/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
      spec: { ports: [{ port: 443 }] },
    });
    const a = share('a', 'k', 80, {
      annotations: { 'metallb.io/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
    });
    expect(summary(allocate(small(), [a, b]))).toEqual({ a: 'p:10.0.0.3', b: 'p:10.0.0.3' });
  });

  it('explains a sharing key mismatch on a requested address', () => {
    const a = share('a', 'k1', 80, {
      annotations: { 'metallb.io/allow-shared-ip': 'k1', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
    });
    const b = share('b', 'k2', 443, {
      annotations: { 'metallb.io/allow-shared-ip': 'k2', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
    });
    expect(summary(allocate(small(), [a, b])).b).toBe(
      '!requested loadBalancer IP(s) ["10.0.0.3"]: 10.0.0.3 is already used by default/a and cannot be shared: sharing key "k2" does not match existing sharing key "k1"',
    );
  });

  it('explains a port clash on a requested address', () => {
    const a = share('a', 'k', 80, {
      annotations: { 'metallb.io/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
    });
    const b = share('b', 'k', 80, {
      annotations: { 'metallb.io/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
    });
    expect(summary(allocate(small(), [a, b])).b).toBe(
      '!requested loadBalancer IP(s) ["10.0.0.3"]: port TCP/80 is already in use on 10.0.0.3 by default/a',
    );
  });

  it('explains a backend mismatch for externalTrafficPolicy Local', () => {
    const mk = (name: string, port: number, app: string) =>
      svc(name, {
        annotations: { 'metallb.io/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '10.0.0.3' },
        spec: { ports: [{ port }], externalTrafficPolicy: 'Local', selector: { app } },
      });
    expect(summary(allocate(small(), [mk('a', 80, 'web'), mk('b', 443, 'api')])).b).toBe(
      '!requested loadBalancer IP(s) ["10.0.0.3"]: 10.0.0.3 is already used by default/a and cannot be shared: externalTrafficPolicy Local needs the same pod selector: "app=api" does not match "app=web"',
    );
  });

  it('warns when an L2Advertisement with serviceSelectors selects a sharing Service', () => {
    const c = metallbConfig()
      .add(
        addressPool('p').addresses('10.0.0.0/30'),
        l2Advertisement('sel').serviceSelectors({ matchLabels: { l2: 'yes' } }),
      )
      .build();
    const plan = allocate(c, [share('a', 'k', 80, { labels: { l2: 'yes' } })]);
    expect(plan.diagnostics).toEqual([
      expect.objectContaining({
        path: 'metadata.annotations["metallb.io/allow-shared-ip"]',
        message:
          'L2Advertisement "sel" selects this Service with serviceSelectors, which cannot be combined with allow-shared-ip',
      }),
    ]);
  });
});

describe('allocate: existing assignments (status.loadBalancer.ingress)', () => {
  it('keeps a still-valid address, even when a lower one is free', () => {
    expect(summary(allocate(small(), [svc('a', { ips: ['10.0.0.3'] }), svc('b')]))).toEqual({
      a: 'p:10.0.0.3',
      b: 'p:10.0.0.0',
    });
  });

  it('re-allocates when the address left the config', () => {
    const plan = allocate(small(), [svc('a', { ips: ['10.9.9.9'] })]);
    expect(summary(plan)).toEqual({ a: 'p:10.0.0.0' });
    expect(plan.diagnostics[0]?.message).toBe(
      'current address 10.9.9.9 is released: not allowed by config: ["10.9.9.9"] is not allowed in config: no pool contains it; a new address will be assigned',
    );
  });

  it('re-allocates when the Service now requests another address', () => {
    expect(
      summary(
        allocate(small(), [
          svc('a', { ips: ['10.0.0.0'], annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.2' } }),
        ]),
      ),
    ).toEqual({
      a: 'p:10.0.0.2',
    });
  });

  it('keeps the address but reports an invalid request, as MetalLB does', () => {
    const plan = allocate(small(), [
      svc('a', { ips: ['10.0.0.1'], annotations: { 'metallb.io/loadBalancerIPs': 'bad' } }),
    ]);
    expect(summary(plan)).toEqual({ a: 'p:10.0.0.1' });
    expect(plan.diagnostics[0]).toMatchObject({
      severity: 'error',
      path: 'metadata.annotations["metallb.io/loadBalancerIPs"]',
    });
  });

  it('re-allocates when the address became a buggy IP', () => {
    const c = config(addressPool('p').addresses('10.0.0.0/30').avoidBuggyIPs(true));
    expect(summary(allocate(c, [svc('a', { ips: ['10.0.0.0'] })]))).toEqual({ a: 'p:10.0.0.1' });
  });

  it('gives a stale duplicate address to the first Service only', () => {
    expect(
      summary(allocate(small(), [svc('a', { ips: ['10.0.0.1'] }), svc('b', { ips: ['10.0.0.1'] })])),
    ).toEqual({
      a: 'p:10.0.0.1',
      b: 'p:10.0.0.0',
    });
  });

  it('writes the plan back as status and the ip-allocated-from-pool annotation', () => {
    const plan = allocate(small(), [svc('a')]);
    const [a] = applyPlan([svc('a')], plan);
    expect(a?.status).toEqual({ loadBalancer: { ingress: [{ ip: '10.0.0.0' }] } });
    expect(a?.metadata.annotations).toEqual({ 'metallb.io/ip-allocated-from-pool': 'p' });
  });
});

describe('allocate: IPv4/IPv6 dual stack', () => {
  const dual = () =>
    config(
      addressPool('v4').addresses('10.0.0.0/31'),
      addressPool('dual').addresses('10.1.0.0/31', 'fc00::/126'),
      addressPool('v6').addresses('fd00::/126'),
    );

  it('takes IPv6 for an IPv6 Service, from ipFamilies or clusterIPs', () => {
    expect(
      summary(
        allocate(dual(), [
          svc('a', { spec: { ipFamilies: ['IPv6'] } }),
          svc('b', { spec: { clusterIPs: ['fd99::1'] } }),
        ]),
      ),
    ).toEqual({
      a: 'dual:fc00::',
      b: 'dual:fc00::1',
    });
  });

  it('RequireDualStack takes both families from one pool, IPv4 listed first', () => {
    expect(
      summary(
        allocate(dual(), [
          svc('a', { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] } }),
        ]),
      ),
    ).toEqual({
      a: 'dual:10.1.0.0,fc00::',
    });
  });

  it('RequireDualStack fails without a pool offering both', () => {
    const c = config(addressPool('v4').addresses('10.0.0.0/31'), addressPool('v6').addresses('fd00::/126'));
    expect(summary(allocate(c, [svc('a', { spec: { ipFamilyPolicy: 'RequireDualStack' } })]))).toEqual({
      a: '!no available IPs (no pool has a free dual address for this Service)',
    });
  });

  it('PreferDualStack prefers a dual pool, else the primary family', () => {
    const c = config(addressPool('v4').addresses('10.0.0.0/31'), addressPool('v6').addresses('fd00::/126'));
    expect(
      summary(
        allocate(c, [
          svc('a', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] } }),
        ]),
      ),
    ).toEqual({ a: 'v6:fd00::' });
    expect(summary(allocate(dual(), [svc('a', { spec: { ipFamilyPolicy: 'PreferDualStack' } })]))).toEqual({
      a: 'dual:10.1.0.0,fc00::',
    });
  });

  it('PreferDualStack adds the missing family to a kept address from the same pool', () => {
    const plan = allocate(dual(), [
      svc('a', { ips: ['10.1.0.1'], spec: { ipFamilyPolicy: 'PreferDualStack' } }),
    ]);
    expect(summary(plan)).toEqual({ a: 'dual:10.1.0.1,fc00::' });
  });

  it('accepts a requested dual-stack pair', () => {
    const s = svc('a', {
      annotations: { 'metallb.io/loadBalancerIPs': 'fc00::3, 10.1.0.1' },
      spec: { ipFamilyPolicy: 'RequireDualStack' },
    });
    expect(summary(allocate(dual(), [s]))).toEqual({ a: 'dual:10.1.0.1,fc00::3' });
  });

  it('reports RequireDualStack with a single cluster IP', () => {
    const s = svc('a', { spec: { ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['10.96.0.1'] } });
    expect(summary(allocate(dual(), [s]))).toEqual({
      a: '!Service requires dual stack but not enough clusterIPs ["10.96.0.1"]',
    });
  });

  it('releases an address of the wrong family', () => {
    expect(
      summary(allocate(dual(), [svc('a', { ips: ['10.0.0.0'], spec: { ipFamilies: ['IPv6'] } })])),
    ).toEqual({ a: 'dual:fc00::' });
  });
});

describe('loadBalancerAddressFor', () => {
  it('returns the first address of a Service in the plan', () => {
    const plan = allocate(config(addressPool('d').addresses('10.1.0.0/31', 'fc00::/126')), [
      svc('gw', { ns: 'ambassador', spec: { ipFamilyPolicy: 'RequireDualStack' } }),
    ]);
    expect(loadBalancerAddressFor({ namespace: 'ambassador', name: 'gw' }, plan)).toBe('10.1.0.0');
    expect(loadBalancerAddressFor(svc('gw', { ns: 'ambassador' }), plan)).toBe('10.1.0.0');
    expect(loadBalancerAddressesFor({ namespace: 'ambassador', name: 'gw' }, plan)).toEqual([
      '10.1.0.0',
      'fc00::',
    ]);
    expect(loadBalancerAddressFor({ namespace: 'ambassador', name: 'other' }, plan)).toBeUndefined();
  });
});

describe('allocate: large pools', () => {
  it('allocates 10,000 Services over a /16 without repeating an address', () => {
    const c = config(addressPool('big').addresses('10.20.0.0/16').avoidBuggyIPs(true));
    const services = Array.from({ length: 10_000 }, (_, i) => svc(`s${String(i).padStart(5, '0')}`));
    const plan = allocate(c, services);
    expect(plan.unassigned).toEqual([]);
    const ips = plan.assignments.map((a) => a.ips[0]);
    expect(new Set(ips).size).toBe(10_000);
    expect(ips[0]).toBe('10.20.0.1');
    expect(ips[254]).toBe('10.20.1.1');
    expect(ips.some((ip) => ip?.endsWith('.0') || ip?.endsWith('.255'))).toBe(false);
  });

  it('allocates from a /64 by counting up from the network address', () => {
    const c = config(addressPool('v6').addresses('2001:db8:aa::/64'));
    const plan = allocate(
      c,
      Array.from({ length: 300 }, (_, i) =>
        svc(`s${String(i).padStart(3, '0')}`, { spec: { ipFamilies: ['IPv6'] } }),
      ),
    );
    expect(plan.assignments[299]?.ips).toEqual(['2001:db8:aa::12b']);
  });
});
