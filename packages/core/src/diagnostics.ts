import type { ResourceRef } from './ir/types.js';

/** How bad a diagnostic is. Only `error` removes a resource from compilation. */
export type Severity = 'error' | 'warning' | 'notice';

/** Where in an input file a resource or field came from (1-based line and column). */
export interface SourceLocation {
  file?: string;
  line: number;
  column: number;
}

/**
 * One problem found while loading, validating or compiling. Diagnostics are values: loading and
 * compiling never throw on user input.
 *
 * @example
 * ```ts
 * { resource: { kind: 'Mapping', namespace: 'default', name: 'quote' },
 *   path: 'spec.weight', message: 'expected an integer from 0 to 100, got 120', severity: 'error' }
 * ```
 */
export interface Diagnostic {
  resource: ResourceRef;
  /** Dotted field path inside the resource, e.g. `spec.cors.origins[1]`; '' for the whole resource. */
  path: string;
  message: string;
  severity: Severity;
  /** Stable machine-readable code, e.g. `weight-over-100`. */
  code?: string;
  source?: SourceLocation;
}

/** Formats a diagnostic the way `gateway validate` prints it: `<Kind> <ns>/<name>: <path>: <message>`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.source ? `${d.source.file ?? '-'}:${d.source.line}:${d.source.column}: ` : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}${d.resource.kind} ${d.resource.namespace}/${d.resource.name}: ${path}${d.message}`;
}
