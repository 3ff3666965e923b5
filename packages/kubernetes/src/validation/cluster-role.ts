import type { Diagnostic } from '@gateway/core';
import type { ClusterRole } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';

/** `ValidateRBACName` = `path.IsValidPathSegmentName`. */
export function rbacNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  return errs;
}

/**
 * Port of `ValidateClusterRole` / `ValidateRole` (`pkg/apis/rbac/validation`): names are path
 * segments; every rule has verbs; resource rules name at least one API group; non-resource URLs
 * only in ClusterRoles and never mixed with resources.
 *
 * @example
 * ```ts
 * validateClusterRole({ kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ resources: ['pods'], verbs: ['get'] }] });
 * // rules[0].apiGroups: Required value: resource rules must supply at least one api group
 * ```
 */
export function validateClusterRole(role: ClusterRole): Diagnostic[] {
  const kind = role.kind ?? 'ClusterRole';
  const errs = new FieldErrors(objectRef(role, kind));
  validateObjectMeta(role, errs, { nameRule: rbacNameErrors, clusterScoped: kind === 'ClusterRole' });
  (role.rules ?? []).forEach((rule, i) => {
    const path = `rules[${i}]`;
    if ((rule.verbs ?? []).length === 0)
      errs.required(`${path}.verbs`, 'verbs must contain at least one value', 'no-verbs');
    const urls = rule.nonResourceURLs ?? [];
    if (urls.length > 0) {
      if (kind === 'Role')
        errs.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs');
      if (
        (rule.apiGroups ?? []).length > 0 ||
        (rule.resources ?? []).length > 0 ||
        (rule.resourceNames ?? []).length > 0
      ) {
        errs.invalid(
          `${path}.nonResourceURLs`,
          urls,
          'rules cannot apply to both regular resources and non-resource URLs',
        );
      }
      return;
    }
    if ((rule.apiGroups ?? []).length === 0) {
      errs.required(
        `${path}.apiGroups`,
        'resource rules must supply at least one api group',
        'no-api-groups',
      );
    }
    if ((rule.resources ?? []).length === 0) {
      errs.required(`${path}.resources`, 'resource rules must supply at least one resource', 'no-resources');
    }
  });
  return errs.list;
}
