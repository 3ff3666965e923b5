// Bare metal: no cloud load balancer, so MetalLB hands out addresses from a pool on the LAN.
// Routes are written with the typed builders and compiled once; the Kubernetes adapter renders
// the Ingress and the Services (the front one a LoadBalancer bound to the MetalLB pool), the
// MetalLB adapter renders the pool and its L2 advertisement, and the allocator shows which
// address the LoadBalancer Service gets, exactly as MetalLB's controller would choose it.
//
//   pnpm start > bare-metal.yaml      (the address goes to stderr; kubectl apply -f the YAML)
import { compile, formatDiagnostic, mapping } from '@gateway/core';
import { emitIngress, emitServices, toYamlDocuments } from '@gateway/kubernetes';
import {
  addressPool,
  allocate,
  applyPlan,
  emitCRDs,
  l2Advertisement,
  loadBalancerAddressFor,
  metallbConfig,
  validateMetalLB,
} from '@gateway/metallb';

const metallb = metallbConfig()
  .add(addressPool('lan').addresses('192.168.1.240/28').avoidBuggyIPs(true))
  .add(l2Advertisement('lan').ipAddressPools('lan'))
  .build();

const { ir, diagnostics } = compile([
  mapping('web').namespace('shop').prefix('/').service('web.shop:8080').build(),
  mapping('api')
    .namespace('shop')
    .prefix('/api/')
    .rewrite('/')
    .service('api.shop:9000')
    .timeoutMs(5000)
    .build(),
]);

const ingress = emitIngress(ir, { ingressClassName: 'gateway', serviceNamespaces: ['shop'] });
const services = emitServices(ir, {
  serviceNamespaces: ['shop'],
  services: { 'shop/web': { type: 'LoadBalancer', metallb: { addressPool: 'lan' } } },
});

const problems = [
  ...diagnostics,
  ...ingress.diagnostics,
  ...services.diagnostics,
  ...validateMetalLB(metallb),
];
// Errors, and warnings about what a target can't express (Ingress has no path rewrite).
for (const d of problems) if (d.severity !== 'notice') console.error(`${d.severity}: ${formatDiagnostic(d)}`);

// What MetalLB's controller would assign; written into status.loadBalancer.ingress.
const plan = allocate(metallb, services.objects);
const allocated = applyPlan(services.objects, plan);
const web = { namespace: 'shop', name: 'web' };
console.error(`LoadBalancer shop/web -> ${loadBalancerAddressFor(web, plan) ?? 'no address'} (pool lan)`);
for (const u of plan.unassigned)
  console.error(`unassigned ${u.service.namespace}/${u.service.name}: ${u.reason}`);

process.stdout.write(`# MetalLB\n${emitCRDs(metallb)}`);
process.stdout.write(`# Services\n${toYamlDocuments(allocated)}`);
process.stdout.write(`# Ingress\n${toYamlDocuments(ingress.objects)}`);
process.exitCode = problems.some((d) => d.severity === 'error') ? 1 : 0;
