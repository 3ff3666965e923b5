// Fan-out benchmark (prints one JSON line): one ADS server, N Delta clients in a child process.
// A one-route change is published CHANGES times; for each we time from publishing the snapshot
// until every client has ACKed the new RouteConfiguration (server-side 'ack' events), and count
// what travelled. Also: server memory per connected client.
//   node --expose-gc bench/xds/fanout.mjs [clients] [routes] [vhosts] [listener|domain]
// `listener`: clients subscribe like Envoy to the listener's whole RouteConfiguration.
// `domain`: clients subscribe to the per-domain RouteConfiguration `grpc/svc-3.example.com`
// (how gRPC xDS clients subscribe), which holds the changed route.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchIR } from './ir.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const envoy = await import(pathToFileURL(join(root, 'packages', 'envoy', 'dist', 'index.js')).href);

const CLIENTS = Number(process.argv[2] ?? 100);
const ROUTES = Number(process.argv[3] ?? 1000);
const VHOSTS = Number(process.argv[4] ?? 10);
const MODE = process.argv[5] ?? 'listener';
const ROUTE_NAME = MODE === 'domain' ? 'grpc/svc-3.example.com' : 'listener-8080';
const CHANGES = 20;
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

const server = new envoy.AdsServer({
  logger: { info() {}, warn() {}, error: (m) => process.stderr.write(`${m}\n`) },
});
const { port } = await server.listen('127.0.0.1:0');
const base = benchIR({ routes: ROUTES, vhosts: VHOSTS });
await server.apply(base);
const endpointNames = base.clusters.map((c) => c.name);

gc();
await new Promise((r) => setTimeout(r, 200));
gc();
const memBefore = process.memoryUsage();

const child = fork(
  join(here, 'fanout-clients.mjs'),
  [String(port), String(CLIENTS), endpointNames.join(','), ROUTE_NAME],
  { stdio: 'inherit' },
);
const fromChild = (type) =>
  new Promise((resolve) =>
    child.on('message', function on(m) {
      if (m.type === type) {
        child.off('message', on);
        resolve(m);
      }
    }),
  );
await fromChild('synced');
await new Promise((r) => setTimeout(r, 500));
gc();
const memAfter = process.memoryUsage();
const perClient = {
  heapBytes: Math.round((memAfter.heapUsed - memBefore.heapUsed) / CLIENTS),
  externalBytes: Math.round(
    (memAfter.external + memAfter.arrayBuffers - memBefore.external - memBefore.arrayBuffers) / CLIENTS,
  ),
  rssBytes: Math.round((memAfter.rss - memBefore.rss) / CLIENTS),
};

const latencies = [];
const allAcked = [];
const pushMs = [];
const buildMs = [];
const sentPerChange = [];
const bytesPerChange = [];
for (let i = 1; i <= CHANGES; i++) {
  const ir = benchIR({
    routes: ROUTES,
    vhosts: VHOSTS,
    changeRoute: i % 2 === 1 ? 3 : 3 + VHOSTS,
    version: `change-${i}`,
  });
  const b0 = performance.now();
  const { snapshot } = envoy.snapshotFromIR(ir);
  buildMs.push(performance.now() - b0);
  const target = snapshot.types.route.version;
  const acked = new Set();
  const metricsBefore = server.metrics();
  const done = new Promise((resolve) => {
    const on = (e) => {
      if (e.kind !== 'route' || e.version !== target || acked.has(e.nodeId)) return;
      acked.add(e.nodeId);
      latencies.push(performance.now() - t0);
      if (acked.size === CLIENTS) {
        server.off('ack', on);
        resolve();
      }
    };
    server.on('ack', on);
  });
  const t0 = performance.now();
  server.setSnapshot('default', snapshot);
  pushMs.push(performance.now() - t0);
  await done;
  allAcked.push(performance.now() - t0);
  const m = server.metrics();
  sentPerChange.push(m.resourcesSent - metricsBefore.resourcesSent);
  bytesPerChange.push(m.bytesSent - metricsBefore.bytesSent);
  await new Promise((r) => setTimeout(r, 50));
}

child.send({ type: 'exit' });
await server.close();
const routeConfigBytes = envoy.snapshotFromIR(base).snapshot.types.route.items.get(ROUTE_NAME).any.length;
process.stdout.write(
  `${JSON.stringify({
    clients: CLIENTS,
    subscription: MODE,
    routeConfiguration: ROUTE_NAME,
    routes: ROUTES,
    vhosts: VHOSTS,
    changes: CHANGES,
    routeConfigBytes,
    ackLatencyMs: {
      p50: +pct(latencies, 50).toFixed(1),
      p99: +pct(latencies, 99).toFixed(1),
      max: +Math.max(...latencies).toFixed(1),
    },
    allAckedMs: {
      p50: +pct(allAcked, 50).toFixed(1),
      p99: +pct(allAcked, 99).toFixed(1),
      max: +Math.max(...allAcked).toFixed(1),
    },
    // Server side only: publishing the snapshot and writing every client's response.
    pushMs: { p50: +pct(pushMs, 50).toFixed(1), max: +Math.max(...pushMs).toFixed(1) },
    snapshotBuildMs: { p50: +pct(buildMs, 50).toFixed(1), max: +Math.max(...buildMs).toFixed(1) },
    resourcesSentPerChange: { min: Math.min(...sentPerChange), max: Math.max(...sentPerChange) },
    bytesSentPerChange: Math.round(bytesPerChange.reduce((a, b) => a + b, 0) / bytesPerChange.length),
    serverMemoryPerClient: perClient,
  })}\n`,
);
process.exit(0);
