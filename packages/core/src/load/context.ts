import type { Diagnostic, Severity, SourceLocation } from '../diagnostics.js';
import type { ResourceRef } from '../ir/types.js';
import type { Resource } from '../model/resource.js';

/** Options for {@link loadYaml} and {@link loadObjects}. */
export interface LoadOptions {
  /** File name used in diagnostics' `source`. */
  file?: string;
  /** Namespace for resources that name none (default `default`). */
  defaultNamespace?: string;
  /**
   * Ingress class this gateway serves (default `gateway`). Ingresses whose class (spec
   * `ingressClassName` or the legacy `kubernetes.io/ingress.class` annotation) is unset, equals
   * this, or is `ambassador` are loaded; others are skipped with a notice.
   */
  ingressClass?: string;
}

/** What loading produced: typed resources and every problem found on the way. */
export interface LoadResult {
  resources: Resource[];
  diagnostics: Diagnostic[];
}

/** Finds the source location of a field path (`spec.weight`) inside a resource's document. */
export type Locator = (path: string) => SourceLocation | undefined;

/**
 * Field locators per loaded resource, so validation and compilation can point at `file:line:col`
 * without keeping parsed YAML trees alive (locators re-parse their document lazily).
 */
const locators = new WeakMap<object, Locator>();

export function setLocator(resource: Resource, locate: Locator): void {
  locators.set(resource, locate);
}

/** The best source location for `path` in `resource`: the field if known, else the document. */
export function locate(resource: Resource, path: string): SourceLocation | undefined {
  const fn = locators.get(resource);
  if (fn && path) {
    try {
      const at = fn(path);
      if (at) return at;
    } catch {
      // A locator is a convenience; never let it turn a diagnostic into a crash.
    }
  }
  return resource.source;
}

/** Per-document state while loading. */
export interface DocContext {
  file?: string;
  defaultNamespace: string;
  ingressClass: string;
  source?: SourceLocation;
  locate?: Locator;
  /** Where resources and diagnostics go. */
  resources: Resource[];
  diagnostics: Diagnostic[];
  /** Index of the document in its stream (1-based), for naming nameless documents. */
  index: number;
}

export function pushDiag(
  ctx: DocContext,
  resource: ResourceRef,
  path: string,
  message: string,
  severity: Severity,
  code: string,
): void {
  const source = (path && ctx.locate?.(path)) || ctx.source;
  ctx.diagnostics.push({ resource, path, message, severity, code, ...(source ? { source } : {}) });
}
