// One gateway process for the auth benchmark: compiles the scenario config with the BUILT core,
// serves it with the BUILT proxy, and reports its port over IPC.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.GW_ROOT;
const core = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href);
const proxy = await import(pathToFileURL(join(root, 'packages', 'proxy', 'dist', 'index.js')).href);
const { originPort, jwks, redisUrl } = JSON.parse(process.env.GW_CONFIG);

const mapping = (name, prefix, extra = '') => `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: default, labels: {bench: ${name}}}
spec:
  prefix: ${prefix}
  service: origin:80
  rewrite: ""
${extra}
`;
const yaml = [
  mapping('plain', '/plain/'),
  mapping('jwt', '/jwt/'),
  mapping('local', '/local/', '  gateway_sdk: {rateLimit: {requestsPerUnit: 100000000, unit: second}}'),
  mapping('redis', '/redis/', '  gateway_sdk: {rateLimit: {requestsPerUnit: 100000000, unit: second}}'),
  `---
apiVersion: gateway.sdk/v1alpha1
kind: JwtProvider
metadata: {name: idp, namespace: default}
spec:
  issuer: https://issuer.bench
  audiences: [bench]
  jwks: '${JSON.stringify(jwks)}'
  selector: {names: [jwt]}
`,
].join('');
const { ir, diagnostics } = core.compileYaml(yaml);
const errors = diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) throw new Error(JSON.stringify(errors));
// The YAML surface has no `shared` yet; a program embedding the SDK sets it on the IR.
const withRedis = (r) =>
  r.name.includes('redis') && r.localRateLimit
    ? {
        ...r,
        localRateLimit: {
          ...r.localRateLimit,
          shared: { backend: 'redis', url: redisUrl, prefix: 'bench:' },
        },
      }
    : r;
const sealed = core.sealIR({
  ...ir,
  listeners: ir.listeners.map((l) => ({
    ...l,
    virtualHosts: l.virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.map(withRedis) })),
  })),
});
const gw = proxy.createGateway({
  ir: sealed,
  listen: { host: '127.0.0.1', port: 0 },
  resolve: { origin: `127.0.0.1:${originPort}` },
  accessLog: false,
  processMetrics: false,
});
await gw.start();
process.send({ port: gw.address().port });
process.on('message', async (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send({ cpuUs: u.user + u.system });
    return;
  }
  if (m === 'stop') {
    await gw.close({ drainTimeoutMs: 100 });
    process.exit(0);
  }
});
// Never outlive the benchmark driver.
process.on('disconnect', () => process.exit(0));
