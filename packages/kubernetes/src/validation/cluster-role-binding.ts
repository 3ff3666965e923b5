import type { Diagnostic } from '@gateway/core';
import type { RoleBinding } from '../types.js';
import { rbacNameErrors } from './cluster-role.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * Port of `ValidateClusterRoleBinding` / `ValidateRoleBinding`: `roleRef` in the RBAC group,
 * kind ClusterRole (or Role for RoleBindings), a name; ServiceAccount subjects carry a namespace
 * and no apiGroup, User/Group subjects use the RBAC group.
 *
 * @example
 * ```ts
 * validateClusterRoleBinding({ kind: 'ClusterRoleBinding', metadata: { name: 'b' },
 *   roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } });
 * // roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"
 * ```
 */
export function validateClusterRoleBinding(binding: RoleBinding): Diagnostic[] {
  const kind = binding.kind ?? 'ClusterRoleBinding';
  const errs = new FieldErrors(objectRef(binding, kind));
  validateObjectMeta(binding, errs, {
    nameRule: rbacNameErrors,
    clusterScoped: kind === 'ClusterRoleBinding',
  });
  const ref = binding.roleRef ?? { apiGroup: '', kind: '', name: '' };
  if (ref.apiGroup !== RBAC_GROUP) errs.notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]);
  const kinds = kind === 'RoleBinding' ? ['ClusterRole', 'Role'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.notSupported('roleRef.kind', ref.kind, kinds);
  if (!ref.name) errs.required('roleRef.name');
  else for (const msg of rbacNameErrors(ref.name)) errs.invalid('roleRef.name', ref.name, msg);
  (binding.subjects ?? []).forEach((s, i) => {
    const path = `subjects[${i}]`;
    if (!s.name) errs.required(`${path}.name`);
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup) errs.notSupported(`${path}.apiGroup`, s.apiGroup, ['']);
      if (s.name) for (const msg of isDNS1123Subdomain(s.name)) errs.invalid(`${path}.name`, s.name, msg);
      if (kind === 'ClusterRoleBinding' && !s.namespace)
        errs.required(`${path}.namespace`, '', 'subject-namespace-required');
      if (s.namespace)
        for (const msg of isDNS1123Label(s.namespace)) errs.invalid(`${path}.namespace`, s.namespace, msg);
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== RBAC_GROUP) errs.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]);
    } else {
      errs.notSupported(`${path}.kind`, s.kind, ['Group', 'ServiceAccount', 'User']);
    }
  });
  return errs.list;
}
