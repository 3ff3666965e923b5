import { parseArgs } from 'node:util';
import type { CliIO } from '../io.js';
import { ExitCode } from '../io.js';
import { formatData, OUTPUT_OPTION, outputFormat } from '../output.js';
import { LOAD_HELP, LOAD_OPTIONS, loadAndCompile, loadFlags, printDiagnostics } from './shared-load.js';

export const help = `gateway compile -f <file|dir|->... [-o json|yaml] [options]

Prints the compiled GatewayIR (deterministic: same input, same bytes). Invalid resources are
left out and reported on stderr (one line each, like 'gateway validate'); the exit code is 1
when there was any error, but the IR of everything valid is still printed.

Options:
  -o, --output <format>       json (default) or yaml
${LOAD_HELP}

Examples:
  gateway compile -f examples/quickstart/gateway.yaml -o yaml
  gateway compile -f mappings/ --gateway-namespace ambassador > ir.json`;

/** `gateway compile`: print the IR. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...LOAD_OPTIONS, ...OUTPUT_OPTION },
    allowPositionals: false,
    strict: true,
  });
  const format = outputFormat(values.output, 'json');
  const result = await loadAndCompile(loadFlags(values), io);
  const all = [...result.loadDiagnostics, ...result.diagnostics];
  printDiagnostics(io, all, values.verbose === true, io.color);
  io.stdout(formatData(result.ir, format));
  return all.some((d) => d.severity === 'error') ? ExitCode.Invalid : ExitCode.Ok;
}
