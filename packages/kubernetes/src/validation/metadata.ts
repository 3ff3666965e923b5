import type { KubeObject } from '../types.js';
import type { FieldErrors } from './field.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';

/** Total size limit of all annotations (the API server's `TotalAnnotationSizeLimitB`). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface MetadataOptions {
  /** The kind's name rule, e.g. `isDNS1123Subdomain` (most kinds) or `isDNS1035Label` (Service). */
  nameRule: (name: string) => string[];
  /** Cluster-scoped kinds must not carry a namespace. */
  clusterScoped?: boolean;
}

/**
 * Port of `ValidateObjectMeta` for objects we emit: name (per kind), namespace (a DNS-1123
 * label; may be omitted because `kubectl apply -n` fills it in), label keys and values, annotation
 * keys and total size.
 */
export function validateObjectMeta(obj: KubeObject, errs: FieldErrors, opts: MetadataOptions): void {
  const meta = obj.metadata ?? {};
  if (!meta.name) {
    if (!meta.generateName) errs.required('metadata.name', 'name or generateName is required');
  } else {
    for (const msg of opts.nameRule(meta.name)) errs.invalid('metadata.name', meta.name, msg, 'invalid-name');
  }
  if (opts.clusterScoped) {
    if (meta.namespace)
      errs.forbidden('metadata.namespace', 'not allowed on this type', 'namespace-forbidden');
  } else if (meta.namespace !== undefined) {
    for (const msg of isDNS1123Label(meta.namespace))
      errs.invalid('metadata.namespace', meta.namespace, msg, 'invalid-namespace');
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const msg of isQualifiedName(key)) errs.invalid('metadata.labels', key, msg, 'invalid-label-key');
    for (const msg of isValidLabelValue(value))
      errs.invalid('metadata.labels', value, msg, 'invalid-label-value');
  }
  let size = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const msg of isQualifiedName(key.toLowerCase()))
      errs.invalid('metadata.annotations', key, msg, 'invalid-annotation-key');
    size += key.length + value.length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    errs.tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT, 'annotations-too-long');
}

/** Validates a label selector's `matchLabels` (keys and values), as `ValidateLabels` does. */
export function validateLabels(
  labels: Record<string, string> | undefined,
  path: string,
  errs: FieldErrors,
): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(key)) errs.invalid(path, key, msg, 'invalid-label-key');
    for (const msg of isValidLabelValue(value)) errs.invalid(path, value, msg, 'invalid-label-value');
  }
}
