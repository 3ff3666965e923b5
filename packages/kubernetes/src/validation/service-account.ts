import type { Diagnostic } from '@gateway/core';
import type { ServiceAccount } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Subdomain } from './names.js';

/**
 * Port of `ValidateServiceAccount`: the name is a DNS-1123 subdomain.
 *
 * @example
 * ```ts
 * validateServiceAccount({ metadata: { name: 'gateway', namespace: 'gateway-system' } }); // []
 * ```
 */
export function validateServiceAccount(sa: ServiceAccount): Diagnostic[] {
  const errs = new FieldErrors(objectRef(sa, 'ServiceAccount'));
  validateObjectMeta(sa, errs, { nameRule: isDNS1123Subdomain });
  return errs.list;
}
