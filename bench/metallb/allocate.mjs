// MetalLB allocation benchmark: plans LoadBalancer addresses for 10,000 Services over a /16
// and over pools made of many ranges, and records time and peak memory per scenario.
//
//   node bench/metallb/allocate.mjs            # all scenarios → bench/results/metallb.json
//   node bench/metallb/allocate.mjs <scenario> # one scenario (prints its JSON), used internally
//
// Each scenario runs in its own Node process so peak RSS and heap belong to it alone.
// Needs the built package: (cd packages/metallb && npx tsup).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const RUNS = 5;
const SERVICES = 10_000;

function service(i, extra = {}) {
  const { spec = {}, annotations, ips } = extra;
  const s = {
    metadata: { name: `svc-${String(i).padStart(5, '0')}`, namespace: `ns-${i % 50}` },
    spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }], ...spec },
  };
  if (annotations) s.metadata.annotations = annotations;
  if (ips) s.status = { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } };
  return s;
}

function config(m, pools) {
  return m
    .metallbConfig()
    .add(...pools, m.l2Advertisement('all'))
    .build();
}

/** Each scenario returns { config, services, check(plan) } built from the package `m`. */
const scenarios = {
  'slash16-10k': (m) => ({
    description: '10,000 Services, one /16 pool',
    config: config(m, [m.addressPool('big').addresses('10.20.0.0/16')]),
    services: Array.from({ length: SERVICES }, (_, i) => service(i)),
  }),
  'slash16-10k-avoid-buggy': (m) => ({
    description: '10,000 Services, one /16 pool with avoidBuggyIPs',
    config: config(m, [m.addressPool('big').addresses('10.20.0.0/16').avoidBuggyIPs(true)]),
    services: Array.from({ length: SERVICES }, (_, i) => service(i)),
  }),
  'ranges-10k': (m) => ({
    description:
      '10,000 Services, 16 namespace-pinned pools of unaligned ranges (592 CIDRs after summarising), 4 priorities',
    config: config(
      m,
      Array.from({ length: 16 }, (_, p) =>
        m
          .addressPool(`range-${p}`)
          .addresses(
            `10.${30 + p}.0.7-10.${30 + p}.1.243`,
            `10.${30 + p}.2.3-10.${30 + p}.2.200`,
            `10.${30 + p}.4.1-10.${30 + p}.6.254`,
          )
          .namespaces(...Array.from({ length: 50 }, (_, n) => `ns-${n}`))
          .priority((p % 4) + 1),
      ),
    ),
    services: Array.from({ length: SERVICES }, (_, i) => service(i)),
  }),
  'replan-10k-stable': (m) => {
    // Every Service already holds an address (status), 100 were deleted and 100 are new.
    const cfg = config(m, [m.addressPool('big').addresses('10.20.0.0/16')]);
    const first = m.allocate(
      cfg,
      Array.from({ length: SERVICES }, (_, i) => service(i)),
    );
    const held = m
      .applyPlan(
        Array.from({ length: SERVICES }, (_, i) => service(i)),
        first,
      )
      .filter((_, i) => i % 100 !== 7);
    return {
      description: 'Re-plan of 10,000 Services that keep their addresses (100 removed, 100 added)',
      config: cfg,
      services: [...held, ...Array.from({ length: 100 }, (_, i) => service(SERVICES + i))],
    };
  },
  'shared-10k': (m) => ({
    description: '10,000 Services sharing addresses: 100 sharing keys, distinct ports per key',
    config: config(m, [m.addressPool('big').addresses('10.20.0.0/16')]),
    services: Array.from({ length: SERVICES }, (_, i) =>
      service(i, {
        annotations: { 'metallb.io/allow-shared-ip': `key-${i % 100}` },
        spec: { ports: [{ port: 1000 + Math.floor(i / 100), protocol: 'TCP' }] },
      }),
    ),
  }),
  'ipv6-slash64-10k': (m) => ({
    description: '10,000 IPv6 Services, one /64 pool',
    config: config(m, [m.addressPool('v6').addresses('2001:db8:100::/64')]),
    services: Array.from({ length: SERVICES }, (_, i) => service(i, { spec: { ipFamilies: ['IPv6'] } })),
  }),
  'dualstack-10k': (m) => ({
    description: '10,000 RequireDualStack Services, one /16 + /112 pool',
    config: config(m, [m.addressPool('dual').addresses('10.20.0.0/16', 'fd00:20::/112')]),
    services: Array.from({ length: SERVICES }, (_, i) =>
      service(i, { spec: { ipFamilyPolicy: 'RequireDualStack' } }),
    ),
  }),
};

async function runScenario(name) {
  const m = await import(join(root, 'packages', 'metallb', 'dist', 'index.js'));
  const s = scenarios[name](m);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const times = [];
  let plan;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    plan = m.allocate(s.config, s.services);
    times.push(performance.now() - t0);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  times.sort((a, b) => a - b);
  const ips = new Set(plan.assignments.flatMap((a) => a.ips));
  return {
    scenario: name,
    description: s.description,
    services: s.services.length,
    assigned: plan.assignments.length,
    unassigned: plan.unassigned.length,
    distinctAddresses: ips.size,
    runs: RUNS,
    msMin: Number(times[0].toFixed(1)),
    msMedian: Number(times[Math.floor(times.length / 2)].toFixed(1)),
    usPerServiceMedian: Number(((times[Math.floor(times.length / 2)] * 1000) / s.services.length).toFixed(2)),
    heapGrowthMB: Number(((peakHeap - heapBefore) / 2 ** 20).toFixed(1)),
    peakRssMB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  };
}

const only = process.argv[2];
if (only) {
  process.stdout.write(`${JSON.stringify(await runScenario(only))}\n`);
} else {
  const results = [];
  for (const name of Object.keys(scenarios)) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), name], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out);
    results.push(r);
    console.log(
      `${name.padEnd(26)} median ${String(r.msMedian).padStart(8)} ms  ${String(r.usPerServiceMedian).padStart(6)} µs/svc  peak RSS ${r.peakRssMB} MB`,
    );
  }
  const report = {
    benchmark: 'metallb-allocate',
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      shared: true,
    },
    results,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'metallb.json'), `${JSON.stringify(report, null, 2)}\n`);
}
