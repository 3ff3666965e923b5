// Serves the annotated Service in service.yaml with the in-process gateway. No internet needed:
// `resolve` points httpbin.org at a small local server that answers like httpbin's /anything.
//
//   pnpm start                 serve on 127.0.0.1:8080 until Ctrl-C
//   pnpm start -- --once       send one request through the gateway, print it, exit
//   PORT=0 pnpm start          any free port
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { compileYaml, formatDiagnostic } from '@gateway/core';
import { createGateway } from '@gateway/proxy';

const once = process.argv.includes('--once');
const port = Number(process.env.PORT ?? 8080);

// A stand-in for httpbin.org: echoes the method, path and Host header it received as JSON.
const httpbin = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host }));
});
await new Promise((resolve) => httpbin.listen(0, '127.0.0.1', resolve));
const upstream = `127.0.0.1:${httpbin.address().port}`;

const text = readFileSync(new URL('./service.yaml', import.meta.url), 'utf8');
const { ir, diagnostics } = compileYaml(text, { file: 'service.yaml' });
// Warnings (the v0 format is converted, `httpbin_mapping` is not a DNS name) don't stop it.
for (const d of diagnostics)
  if (d.severity !== 'notice') console.error(`${d.severity}: ${formatDiagnostic(d)}`);

const gateway = createGateway({
  ir,
  listen: { host: '127.0.0.1', port },
  resolve: { 'httpbin.org': upstream },
});
await gateway.start();
const { port: bound } = gateway.address();
const url = `http://127.0.0.1:${bound}/httpbin/get`;
console.log(`gateway listening on 127.0.0.1:${bound}; httpbin.org -> ${upstream}`);

if (once) {
  const response = await fetch(url);
  console.log(`GET /httpbin/get -> ${response.status} ${await response.text()}`);
  await gateway.close();
  httpbin.close();
} else {
  console.log(`try: curl ${url}`);
  process.once('SIGINT', async () => {
    await gateway.close();
    httpbin.close();
  });
}
