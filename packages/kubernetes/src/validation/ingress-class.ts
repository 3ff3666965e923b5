import type { Diagnostic } from '@gateway/core';
import type { IngressClass } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Subdomain, regexError } from './names.js';

/** `maxLenIngressClassController`. */
export const INGRESS_CLASS_CONTROLLER_MAX = 250;

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_CHARS = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/**
 * Port of `ValidateIngressClass`: name (DNS subdomain), `spec.controller` required, ≤ 250 and a
 * domain-prefixed path (`example.com/controller`), `spec.parameters` kind/name required and scope
 * rules.
 *
 * @example
 * ```ts
 * validateIngressClass({ metadata: { name: 'gateway' }, spec: { controller: 'gateway' } });
 * // spec.controller: Invalid value: "gateway": must be a domain-prefixed path (such as "acme.io/foo")
 * ```
 */
export function validateIngressClass(cls: IngressClass): Diagnostic[] {
  const errs = new FieldErrors(objectRef(cls, 'IngressClass'));
  validateObjectMeta(cls, errs, { nameRule: isDNS1123Subdomain, clusterScoped: true });
  const controller = cls.spec?.controller ?? '';
  if (controller.length > INGRESS_CLASS_CONTROLLER_MAX) {
    errs.tooLong('spec.controller', INGRESS_CLASS_CONTROLLER_MAX, 'controller-too-long');
  }
  validateDomainPrefixedPath('spec.controller', controller, errs);
  const params = cls.spec?.parameters;
  if (params) {
    if (!params.kind) errs.required('spec.parameters.kind', 'kind is required');
    if (!params.name) errs.required('spec.parameters.name', 'name is required');
    const scope = params.scope ?? 'Cluster';
    if (scope !== 'Cluster' && scope !== 'Namespace') {
      errs.notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']);
    } else if (scope === 'Namespace' && !params.namespace) {
      errs.required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"');
    } else if (scope === 'Cluster' && params.namespace) {
      errs.forbidden('spec.parameters.namespace', '`parameters.scope` is set to "Cluster"');
    }
  }
  return errs.list;
}

/** Port of `IsDomainPrefixedPath`. */
export function validateDomainPrefixedPath(path: string, value: string, errs: FieldErrors): void {
  if (value.length === 0) {
    errs.required(path, '', 'controller-missing');
    return;
  }
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    errs.invalid(
      path,
      value,
      'must be a domain-prefixed path (such as "acme.io/foo")',
      'not-domain-prefixed',
    );
    return;
  }
  for (const msg of isDNS1123Subdomain(host)) errs.invalid(path, host, msg, 'invalid-domain');
  if (!HTTP_PATH_CHARS.test(rest))
    errs.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT), 'invalid-path');
}
