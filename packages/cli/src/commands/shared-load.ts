import {
  type CompileResult,
  compile,
  type Diagnostic,
  formatDiagnostic,
  loadYaml,
  type Resource,
} from '@gateway/core';
import { paint } from '../color.js';
import { readInputs } from '../inputs.js';
import type { CliIO } from '../io.js';

/** Inputs at least this large (1 MB, ~4,000 Mappings) get progress lines on a terminal. */
export const PROGRESS_MIN_BYTES = 1_000_000;

/** Options common to commands that load and compile `-f` inputs. */
export interface LoadFlags {
  files: string[];
  namespace?: string;
  gatewayNamespace?: string;
  ambassadorId?: string;
  ingressClass?: string;
}

/** The `parseArgs` values of {@link LOAD_OPTIONS}. */
export interface LoadValues {
  file?: string[];
  namespace?: string;
  'gateway-namespace'?: string;
  'ambassador-id'?: string;
  'ingress-class'?: string;
}

/**
 * The load flags a command's parsed {@link LOAD_OPTIONS} values stand for.
 *
 * @example
 * ```ts
 * const { values } = parseArgs({ args: argv, options: LOAD_OPTIONS, strict: true });
 * const result = await loadAndCompile(loadFlags(values), io);
 * ```
 */
export function loadFlags(values: LoadValues): LoadFlags {
  return {
    files: values.file ?? [],
    namespace: values.namespace,
    gatewayNamespace: values['gateway-namespace'],
    ambassadorId: values['ambassador-id'],
    ingressClass: values['ingress-class'],
  };
}

/** Reads every input, loads and compiles it; diagnostics of all stages, in a stable order. */
export async function loadAndCompile(
  flags: LoadFlags,
  io: CliIO,
): Promise<CompileResult & { resources: Resource[]; loadDiagnostics: Diagnostic[] }> {
  const inputs = await readInputs(flags.files, io);
  const bytes = inputs.reduce((n, i) => n + i.text.length, 0);
  // Only large inputs take long enough to deserve a progress line (and only on a terminal).
  const progress = bytes >= PROGRESS_MIN_BYTES ? io.progress : undefined;
  const started = performance.now();
  const resources: Resource[] = [];
  const loadDiagnostics: Diagnostic[] = [];
  for (const [n, input] of inputs.entries()) {
    progress?.(
      `gateway: loading ${input.file} (${n + 1}/${inputs.length}, ${(bytes / 1e6).toFixed(1)} MB in all)`,
    );
    const loaded = loadYaml(input.text, {
      file: input.file,
      defaultNamespace: flags.namespace,
      ingressClass: flags.ingressClass,
    });
    resources.push(...loaded.resources);
    loadDiagnostics.push(...loaded.diagnostics);
  }
  progress?.(`gateway: compiling ${resources.length} resources`);
  const result = compile(resources, {
    gatewayNamespace: flags.gatewayNamespace,
    ambassadorId: flags.ambassadorId,
  });
  progress?.(
    `gateway: compiled ${resources.length} resources in ${Math.round(performance.now() - started)} ms\n`,
  );
  return { ...result, resources, loadDiagnostics };
}

/**
 * One line per diagnostic in the `gateway validate` contract format
 * `<Kind> <namespace>/<name>: <path>: <message>`, with the source location appended; warnings
 * and notices carry a `warning:` / `notice:` prefix so error lines stay greppable.
 */
export function diagnosticLine(d: Diagnostic, color?: boolean): string {
  const base = formatDiagnostic({ ...d, source: undefined });
  const where = d.source ? ` (${d.source.file ?? '-'}:${d.source.line}:${d.source.column})` : '';
  const prefix = d.severity === 'error' ? '' : `${d.severity}: `;
  return paint(`${prefix}${base}${where}`, d.severity, color);
}

/** Diagnostics worth printing: errors and warnings always, notices with --verbose. */
export function printable(list: Diagnostic[], verbose: boolean): Diagnostic[] {
  const rank = { error: 0, warning: 1, notice: 2 } as const;
  return list
    .filter((d) => verbose || d.severity !== 'notice')
    .sort((a, b) => rank[a.severity] - rank[b.severity]);
}

/**
 * Writes the {@link printable} diagnostics to stderr, one {@link diagnosticLine} each.
 *
 * @example
 * ```ts
 * printDiagnostics(io, [...loaded.loadDiagnostics, ...loaded.diagnostics], verbose, io.color);
 * ```
 */
export function printDiagnostics(io: CliIO, list: Diagnostic[], verbose: boolean, color?: boolean): void {
  for (const d of printable(list, verbose)) io.stderr(`${diagnosticLine(d, color)}\n`);
}

export const LOAD_OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  namespace: { type: 'string', short: 'n' },
  'gateway-namespace': { type: 'string' },
  'ambassador-id': { type: 'string' },
  'ingress-class': { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export const LOAD_HELP = `  -f, --file <path>           file, directory (*.yaml, *.yml, *.json) or - for stdin; repeatable
  -n, --namespace <ns>        namespace for resources that name none (default: default)
      --gateway-namespace <ns> namespace the gateway runs in (default: default)
      --ambassador-id <id>    only resources for this ambassador_id (default: default)
      --ingress-class <c>     Ingress class to serve (default: gateway; ambassador also accepted)
      --verbose               also print notices (deprecations, conversions, ignored objects)`;
