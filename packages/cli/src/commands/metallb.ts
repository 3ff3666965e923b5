import { parseArgs } from 'node:util';
import { type Diagnostic, formatDiagnostic } from '@gateway/core';
import {
  allocate,
  convertConfigMapToCRDs,
  legacyToCRDModel,
  loadMetalLBInputs,
  type MetalLBConfig,
  type MetalLBInputs,
} from '@gateway/metallb';
import { paint } from '../color.js';
import { readInputs } from '../inputs.js';
import { type CliIO, ExitCode, UsageError } from '../io.js';
import { formatData, formatObjects, OUTPUT_OPTION, outputFormat, yamlObjects } from '../output.js';

/** Prints diagnostics on stderr: errors as `<Kind> <ns>/<name>: <path>: <message>`, others prefixed by severity. */
export function printDiagnostics(io: CliIO, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    io.stderr(`${paint(d.severity === 'error' ? line : `${d.severity}: ${line}`, d.severity, io.color)}\n`);
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Reads every `-f` input and sorts it into MetalLB's kinds. `validate: false` skips MetalLB
 * v0.12.1's semantic checks of a legacy ConfigMap (the converter does not run them either).
 */
export async function readMetalLBInputs(
  files: string[],
  io: CliIO,
  opts: { validate?: boolean } = {},
): Promise<MetalLBInputs> {
  const texts = await readInputs(files, io);
  return loadMetalLBInputs(
    texts.map((t) => ({ text: t.text, file: t.file })),
    opts,
  );
}

export const help = `gateway metallb <convert|allocate> -f <file|dir|-> [-f …]

  convert    MetalLB's legacy ConfigMap -> CRDs, exactly as MetalLB's configmaptocrs tool
             writes them (same objects, names and order)
  allocate   pools (ConfigMap or CRDs) + LoadBalancer Services -> assigned IPs as JSON:
             {"assignments":[{"service":{"namespace","name"},"pool","ips":[…]}],
              "unassigned":[{"service","reason"}],"diagnostics":[…]}

Options:
  -f, --file <path>        input file, directory or - for stdin (repeatable)
  -o, --output <format>    convert: yaml (default) or json (a v1 List);
                           allocate: json (default) or yaml
  --lb-class <class>       allocate: the class MetalLB runs with (--lb-class); default: only
                           Services without spec.loadBalancerClass
  -h, --help               show this help

Services keep the addresses in their status.loadBalancer.ingress while still valid; Namespace
objects in the input feed serviceAllocation.namespaceSelectors. Exit 1 on invalid input.

Examples:
  gateway metallb convert -f configmap.yaml > crds.yaml
  gateway metallb convert -f configmap.yaml -o json
  gateway metallb allocate -f pools.yaml -f services/
  gateway metallb allocate -f pools.yaml -f services.yaml -o yaml
`;

/**
 * `gateway metallb convert`: legacy ConfigMap → CRDs in MetalLB's converter format.
 *
 * @example
 * ```ts
 * await runConvert(['-f', 'configmap.yaml'], io);
 * ```
 */
export async function runConvert(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      ...OUTPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const format = outputFormat(values.output, 'yaml');
  if (values.help) {
    io.stdout(help);
    return ExitCode.Ok;
  }
  const inputs = await readMetalLBInputs(values.file ?? [], io, { validate: false });
  if (!inputs.legacy) {
    printDiagnostics(io, inputs.diagnostics);
    io.stderr('gateway metallb convert: no MetalLB ConfigMap (data.config) in the input\n');
    return ExitCode.Invalid;
  }
  if (hasErrors(inputs.diagnostics)) {
    printDiagnostics(io, inputs.diagnostics);
    return ExitCode.Invalid;
  }
  const result = convertConfigMapToCRDs(inputs.legacy);
  const diagnostics = [...inputs.diagnostics, ...result.diagnostics];
  printDiagnostics(io, diagnostics);
  if (hasErrors(diagnostics)) return ExitCode.Invalid;
  io.stdout(format === 'yaml' ? result.yaml : formatObjects(yamlObjects(result.yaml), 'json'));
  return ExitCode.Ok;
}

/**
 * `gateway metallb allocate`: prints the allocation plan as JSON.
 *
 * @example
 * ```ts
 * await runAllocate(['-f', 'pools.yaml', '-f', 'services.yaml'], io);
 * ```
 */
export async function runAllocate(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      'lb-class': { type: 'string' },
      ...OUTPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const format = outputFormat(values.output, 'json');
  if (values.help) {
    io.stdout(help);
    return ExitCode.Ok;
  }
  const inputs = await readMetalLBInputs(values.file ?? [], io);
  const diagnostics = [...inputs.diagnostics];
  let config: MetalLBConfig | undefined = inputs.crds;
  if (!config && inputs.legacy) {
    const converted = legacyToCRDModel(inputs.legacy);
    diagnostics.push(...converted.diagnostics);
    config = converted.config;
  }
  if (!config) {
    printDiagnostics(io, diagnostics);
    io.stderr(
      'gateway metallb allocate: no address pools (MetalLB ConfigMap or IPAddressPool objects) in the input\n',
    );
    return ExitCode.Invalid;
  }
  if (hasErrors(diagnostics)) {
    printDiagnostics(io, diagnostics);
    return ExitCode.Invalid;
  }
  const opts: Parameters<typeof allocate>[2] = { namespaces: inputs.namespaces };
  if (values['lb-class'] !== undefined) opts.loadBalancerClass = values['lb-class'];
  const plan = allocate(config, inputs.services, opts);
  const all = [...diagnostics, ...plan.diagnostics];
  printDiagnostics(io, all);
  io.stdout(formatData({ ...plan, diagnostics: all }, format));
  return hasErrors(all) ? ExitCode.Invalid : ExitCode.Ok;
}

/**
 * `gateway metallb <convert|allocate>`: `argv` holds the arguments after `metallb`.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'convert') return runConvert(rest, io);
  if (sub === 'allocate') return runAllocate(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(help);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}: expected convert or allocate`);
}
