import { parseArgs } from 'node:util';
import type { Diagnostic } from '@gateway/core';
import { AdsServer, type NackEvent } from '@gateway/envoy';
import { checkAddr } from '../addr.js';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { runUntilSignal, untilAborted } from '../run-until-signal.js';
import { watchInputs } from '../watch-inputs.js';
import { LOAD_HELP, LOAD_OPTIONS, loadAndCompile, loadFlags, printDiagnostics } from './shared-load.js';
import { XdsAdmin } from './xds-admin.js';

export const help = `gateway xds -f <file|dir|->... [--listen addr:port] [--admin addr:port] [--watch] [options]

Runs an Aggregated Discovery Service (xDS v3, SotW and Delta) for Envoy and gRPC xDS clients
(grpc-js-xds, grpc-go, grpc-java: dial xds:///<host> for any exact host name of the config).
Start Envoy with 'gateway render envoy --bootstrap --ads <addr:port>'.

Resources that clients reject (NACK) are printed on stderr; the client keeps its last good
configuration. With --watch, a changed input publishes a new snapshot; an invalid edit is
reported and the last good snapshot keeps being served. Stops on SIGINT/SIGTERM.

Options:
      --listen <addr:port>    where to serve (default: 127.0.0.1:18000)
      --admin <addr:port>     admin listener: /diag (diagnostics page), /diag.json, /live, /ready (default: off)
      --watch                 reload when an input file changes
${LOAD_HELP}

Examples:
  gateway xds -f gateway.yaml --listen 0.0.0.0:18000 --watch
  gateway render envoy -f gateway.yaml --bootstrap --ads 127.0.0.1:18000 > envoy.json && envoy -c envoy.json`;

/** Hooks for embedding and tests. */
export interface XdsRunOptions {
  /** Stops the server when aborted (run() wires SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the server is listening. */
  onServer?: (server: AdsServer) => void;
  /** Called once the admin listener (--admin) is listening. */
  onAdmin?: (admin: XdsAdmin) => void;
}

function summary(d: Diagnostic[]): string {
  const errors = d.filter((x) => x.severity === 'error').length;
  return `${errors} error${errors === 1 ? '' : 's'}`;
}

/** `gateway xds` with an abort signal instead of process signals. */
export async function serveXds(argv: string[], io: CliIO, options: XdsRunOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...LOAD_OPTIONS,
      listen: { type: 'string' },
      admin: { type: 'string' },
      watch: { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  const listen = values.listen ?? '127.0.0.1:18000';
  checkAddr('--listen', listen);
  if (values.admin !== undefined) checkAddr('--admin', values.admin);
  const files = values.file ?? [];
  if (values.watch && files.includes('-')) throw new UsageError('--watch cannot watch stdin (-f -)');
  const flags = loadFlags(values);
  const verbose = values.verbose === true;

  const first = await loadAndCompile(flags, io);
  const firstDiagnostics = [...first.loadDiagnostics, ...first.diagnostics];
  printDiagnostics(io, firstDiagnostics, verbose);
  if (firstDiagnostics.some((d) => d.severity === 'error')) {
    io.stderr(`xds: not starting: the configuration has ${summary(firstDiagnostics)}\n`);
    return ExitCode.Invalid;
  }

  const server = new AdsServer({
    logger: { info: () => {}, warn: () => {}, error: (m) => io.stderr(`${m}\n`) },
  });
  server.on('nack', (e: NackEvent) =>
    io.stderr(
      `xds: NACK from ${e.nodeId || '<no id>'} for ${e.kind} version ${e.rejectedVersion}; it keeps ${e.version || 'nothing'}: ${e.message}\n`,
    ),
  );
  const admin = values.admin !== undefined ? new XdsAdmin(server) : undefined;
  const applied = await server.apply(first.ir);
  admin?.recordApply(first.ir, applied, firstDiagnostics);
  printDiagnostics(io, applied.diagnostics, verbose);
  if (!applied.accepted) {
    io.stderr('xds: not starting: the configuration cannot be served\n');
    return ExitCode.Invalid;
  }
  let port: number;
  try {
    ({ port } = await server.listen(listen));
  } catch (e) {
    io.stderr(`xds: cannot listen on ${listen}: ${(e as Error).message}\n`);
    return ExitCode.Invalid;
  }
  const where = listen.replace(/:\d+$/, `:${port}`);
  io.stdout(`xds: serving version ${applied.version} on ${where}\n`);
  options.onServer?.(server);
  if (admin && values.admin) {
    const colon = values.admin.lastIndexOf(':');
    const host = values.admin.slice(0, colon).replace(/^\[|\]$/g, '');
    try {
      const bound = await admin.listen(host, Number(values.admin.slice(colon + 1)));
      io.stdout(
        `xds: diagnostics on http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}/diag\n`,
      );
    } catch (e) {
      io.stderr(`xds: cannot listen on ${values.admin} (--admin): ${(e as Error).message}\n`);
      await server.close();
      return ExitCode.Invalid;
    }
    options.onAdmin?.(admin);
  }

  const watchers: Array<{ close(): void }> = [];
  if (values.watch) {
    let reloading = Promise.resolve();
    const reload = async () => {
      const next = await loadAndCompile(flags, io).catch((e: Error) => {
        io.stderr(
          `xds: reload failed: ${e.message}; still serving ${server.cache.get('default')?.version}\n`,
        );
        return undefined;
      });
      if (!next) return;
      const diagnostics = [...next.loadDiagnostics, ...next.diagnostics];
      printDiagnostics(io, diagnostics, verbose);
      const current = server.cache.get('default')?.version ?? '';
      if (diagnostics.some((d) => d.severity === 'error')) {
        admin?.recordApply(next.ir, { accepted: false, version: current, diagnostics: [] }, diagnostics);
        io.stderr(`xds: change not applied (${summary(diagnostics)}); still serving version ${current}\n`);
        return;
      }
      const result = await server.apply(next.ir);
      admin?.recordApply(next.ir, result, diagnostics);
      printDiagnostics(io, result.diagnostics, verbose);
      if (!result.accepted) io.stderr(`xds: change not applied; still serving version ${current}\n`);
      else if (result.version !== current) io.stdout(`xds: serving version ${result.version}\n`);
    };
    watchers.push(
      watchInputs(files, 100, () => {
        reloading = reloading.then(reload);
      }),
    );
  }

  await untilAborted(options.signal);
  for (const w of watchers) w.close();
  await admin?.close();
  await server.close();
  io.stdout('xds: stopped\n');
  return ExitCode.Ok;
}

/** `gateway xds`: serve until SIGINT/SIGTERM. */
export function run(argv: string[], io: CliIO): Promise<number> {
  return runUntilSignal((signal) => serveXds(argv, io, { signal }));
}
