import { parseArgs } from 'node:util';
import { bootstrap, checkResources, translate } from '@gateway/envoy';
import type { CliIO } from '../io.js';
import { ExitCode } from '../io.js';
import { formatData, OUTPUT_OPTION, outputFormat } from '../output.js';
import { LOAD_HELP, LOAD_OPTIONS, loadAndCompile, loadFlags, printDiagnostics } from './shared-load.js';

export const help = `gateway render envoy -f <file|dir|->... [-o json|yaml] [--bootstrap] [--ads host:port] [options]

Prints the Envoy v3 resources for the inputs as {listeners, routes, clusters, endpoints, secrets},
each resource with its "@type" (routes by RDS, endpoints by EDS and secrets by SDS, as the ADS
server serves them). Every resource is checked against the real Envoy protos. Problems are
printed on stderr; the exit code is 1 when there was any error.

With --bootstrap, prints a complete Envoy bootstrap instead: with --ads, a dynamic bootstrap whose
LDS/CDS come from that ADS server (run 'gateway xds'); without, the configuration as static
resources.

Options:
  -o, --output <format>       json (default) or yaml
      --bootstrap             print an Envoy bootstrap
      --ads <host:port>       ADS server for the bootstrap (implies --bootstrap)
      --delta                 the bootstrap uses incremental xDS (DELTA_GRPC)
      --node-id <id>          node.id in the bootstrap (default: gateway)
      --no-grpc-clients       leave out the api_listener resources for gRPC xDS clients
${LOAD_HELP}

Examples:
  gateway render envoy -f examples/quickstart/gateway.yaml -o yaml
  gateway render envoy -f gateway.yaml --bootstrap --ads 127.0.0.1:18000 > envoy.json`;

/** `gateway render envoy`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...LOAD_OPTIONS,
      ...OUTPUT_OPTION,
      bootstrap: { type: 'boolean' },
      ads: { type: 'string' },
      delta: { type: 'boolean' },
      'node-id': { type: 'string' },
      'no-grpc-clients': { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  const format = outputFormat(values.output, 'json');
  const compiled = await loadAndCompile(loadFlags(values), io);
  const diagnostics = [...compiled.loadDiagnostics, ...compiled.diagnostics];
  let output: unknown;
  if (values.bootstrap || values.ads !== undefined) {
    const result = bootstrap(compiled.ir, {
      ads: values.ads,
      adsFlavor: values.delta ? 'delta' : 'sotw',
      nodeId: values['node-id'],
    });
    diagnostics.push(...result.diagnostics);
    output = result.bootstrap;
  } else {
    const result = translate(compiled.ir, { grpcClients: values['no-grpc-clients'] !== true });
    diagnostics.push(...result.diagnostics, ...checkResources(result.resources));
    output = result.resources;
  }
  printDiagnostics(io, diagnostics, values.verbose === true, io.color);
  io.stdout(formatData(output, format));
  return diagnostics.some((d) => d.severity === 'error') ? ExitCode.Invalid : ExitCode.Ok;
}
