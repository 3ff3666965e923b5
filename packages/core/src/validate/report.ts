import type { Diagnostic, Severity } from '../diagnostics.js';
import { locate } from '../load/context.js';
import type { Resource } from '../model/resource.js';

/** Collects diagnostics for one resource, attaching source locations. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  hasError = false;
  constructor(readonly resource: Resource) {}

  add(path: string, message: string, severity: Severity = 'error', code = 'invalid-value'): void {
    const r = this.resource;
    const source = locate(r, path);
    this.diagnostics.push({
      resource: { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name },
      path,
      message,
      severity,
      code,
      ...(source ? { source } : {}),
    });
    if (severity === 'error') this.hasError = true;
  }
  error(path: string, message: string, code?: string): void {
    this.add(path, message, 'error', code);
  }
  warn(path: string, message: string, code?: string): void {
    this.add(path, message, 'warning', code);
  }
  notice(path: string, message: string, code?: string): void {
    this.add(path, message, 'notice', code);
  }
}

/** Diagnostic for a resource outside a Reporter. */
export function diagFor(
  r: Resource,
  path: string,
  message: string,
  severity: Severity,
  code: string,
): Diagnostic {
  const source = locate(r, path);
  return {
    resource: { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name },
    path,
    message,
    severity,
    code,
    ...(source ? { source } : {}),
  };
}
