import type { Diagnostic } from '@gateway/core';

/** `path: message` lines of the error diagnostics, for exact-message assertions. */
export function lines(diags: Diagnostic[]): string[] {
  return diags
    .filter((d) => d.severity === 'error')
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
}
