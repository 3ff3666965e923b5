// Child process of fanout.mjs: N raw Delta ADS clients (wildcard CDS and LDS, every
// ClusterLoadAssignment, one RouteConfiguration). Each ACKs every response. Reports to the parent
// over IPC.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const envoy = await import(pathToFileURL(join(root, 'packages', 'envoy', 'dist', 'index.js')).href);
const { createRequire } = await import('node:module');
const grpc = createRequire(join(root, 'packages', 'envoy', 'package.json'))('@grpc/grpc-js');

const [port, count, endpointsCsv, routeName] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4] ?? '',
  process.argv[5] ?? 'listener-8080',
];
const endpointNames = endpointsCsv.split(',').filter(Boolean);
const Req = envoy.envoyProtoRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
const Res = envoy.envoyProtoRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
const id = (b) => b;
const Ctor = grpc.makeGenericClientConstructor(
  {
    DeltaAggregatedResources: {
      path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
      requestStream: true,
      responseStream: true,
      requestSerialize: id,
      requestDeserialize: id,
      responseSerialize: id,
      responseDeserialize: id,
    },
  },
  'Ads',
);
const T = envoy.TYPE_URLS;
const stats = { responses: 0, resources: 0, bytes: 0, byType: {} };
let synced = 0;
const streams = [];

for (let i = 0; i < count; i++) {
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
  });
  const call = client.DeltaAggregatedResources();
  const send = (body) => call.write(Buffer.from(Req.encode(Req.fromObject(body)).finish()));
  let gotRoutes = false;
  call.on('data', (b) => {
    const m = Res.decode(b);
    stats.responses++;
    stats.resources += m.resources.length;
    stats.bytes += b.length;
    stats.byType[m.type_url] = (stats.byType[m.type_url] ?? 0) + m.resources.length;
    send({ type_url: m.type_url, response_nonce: m.nonce });
    if (m.type_url === T.route && !gotRoutes) {
      gotRoutes = true;
      if (++synced === count) process.send({ type: 'synced' });
    }
  });
  call.on('error', () => {});
  send({ type_url: T.cluster, node: { id: `envoy-${i}`, cluster: 'bench' } });
  send({ type_url: T.endpoint, resource_names_subscribe: endpointNames });
  send({ type_url: T.listener });
  send({ type_url: T.route, resource_names_subscribe: [routeName] });
  streams.push({ client, call });
}

process.on('message', (msg) => {
  if (msg.type === 'stats') process.send({ type: 'stats', stats: structuredClone(stats) });
  if (msg.type === 'exit') {
    for (const s of streams) {
      s.call.cancel();
      s.client.close();
    }
    process.exit(0);
  }
});
