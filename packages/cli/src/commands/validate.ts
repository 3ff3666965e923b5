import { parseArgs } from 'node:util';
import type { CliIO } from '../io.js';
import { ExitCode } from '../io.js';
import { LOAD_HELP, LOAD_OPTIONS, loadAndCompile, loadFlags, printDiagnostics } from './shared-load.js';

export const help = `gateway validate -f <file|dir|->... [options]

Loads and compiles the resources and reports every problem. Exit 0 when there is no error,
1 otherwise; each error is one line on stderr:
  <Kind> <namespace>/<name>: <path>: <message> (<file>:<line>:<column>)
Warnings (and notices with --verbose) are printed with a prefix and do not fail.

Options:
${LOAD_HELP}

Examples:
  gateway validate -f mappings/ -f extra.yaml
  kubectl get mappings.getambassador.io -A -o yaml | gateway validate -f -`;

/** `gateway validate`: load + validate + compile (cross-resource checks such as canary weights). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: LOAD_OPTIONS, allowPositionals: false, strict: true });
  const result = await loadAndCompile(loadFlags(values), io);
  const all = [...result.loadDiagnostics, ...result.diagnostics];
  printDiagnostics(io, all, values.verbose === true, io.color);
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.filter((d) => d.severity === 'warning').length;
  if (errors > 0) return ExitCode.Invalid;
  io.stdout(`valid: ${result.resources.length} resources${warnings > 0 ? `, ${warnings} warning(s)` : ''}\n`);
  return ExitCode.Ok;
}
