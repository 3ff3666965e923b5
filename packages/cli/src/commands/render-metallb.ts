import { parseArgs } from 'node:util';
import {
  crdsToConfigMap,
  emitConfigMap,
  emitCRDs,
  legacyToCRDModel,
  validateMetalLB,
} from '@gateway/metallb';
import { type CliIO, ExitCode, UsageError } from '../io.js';
import { formatObjects, OUTPUT_OPTION, outputFormat, yamlObjects } from '../output.js';
import { hasErrors, printDiagnostics, readMetalLBInputs } from './metallb.js';

export const help = `gateway render metallb -f <file|dir|-> [-f …] [--format crds|configmap] [-o yaml|json]

Prints MetalLB configuration as YAML. The input is MetalLB's legacy ConfigMap
(metallb-system/config, key config) or its CRDs (IPAddressPool, BGPPeer, BGPAdvertisement,
L2Advertisement, Community, BFDProfile); the output is either format.

Options:
  -f, --file <path>     input file, directory or - for stdin (repeatable)
  -o, --output <format> yaml (default) or json (a v1 List)
  --format <format>     crds (default): metallb.io CRDs; configmap: the legacy ConfigMap
                        (fields the ConfigMap cannot express are dropped with a warning)
  -h, --help            show this help

Problems go to stderr as '<Kind> <namespace>/<name>: <path>: <message>'; exit 1 on errors.

Examples:
  gateway render metallb -f metallb-config.yaml                    # ConfigMap -> CRDs
  gateway render metallb -f pools/ --format configmap              # CRDs -> ConfigMap
  gateway render metallb -f metallb-config.yaml -o json            # CRDs as a JSON List
`;

/**
 * `gateway render metallb`: ConfigMap or CRDs in, CRDs or ConfigMap out. `argv` holds the
 * arguments after `render metallb`.
 *
 * @example
 * ```ts
 * await run(['-f', 'configmap.yaml', '--format', 'crds'], io);
 * ```
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      format: { type: 'string', default: 'crds' },
      ...OUTPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(help);
    return ExitCode.Ok;
  }
  const format = values.format;
  if (format !== 'crds' && format !== 'configmap') {
    throw new UsageError(`unknown --format ${JSON.stringify(format)}: expected crds or configmap`);
  }
  const outputAs = outputFormat(values.output, 'yaml');
  const inputs = await readMetalLBInputs(values.file ?? [], io);
  const diagnostics = [...inputs.diagnostics];
  if (inputs.legacy && inputs.crds) {
    io.stderr('gateway render metallb: the input has both the legacy ConfigMap and CRDs; pass one of them\n');
    return ExitCode.Invalid;
  }
  if (!inputs.legacy && !inputs.crds) {
    printDiagnostics(io, diagnostics);
    io.stderr('gateway render metallb: no MetalLB ConfigMap or CRDs in the input\n');
    return ExitCode.Invalid;
  }
  let output: string;
  if (inputs.legacy) {
    if (format === 'configmap') output = emitConfigMap(inputs.legacy);
    else {
      const converted = legacyToCRDModel(inputs.legacy);
      diagnostics.push(
        ...converted.diagnostics,
        ...validateMetalLB(converted.config, { warnUnannounced: false }),
      );
      output = emitCRDs(converted.config);
    }
  } else {
    const crds = inputs.crds as NonNullable<typeof inputs.crds>;
    diagnostics.push(...validateMetalLB(crds));
    if (format === 'crds') output = emitCRDs(crds);
    else {
      const back = crdsToConfigMap(crds);
      diagnostics.push(...back.diagnostics);
      output = emitConfigMap(back.config);
    }
  }
  printDiagnostics(io, diagnostics);
  if (hasErrors(diagnostics)) return ExitCode.Invalid;
  io.stdout(outputAs === 'yaml' ? output : formatObjects(yamlObjects(output), 'json'));
  return ExitCode.Ok;
}
