// One proxy under test, in its own process. VARIANT: gateway | gateway-request | gateway-dispatch |
// gateway-workers | http-proxy | fastify.
// Imports the BUILT @gateway packages from packages/*/dist.
import cluster from 'node:cluster';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.GW_ROOT;
const variant = process.env.VARIANT;
const originPort = Number(process.env.ORIGIN_PORT);
const port = Number(process.env.PORT ?? 0);
const routeCount = Number(process.env.ROUTES ?? 10);
// prefix (default): radix-indexed, lookup cost flat in the table size. regex: RE2 routes the index
// cannot narrow, matched one by one: a CPU-bound gateway for the --workers scaling run.
const routeKind = process.env.ROUTE_KIND ?? 'prefix';
const benchRequire = createRequire(join(root, 'bench', 'package.json'));

function ready(extra = {}) {
  process.send?.({ port: listenPort, ...extra });
}
let listenPort = port;

function gatewayIR(core) {
  const cluster = {
    name: 'origin',
    service: 'origin:80',
    discovery: {
      kind: 'static',
      endpoints: [{ address: '127.0.0.1', port: originPort, weight: 1, zone: '', health: 'unknown' }],
    },
    protocol: 'http1',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 2000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [
      {
        priority: 'default',
        maxConnections: 100_000,
        maxPendingRequests: 100_000,
        maxRequests: 100_000,
        maxRetries: 3,
      },
    ],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: 'origin',
  };
  const routes = [];
  for (let i = 0; i < routeCount; i++) {
    routes.push({
      name: `default/svc-${i}`,
      group: `g${i}`,
      sources: [{ kind: 'Mapping', namespace: 'default', name: `svc-${i}` }],
      match: {
        path:
          routeKind === 'regex'
            ? { kind: 'regex', value: `/svc/${i}/[a-z0-9/]*` }
            : { kind: 'prefix', value: `/svc/${i}/` },
        caseSensitive: true,
        headers: [],
        queryParams: [],
      },
      action: {
        kind: 'forward',
        clusters: [{ cluster: 'origin', weight: 100 }],
        autoHostRewrite: false,
        timeoutMs: Number(process.env.TMO ?? 15000),
        idleTimeoutMs: 0,
        mirrors: [],
        upgrades: [],
        grpc: false,
        priority: 'default',
      },
      requestHeaders: { add: [], remove: [] },
      responseHeaders: { add: [], remove: [] },
      auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
      rateLimits: [],
      authorizationPolicies: [],
      statsName: `svc_${i}`,
    });
  }
  return core.createIR({
    listeners: [
      {
        name: 'listener-8080',
        address: '127.0.0.1',
        port,
        protocol: 'http',
        securityModel: 'XFP',
        statsPrefix: 'ingress-http',
        virtualHosts: [{ name: 'listener-8080/*', domains: ['*'], insecure: 'route', routes }],
        tls: [],
      },
    ],
    clusters: [cluster],
  });
}

if (
  variant === 'gateway' ||
  variant === 'gateway-workers' ||
  variant === 'gateway-dispatch' ||
  variant === 'gateway-request'
) {
  const core = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href);
  const proxy = await import(pathToFileURL(join(root, 'packages', 'proxy', 'dist', 'index.js')).href);
  const options = () => ({ listen: { host: '127.0.0.1', port }, accessLog: false, processMetrics: false });
  if (variant === 'gateway' || variant === 'gateway-dispatch' || variant === 'gateway-request') {
    global.gc?.();
    const before = process.memoryUsage();
    const ir = gatewayIR(core);
    let clusterManager;
    if (variant === 'gateway-dispatch') {
      const { createDispatchClusterManager } = await import('./dispatch-cm.mjs');
      clusterManager = createDispatchClusterManager(
        createRequire(join(root, 'packages', 'proxy', 'package.json'))('undici'),
      );
    } else if (variant === 'gateway-request') {
      // The shipped cluster manager with `dispatch` hidden: the gateway falls back to the
      // promise/Readable `request` path (what it used before `dispatch` existed upstream).
      const real = proxy.createClusterManager();
      clusterManager = {
        update: (ir) => real.update(ir),
        request: (c, req, policy) => real.request(c, req, policy),
        pick: (c, key) => real.pick(c, key),
        stats: () => real.stats(),
        on: (event, fn) => real.on(event, fn),
        diagnostics: () => real.diagnostics?.() ?? [],
        close: () => real.close(),
      };
    }
    const gw = proxy.createGateway({ ...options(), ir, ...(clusterManager ? { clusterManager } : {}) });
    await gw.start();
    global.gc?.();
    const after = process.memoryUsage();
    listenPort = gw.address().port;
    ready({
      memory: {
        rssBefore: before.rss,
        rssAfter: after.rss,
        heapBefore: before.heapUsed,
        heapAfter: after.heapUsed,
      },
    });
  } else {
    const workers = Number(process.env.WORKERS ?? 2);
    const handle = await proxy.runWorkers({
      workers,
      load: async () => ({ ir: gatewayIR(core), diagnostics: [] }),
      gatewayOptions: options,
    });
    if (cluster.isPrimary) {
      await handle.ready();
      ready();
      process.on('message', async (m) => {
        if (m === 'stop') {
          await handle.shutdown();
          process.exit(0);
        }
      });
    }
  }
} else if (variant === 'http-proxy') {
  const httpProxy = benchRequire('http-proxy');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${originPort}`, agent });
  proxy.on('error', (_err, _req, res) => {
    res.writeHead?.(502);
    res.end?.();
  });
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => {
    listenPort = server.address().port;
    ready();
  });
} else if (variant === 'fastify') {
  const Fastify = benchRequire('fastify');
  const httpProxy = benchRequire('@fastify/http-proxy');
  const app = Fastify({ logger: false });
  await app.register(httpProxy, { upstream: `http://127.0.0.1:${originPort}`, prefix: '/', http: undefined });
  await app.listen({ host: '127.0.0.1', port });
  listenPort = app.server.address().port;
  ready();
} else {
  throw new Error(`unknown VARIANT ${variant}`);
}

if (variant !== 'gateway-workers') {
  process.on('message', (m) => {
    if (m === 'stop') process.exit(0);
  });
}
