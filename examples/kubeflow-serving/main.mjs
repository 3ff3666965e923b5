// Kubeflow-style model serving. Each model is a Kubernetes Service whose
// getambassador.io/config annotation carries a POST-only Mapping that rewrites
// /models/<name>/ to the TF-Serving path /model/<name>/:predict. Models come and go while the
// gateway runs: every change recompiles and goes to gateway.apply(), an atomic reload.
//
//   pnpm start              walk through add mnist, add resnet, remove mnist; then exit
//   pnpm start -- --serve   keep serving afterwards (Ctrl-C to stop)
import { createServer } from 'node:http';
import { compile, loadObjects, resolveOverrides } from '@gateway/core';
import { createGateway } from '@gateway/proxy';

const NAMESPACE = 'kubeflow';

/** The Service Kubeflow's TF-Serving component creates for one model. */
function modelService(name) {
  const mapping = [
    '---',
    'apiVersion: ambassador/v0',
    'kind: Mapping',
    `name: tfserving-predict-${name}`,
    `prefix: /models/${name}/`,
    `rewrite: /model/${name}/:predict`,
    'method: POST',
    `service: ${name}.${NAMESPACE}:8500`,
    'timeout_ms: 30000',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE, annotations: { 'getambassador.io/config': mapping } },
    spec: { ports: [{ name: 'grpc-tf-serving', port: 8500 }], selector: { app: name } },
  };
}

/** A stand-in model server: answers POST /model/<name>/:predict with a fake prediction. */
async function startModelServer(name) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const ok = req.method === 'POST' && req.url === `/model/${name}/:predict`;
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? { model: name, path: req.url, predictions: [JSON.parse(body).instances.length] }
            : { error: req.url },
        ),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const models = new Map(); // name -> model server
const gateway = createGateway({ listen: { host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) } });

/** Recompiles the current set of model Services and reloads the running gateway. */
async function sync() {
  const { resources, diagnostics: loadDiags } = loadObjects([...models.keys()].map(modelService));
  const { ir, diagnostics } = compile(resources);
  for (const d of [...loadDiags, ...diagnostics]) if (d.severity === 'error') console.error(d.message);
  // Locally, <name>.kubeflow is the model server we started (in a cluster, cluster DNS).
  const addresses = Object.fromEntries(
    [...models].map(([name, server]) => [`${name}.${NAMESPACE}`, `127.0.0.1:${server.address().port}`]),
  );
  const result = await gateway.apply(resolveOverrides(ir, addresses));
  console.log(
    `apply: accepted=${result.accepted} models=[${[...models.keys()].join(',')}] routes=${countRoutes(ir)}`,
  );
}

function countRoutes(ir) {
  return ir.listeners[0]?.virtualHosts.reduce((n, vh) => n + vh.routes.length, 0) ?? 0;
}

async function addModel(name) {
  models.set(name, await startModelServer(name));
  await sync();
}

async function removeModel(name) {
  const server = models.get(name);
  models.delete(name);
  await sync();
  server?.close();
}

async function predict(name, method = 'POST') {
  const { port } = gateway.address();
  const res = await fetch(`http://127.0.0.1:${port}/models/${name}/`, {
    method,
    headers: { 'content-type': 'application/json' },
    body:
      method === 'POST'
        ? JSON.stringify({
            instances: [
              [0, 1],
              [1, 0],
            ],
          })
        : undefined,
  });
  console.log(
    `${method} /models/${name}/ -> ${res.status} ${res.status === 200 ? await res.text() : ''}`.trimEnd(),
  );
}

await sync(); // no models yet
await gateway.start();
console.log(`gateway listening on 127.0.0.1:${gateway.address().port}`);

await addModel('mnist');
await predict('mnist');
await predict('mnist', 'GET'); // POST-only: no route
await addModel('resnet');
await predict('resnet');
await removeModel('mnist');
await predict('mnist');
await predict('resnet');

if (process.argv.includes('--serve')) {
  console.log(
    `serving; try: curl -X POST -d '{"instances":[[1]]}' http://127.0.0.1:${gateway.address().port}/models/resnet/`,
  );
  process.once('SIGINT', () => gateway.close().then(() => process.exit(0)));
} else {
  await gateway.close();
  for (const server of models.values()) server.close();
}
