import { parseArgs } from 'node:util';
import { stableStringify } from '@gateway/core';
import { stringify } from 'yaml';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { diagnosticLine, LOAD_HELP, LOAD_OPTIONS, loadAndCompile, printable } from './shared-load.js';

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
    options: { ...LOAD_OPTIONS, output: { type: 'string', short: 'o' } },
    allowPositionals: false,
    strict: true,
  });
  const format = values.output ?? 'json';
  if (format !== 'json' && format !== 'yaml')
    throw new UsageError(`-o must be json or yaml, got "${format}"`);
  const result = await loadAndCompile(
    {
      files: values.file ?? [],
      namespace: values.namespace,
      gatewayNamespace: values['gateway-namespace'],
      ambassadorId: values['ambassador-id'],
      ingressClass: values['ingress-class'],
    },
    io,
  );
  const all = [...result.loadDiagnostics, ...result.diagnostics];
  for (const d of printable(all, values.verbose === true)) io.stderr(`${diagnosticLine(d, io.color)}\n`);
  const json = stableStringify(result.ir, 2);
  io.stdout(format === 'json' ? `${json}\n` : stringify(JSON.parse(json), { lineWidth: 0 }));
  return all.some((d) => d.severity === 'error') ? ExitCode.Invalid : ExitCode.Ok;
}
