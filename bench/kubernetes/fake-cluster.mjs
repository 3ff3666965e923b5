// Child process: a loopback fake Kubernetes API server holding a synthetic cluster, driven over
// IPC by run.mjs (so the controller's process measures only the controller).
import { FakeApiServer } from '../../packages/kubernetes/dist/index.js';

const SERVICES = Number(process.env.SERVICES ?? 5000);
const SLICES_PER_SERVICE = Number(process.env.SLICES_PER_SERVICE ?? 4);
const NAMESPACES = 20;

export function service(i, prefix = `/svc-${i}/`) {
  const ns = `team-${i % NAMESPACES}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `svc-${i}`,
      namespace: ns,
      labels: { app: `svc-${i}` },
      annotations: {
        'getambassador.io/config': `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nname: svc-${i}\nhostname: "*"\nprefix: ${prefix}\nservice: svc-${i}.${ns}:80\ntimeout_ms: 5000\n`,
      },
    },
    spec: { selector: { app: `svc-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

export function slice(i, s, generation = 0) {
  const ns = `team-${i % NAMESPACES}`;
  const base = (i * SLICES_PER_SERVICE + s) * 2;
  const ip = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `svc-${i}-${s}`, namespace: ns, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: [ip(base + generation * 7919)], conditions: { ready: true }, zone: `zone-${s % 3}` },
      { addresses: [ip(base + 1)], conditions: { ready: true }, zone: `zone-${s % 3}` },
    ],
  };
}

const objects = [];
for (let i = 0; i < SERVICES; i++) {
  objects.push(service(i));
  for (let s = 0; s < SLICES_PER_SERVICE; s++) objects.push(slice(i, s));
}
const api = new FakeApiServer({ objects });
objects.length = 0;
await api.listen();
// History of the initial objects is not needed by anyone: keep the child small.
api.compact();
process.send({ ready: true, url: api.url, services: SERVICES, slices: SERVICES * SLICES_PER_SERVICE });

process.on('message', (msg) => {
  try {
    if (msg.op === 'service') api.apply(service(msg.i, msg.prefix));
    else if (msg.op === 'slice') api.apply(slice(msg.i, msg.s, msg.generation));
    else if (msg.op === 'host')
      api.apply({
        apiVersion: 'getambassador.io/v3alpha1',
        kind: 'Host',
        metadata: { name: 'bench', namespace: 'default' },
        spec: { hostname: msg.hostname },
      });
    else if (msg.op === 'close') {
      api.close().then(() => process.exit(0));
      return;
    }
    process.send({ id: msg.id, rv: api.resourceVersion });
  } catch (err) {
    process.send({ id: msg.id, error: String(err) });
  }
});
