import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGateway, type Gateway } from '@gateway/proxy';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { runUntilSignal, untilAborted } from '../run-until-signal.js';
import { loadAndCompile, printDiagnostics } from './shared-load.js';

export const help = `gateway demo [--port 8080] [--admin 8081] [-f gateway.yaml]

Runs the quickstart on this machine: two small demo upstreams ('quote' and 'quote-canary', on
loopback, answering with JSON that says who answered and what they received) behind the
in-process gateway serving examples/quickstart/gateway.yaml: a 90/10 canary on /backend/, a
path rewrite, a host_rewrite and a rate-limited route. It prints what to curl and where the
diagnostics page is. Ctrl-C stops everything.

Options:
      --port <n>     gateway port on 127.0.0.1 (default: 8080; 0 = any free port)
      --admin <n>    admin port on 127.0.0.1: /diag, /metrics, /ready (default: 8081; 0 = any)
  -f, --file <path>  serve this configuration instead of the quickstart's

Example:
  npx -y pnpm@10 demo
  curl -s localhost:8080/backend/`;

/** The names the quickstart's Mappings use as `service`; each gets a demo upstream. */
export const DEMO_SERVICES = ['quote', 'quote-canary'] as const;

/** What a running demo exposes (for tests and embedding). */
export interface DemoInfo {
  /** Gateway base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Diagnostics page URL. */
  diagnostics: string;
  /** Upstream address per demo service name. */
  upstreams: Record<string, string>;
  gateway: Gateway;
}

export interface DemoRunOptions {
  /** Stops the demo when aborted (run() wires SIGINT/SIGTERM). */
  signal?: AbortSignal;
  onReady?: (info: DemoInfo) => void;
}

/** Where the quickstart configuration is: next to the working directory or the installed CLI. */
export function findQuickstart(): string | undefined {
  const rel = join('examples', 'quickstart', 'gateway.yaml');
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates: string[] = [];
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    candidates.push(join(dir, rel));
    if (dirname(dir) === dir) break;
  }
  // dist/bin.js -> packages/cli/dist; src/commands/demo.ts -> packages/cli/src/commands.
  candidates.push(resolvePath(here, '..', '..', '..', rel), resolvePath(here, '..', '..', '..', '..', rel));
  return candidates.find((c) => existsSync(c));
}

/** One demo upstream: echoes who answered and the request it saw, as JSON. */
function startUpstream(service: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    // Drain any body so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        service,
        method: req.method,
        path: req.url,
        host: req.headers.host ?? '',
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body) + 1,
      });
      res.end(`${body}\n`);
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535)
    throw new UsageError(`${flag} must be a port from 0 to 65535, got "${value}"`);
  return n;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

/** `gateway demo` with an abort signal instead of process signals. */
export async function demo(argv: string[], io: CliIO, options: DemoRunOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      admin: { type: 'string' },
      file: { type: 'string', short: 'f' },
    },
    allowPositionals: false,
    strict: true,
  });
  const gatewayPort = port('--port', values.port, 8080);
  const adminPort = port('--admin', values.admin, 8081);
  const file = values.file ?? findQuickstart();
  if (!file) {
    io.stderr('demo: examples/quickstart/gateway.yaml not found; run from the repository or pass -f\n');
    return ExitCode.Invalid;
  }

  const loaded = await loadAndCompile({ files: [file] }, io);
  const diagnostics = [...loaded.loadDiagnostics, ...loaded.diagnostics];
  printDiagnostics(io, diagnostics, false);
  if (diagnostics.some((d) => d.severity === 'error')) {
    io.stderr(`demo: ${file} has errors; not starting\n`);
    return ExitCode.Invalid;
  }

  const upstreams = new Map<string, http.Server>();
  let gateway: Gateway | undefined;
  const stopAll = async () => {
    await gateway?.close({ drainTimeoutMs: 1000 });
    await Promise.all([...upstreams.values()].map(closeServer));
  };
  try {
    for (const service of DEMO_SERVICES) upstreams.set(service, await startUpstream(service));
    const resolve: Record<string, string> = {};
    for (const [service, server] of upstreams)
      resolve[service] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    gateway = createGateway({
      ir: loaded.ir,
      listen: { host: '127.0.0.1', port: gatewayPort },
      admin: { host: '127.0.0.1', port: adminPort },
      resolve,
    });
    await gateway.start();
    gateway.history.setErrors([...diagnostics, ...gateway.history.errors]);
    const url = `http://127.0.0.1:${gateway.address()?.port}`;
    const diag = `http://127.0.0.1:${gateway.adminAddress()?.port}/diag`;
    const c = url.replace('http://', '');
    const shown = relative(process.cwd(), file);
    const where = shown.startsWith('..') || isAbsolute(shown) ? file : shown;
    io.stdout(`Gateway demo: serving ${where} (version ${gateway.version})

  gateway       ${url}
  diagnostics   ${diag}
  upstreams     ${Object.entries(resolve)
    .map(([s, a]) => `${s} → ${a}`)
    .join(', ')}

Try:
  curl -s ${c}/backend/                      # 90% "quote", 10% "quote-canary"
  for i in $(seq 20); do curl -s ${c}/backend/; done | grep -o '"service":"[^"]*"' | sort | uniq -c
  curl -s ${c}/api/v1/quote/today            # the upstream sees /quote/today
  curl -s ${c}/httpbin/anything              # the upstream sees Host: httpbin.org
  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' ${c}/limited/; done; echo   # 5 x 200, then 429

Open ${diag} to watch the route table, canary shares and live counts.
Press Ctrl-C to stop.
`);
    options.onReady?.({ url, diagnostics: diag, upstreams: resolve, gateway });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? ' (port in use: try --port 18080 --admin 18081)' : '';
    io.stderr(`demo: cannot start: ${err.message}${hint}\n`);
    await stopAll();
    return ExitCode.Invalid;
  }

  await untilAborted(options.signal);
  io.stdout('demo: stopping\n');
  await stopAll();
  io.stdout('demo: stopped\n');
  return ExitCode.Ok;
}

/** `gateway demo`: run until SIGINT/SIGTERM, then stop the gateway and the upstreams. */
export function run(argv: string[], io: CliIO): Promise<number> {
  return runUntilSignal((signal) => demo(argv, io, { signal }));
}
