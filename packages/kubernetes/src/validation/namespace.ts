import type { Diagnostic } from '@gateway/core';
import type { Namespace } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Label } from './names.js';

/**
 * Port of `ValidateNamespace`: the name is a DNS-1123 label and the object is cluster-scoped.
 *
 * @example
 * ```ts
 * validateNamespace({ metadata: { name: 'Gateway' } }); // metadata.name: Invalid value: "Gateway": a lowercase RFC 1123 label …
 * ```
 */
export function validateNamespace(ns: Namespace): Diagnostic[] {
  const errs = new FieldErrors(objectRef(ns, 'Namespace'));
  validateObjectMeta(ns, errs, { nameRule: isDNS1123Label, clusterScoped: true });
  return errs.list;
}
