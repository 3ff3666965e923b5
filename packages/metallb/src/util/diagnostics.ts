import type { Diagnostic, ResourceRef, Severity, SourceLocation } from '@gateway/core';

/** One segment of a field path: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats path segments the way diagnostics print them: `spec.addresses[0]`,
 * `metadata.annotations["metallb.io/address-pool"]`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Collects diagnostics for one resource; every parser and validator reports through one of these. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];

  add(
    resource: ResourceRef,
    path: readonly PathSegment[] | string,
    message: string,
    code: string,
    severity: Severity = 'error',
    source?: SourceLocation,
  ): void {
    const d: Diagnostic = {
      resource: { ...resource },
      path: typeof path === 'string' ? path : formatPath(path),
      message,
      severity,
      code,
    };
    if (source) d.source = source;
    this.diagnostics.push(d);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
