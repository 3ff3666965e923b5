// Shifting a canary from 0% to 100% in steps: typed builders -> compile -> gateway.apply(), with
// live counts of who answered at each step. Run with `npx -y pnpm@10 --filter @gateway-examples/canary start`
// after `npx -y pnpm@10 build`.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { compile, mapping } from '@gateway/core';
import { createGateway } from '@gateway/proxy';

/** A tiny upstream that says which version answered. */
function upstream(version) {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ version, path: req.url }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The routes at one step: `quote` (v1) takes what the `quote-v2` canary does not. */
export function routesAt(canaryPercent) {
  return [
    mapping('quote').prefix('/backend/').service('quote').build(),
    mapping('quote-canary').prefix('/backend/').service('quote-v2').weight(canaryPercent).build(),
  ];
}

/**
 * Runs the rollout. Each step compiles the routes, applies them atomically (in-flight requests
 * finish on the old config), sends `requestsPerStep` requests and reports who answered.
 *
 * @param {{ steps?: number[]; requestsPerStep?: number; port?: number; adminPort?: number; log?: (line: string) => void }} [options]
 * @returns {Promise<Array<{ percent: number; version: string; v1: number; v2: number }>>}
 */
export async function rollout(options = {}) {
  const steps = options.steps ?? [0, 10, 25, 50, 75, 100];
  const requestsPerStep = options.requestsPerStep ?? 200;
  const log = options.log ?? ((line) => console.log(line));
  const v1 = await upstream('v1');
  const v2 = await upstream('v2');
  const gateway = createGateway({
    listen: { host: '127.0.0.1', port: options.port ?? 8080 },
    admin: { host: '127.0.0.1', port: options.adminPort ?? 8081 },
    resolve: { quote: `127.0.0.1:${v1.address().port}`, 'quote-v2': `127.0.0.1:${v2.address().port}` },
  });
  const results = [];
  try {
    for (const percent of steps) {
      const { ir, diagnostics } = compile(routesAt(percent));
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`step ${percent}%: ${errors.map((d) => d.message).join('; ')}`);
      const applied = await gateway.apply(ir);
      if (!applied.accepted)
        throw new Error(
          `step ${percent}%: rejected: ${applied.diagnostics.map((d) => d.message).join('; ')}`,
        );
      if (results.length === 0) {
        await gateway.start();
        log(
          `gateway on http://127.0.0.1:${gateway.address().port}, diagnostics on http://127.0.0.1:${gateway.adminAddress().port}/diag`,
        );
      }
      const counts = { v1: 0, v2: 0 };
      const url = `http://127.0.0.1:${gateway.address().port}/backend/`;
      for (let i = 0; i < requestsPerStep; i++) {
        const body = await (await fetch(url)).json();
        counts[body.version]++;
      }
      const bar = '#'.repeat(Math.round((counts.v2 / requestsPerStep) * 40)).padEnd(40, '.');
      log(
        `canary ${String(percent).padStart(3)}%  [${bar}]  v1 ${String(counts.v1).padStart(4)}  v2 ${String(counts.v2).padStart(4)}  (config ${applied.version})`,
      );
      results.push({ percent, version: applied.version, ...counts });
    }
  } finally {
    await gateway.close({ drainTimeoutMs: 500 });
    v1.close();
    v2.close();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  rollout().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
