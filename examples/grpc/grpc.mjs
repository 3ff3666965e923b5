// gRPC routing by service and method, two ways from one gateway.yaml:
//   1. through the in-process proxy (h2c on a local port), with a plain grpc-js client;
//   2. through the ADS server, to a gRPC xDS client (`xds:///grpc.example`) that routes by itself.
// Run with `npx -y pnpm@10 --filter @gateway-examples/grpc start` after `npx -y pnpm@10 build`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileYaml, resolveOverrides } from '@gateway/core';
import { AdsServer } from '@gateway/envoy';
import { createGateway } from '@gateway/proxy';
import * as grpc from '@grpc/grpc-js';
import { register as registerXds } from '@grpc/grpc-js-xds';
import * as protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
const HOST = 'grpc.example';
const demo = grpc.loadPackageDefinition(
  protoLoader.loadSync(join(here, 'demo.proto'), { keepCase: true }),
).demo;

/** The calls the example makes, and the backend each must reach. */
export const CALLS = [
  { service: 'Greeter', method: 'SayHello', expect: 'greeter' },
  { service: 'Greeter', method: 'SayGoodbye', expect: 'farewell' },
  { service: 'Billing', method: 'Charge', expect: 'billing' },
];

/** A backend that implements both services and says who it is. */
async function startBackend(name) {
  const server = new grpc.Server();
  const answer = (call, cb) =>
    cb(null, { backend: name, method: call.getPath(), message: `hello ${call.request.name}` });
  server.addService(demo.Greeter.service, { SayHello: answer, SayGoodbye: answer });
  server.addService(demo.Billing.service, { Charge: answer });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { name, port, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

function unary(client, method, timeoutMs = 10_000) {
  return new Promise((resolve, reject) =>
    client[method]({ name: 'example' }, { deadline: Date.now() + timeoutMs }, (err, reply) =>
      err ? reject(err) : resolve(reply),
    ),
  );
}

/** Calls every entry of CALLS with clients made by `clientFor(service)`. */
async function callAll(clientFor, log, via) {
  const results = [];
  for (const c of CALLS) {
    const reply = await unary(clientFor(c.service), c.method);
    log(`${via.padEnd(6)} demo.${c.service}/${c.method} -> ${reply.backend}`);
    results.push({ via, call: `${c.service}/${c.method}`, backend: reply.backend, method: reply.method });
  }
  return results;
}

/**
 * Runs both paths and returns who answered each call.
 *
 * @param {{ log?: (line: string) => void; port?: number; adsPort?: number }} [options]
 */
export async function runGrpcExample(options = {}) {
  const log = options.log ?? ((line) => console.log(line));
  const backends = await Promise.all(['greeter', 'farewell', 'billing'].map(startBackend));
  const resolve = Object.fromEntries(backends.map((b) => [b.name, `127.0.0.1:${b.port}`]));
  const { ir, diagnostics } = compileYaml(readFileSync(join(here, 'gateway.yaml'), 'utf8'), {
    file: 'gateway.yaml',
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('; '));

  const cleanup = [];
  try {
    // 1. The in-process proxy: clients connect to its port and name the host as :authority.
    const gateway = createGateway({ ir, listen: { host: '127.0.0.1', port: options.port ?? 0 }, resolve });
    cleanup.push(() => gateway.close({ drainTimeoutMs: 500 }));
    await gateway.start();
    const proxyAddress = `127.0.0.1:${gateway.address().port}`;
    log(`proxy on ${proxyAddress}`);
    const viaProxy = await callAll(
      (service) => {
        const client = new demo[service](proxyAddress, grpc.credentials.createInsecure(), {
          'grpc.default_authority': HOST,
        });
        cleanup.push(() => client.close());
        return client;
      },
      log,
      'proxy',
    );

    // 2. The ADS server: the same IR, with the backends' addresses as static endpoints; the gRPC
    // client fetches listeners, routes and clusters over xDS and calls the backends directly.
    registerXds();
    const ads = new AdsServer({ logger: { info() {}, warn: (m) => log(m), error: (m) => log(m) } });
    cleanup.push(() => ads.close());
    ads.on('nack', (e) => log(`xds: NACK from ${e.nodeId} for ${e.kind}: ${e.message}`));
    const applied = await ads.apply(resolveOverrides(ir, resolve));
    if (!applied.accepted) throw new Error(applied.diagnostics.map((d) => d.message).join('; '));
    const { port: adsPort } = await ads.listen(`127.0.0.1:${options.adsPort ?? 0}`);
    log(`ADS server on 127.0.0.1:${adsPort}, version ${applied.version}`);
    const bootstrap = JSON.stringify({
      xds_servers: [
        {
          server_uri: `127.0.0.1:${adsPort}`,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: { id: 'grpc-example', locality: {} },
    });
    const viaXds = await callAll(
      (service) => {
        // Production clients read GRPC_XDS_BOOTSTRAP; the inline option keeps the example self-contained.
        const client = new demo[service](`xds:///${HOST}`, grpc.credentials.createInsecure(), {
          'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap,
        });
        cleanup.push(() => client.close());
        return client;
      },
      log,
      'xds',
    );
    return [...viaProxy, ...viaXds];
  } finally {
    for (const c of cleanup.reverse()) await c();
    await Promise.all(backends.map((b) => b.close()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runGrpcExample().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
