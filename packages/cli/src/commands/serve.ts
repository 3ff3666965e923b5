import { parseArgs } from 'node:util';
import type { Diagnostic, GatewayIR } from '@gateway/core';
import {
  createGateway,
  createJsonLogger,
  type Gateway,
  type GatewayOptions,
  runWorkers,
} from '@gateway/proxy';
import { parseAddr } from '../addr.js';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { runUntilSignal, untilAborted } from '../run-until-signal.js';
import { watchInputs as watchFiles } from '../watch-inputs.js';
import {
  diagnosticLine,
  LOAD_HELP,
  LOAD_OPTIONS,
  loadAndCompile,
  loadFlags,
  printable,
  printDiagnostics,
} from './shared-load.js';

export const help = `gateway serve -f <file|dir|->... [--listen addr:port] [--admin addr:port] [--resolve name=host:port]... [--watch] [--workers N]

Runs the in-process gateway (HTTP/1.1, HTTP/2 with TLS and h2c, WebSocket, gRPC) on the
configuration's listeners. --listen replaces the address of the first HTTP listener. --resolve
maps a service host to an address, like curl's --resolve, for local runs and tests.

With --watch, a changed input is compiled and swapped in atomically; an invalid edit is reported
and the last good configuration keeps serving. SIGTERM/SIGINT drain in-flight requests (bounded
by the configuration's drain timeout) and exit. --workers N runs N processes sharing the ports;
the primary watches and compiles, and sends each new configuration to every worker.

Access logs are JSON lines on stdout (pino); --no-access-log turns them off.

Options:
      --listen <addr:port>      bind address of the first HTTP listener
      --admin <addr:port>       admin listener: /diag (diagnostics page) /ready /live /metrics /config (default: off)
      --resolve <name=host:port> service host override; repeatable
      --watch                   reload when an input file changes
      --workers <n>             worker processes sharing the ports (default: 1, in-process)
      --no-access-log           do not write access logs
      --log-level <level>       pino level for gateway events (default: info)
${LOAD_HELP}

Examples:
  gateway serve -f gateway.yaml --listen 127.0.0.1:8080 --admin 127.0.0.1:8877 --resolve quote=127.0.0.1:9000 --watch
  gateway serve -f gateway.yaml --workers 2      # one process per core, sharing the port`;

/** Hooks for embedding and tests. */
export interface ServeRunOptions {
  /** Drains and stops when aborted (run() wires SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the gateway is serving (single-process mode). */
  onGateway?: (gateway: Gateway) => void;
}

function parseResolve(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--resolve must be name=host:port, got "${v}"`);
    const target = v.slice(eq + 1);
    parseAddr('--resolve', target);
    out[v.slice(0, eq)] = target;
  }
  return out;
}

function errorsIn(d: Diagnostic[]): number {
  return d.filter((x) => x.severity === 'error').length;
}

/** `gateway serve` with an abort signal instead of process signals. */
export async function serve(argv: string[], io: CliIO, options: ServeRunOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...LOAD_OPTIONS,
      listen: { type: 'string' },
      admin: { type: 'string' },
      resolve: { type: 'string', multiple: true },
      watch: { type: 'boolean' },
      workers: { type: 'string' },
      'no-access-log': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
  const files = values.file ?? [];
  if (values.watch && files.includes('-')) throw new UsageError('--watch cannot watch stdin (-f -)');
  const listen = values.listen ? parseAddr('--listen', values.listen) : undefined;
  const admin = values.admin ? parseAddr('--admin', values.admin) : undefined;
  const resolve = parseResolve(values.resolve ?? []);
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new UsageError(`--workers must be an integer from 1 to 256, got "${values.workers}"`);
  if (workers > 1 && files.includes('-'))
    throw new UsageError('--workers needs files (-f -, stdin, cannot be re-read)');
  const flags = loadFlags(values);
  const verbose = values.verbose === true;
  const logger = createJsonLogger({ level: values['log-level'] ?? 'info' });
  const gatewayOptions = (): GatewayOptions => ({
    ...(listen ? { listen } : {}),
    ...(admin ? { admin } : {}),
    resolve,
    logger,
    accessLog: values['no-access-log'] !== true,
  });

  /** Loads, compiles and reports; undefined when the config has errors. */
  const load = async (): Promise<{ ir?: GatewayIR; diagnostics: Diagnostic[]; offered?: string }> => {
    const loaded = await loadAndCompile(flags, io);
    const diagnostics = [...loaded.loadDiagnostics, ...loaded.diagnostics];
    printDiagnostics(io, diagnostics, verbose);
    if (errorsIn(diagnostics) > 0) return { diagnostics, offered: loaded.ir.version };
    return { ir: loaded.ir, diagnostics };
  };

  const watchers: Array<{ close(): void }> = [];
  const watchInputs = (reload: () => Promise<void>) => {
    if (!values.watch) return;
    let chain = Promise.resolve();
    watchers.push(
      watchFiles(files, 150, () => {
        chain = chain.then(reload).catch((e: Error) => io.stderr(`serve: reload failed: ${e.message}\n`));
      }),
    );
  };
  const waitForStop = () => untilAborted(options.signal);

  if (workers > 1) {
    const handle = await runWorkers({
      workers,
      load,
      gatewayOptions,
      onApplied: (id, result) => {
        if (!result.accepted)
          io.stderr(
            `serve: worker ${id} rejected the configuration; it keeps ${result.version || 'nothing'}\n`,
          );
        for (const d of printable(result.diagnostics, verbose))
          io.stderr(`serve: worker ${id}: ${diagnosticLine(d)}\n`);
      },
      onWorkerExit: (id, code, signal) =>
        io.stderr(`serve: worker ${id} exited (${signal ?? code}); restarting\n`),
    });
    if (handle.role === 'worker') {
      // Workers live until the primary tells them to drain.
      await new Promise<never>(() => undefined);
    }
    await handle.ready();
    io.stdout(`serve: ${workers} workers serving\n`);
    watchInputs(async () => {
      const diagnostics = await handle.reload();
      if (errorsIn(diagnostics) > 0)
        io.stderr('serve: change not applied; workers keep the last good configuration\n');
      else io.stdout('serve: configuration sent to workers\n');
    });
    await waitForStop();
    for (const w of watchers) w.close();
    await handle.shutdown();
    io.stdout('serve: stopped\n');
    logger.flush();
    return ExitCode.Ok;
  }

  const first = await load();
  if (!first.ir) {
    io.stderr(`serve: not starting: the configuration has ${errorsIn(first.diagnostics)} error(s)\n`);
    return ExitCode.Invalid;
  }
  const gateway = createGateway({ ...gatewayOptions(), ir: first.ir });
  try {
    await gateway.start();
  } catch (e) {
    const diagnostics = (e as { diagnostics?: Diagnostic[] }).diagnostics;
    if (diagnostics) for (const d of diagnostics) io.stderr(`${diagnosticLine(d)}\n`);
    io.stderr(
      `serve: not starting: ${diagnostics ? 'the configuration cannot be served' : (e as Error).message}\n`,
    );
    await gateway.close({ drainTimeoutMs: 0 });
    return ExitCode.Invalid;
  }
  const where = Object.entries(gateway.addresses())
    .map(([name, a]) => `${name}=${a.host}:${a.port}`)
    .join(' ');
  io.stdout(
    `serve: version ${gateway.version} on ${where}${gateway.adminAddress() ? ` admin=${gateway.adminAddress()?.host}:${gateway.adminAddress()?.port}` : ''}\n`,
  );
  // The diagnostics page (/diag on --admin) shows compile warnings next to the proxy's own.
  gateway.history.setErrors([...first.diagnostics, ...gateway.history.errors]);
  options.onGateway?.(gateway);

  watchInputs(async () => {
    const next = await load();
    if (!next.ir) {
      gateway.history.recordApply(next.offered ?? '', {
        accepted: false,
        version: gateway.version ?? '',
        diagnostics: next.diagnostics,
      });
      io.stderr(`serve: change not applied; still serving version ${gateway.version}\n`);
      return;
    }
    const result = await gateway.apply(next.ir);
    gateway.history.setErrors([...next.diagnostics, ...result.diagnostics]);
    printDiagnostics(io, result.diagnostics, verbose);
    if (!result.accepted) io.stderr(`serve: change not applied; still serving version ${gateway.version}\n`);
    else io.stdout(`serve: serving version ${result.version}\n`);
  });

  await waitForStop();
  for (const w of watchers) w.close();
  io.stdout('serve: draining\n');
  await gateway.close();
  io.stdout('serve: stopped\n');
  logger.flush();
  return ExitCode.Ok;
}

/** `gateway serve`: serve until SIGINT/SIGTERM, then drain and exit. */
export function run(argv: string[], io: CliIO): Promise<number> {
  return runUntilSignal((signal) => serve(argv, io, { signal }));
}
