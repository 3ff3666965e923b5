import type { Diagnostic } from '@gateway/core';
import type {
  ClusterRole,
  Deployment,
  Gateway,
  GRPCRoute,
  HTTPRoute,
  Ingress,
  IngressClass,
  KubeObject,
  Namespace,
  RoleBinding,
  Service,
  ServiceAccount,
} from '../types.js';
import { validateClusterRole } from './cluster-role.js';
import { validateClusterRoleBinding } from './cluster-role-binding.js';
import { validateDeployment } from './deployment.js';
import { objectRef } from './field.js';
import { validateGateway } from './gateway.js';
import { validateGRPCRoute } from './grpc-route.js';
import { validateHTTPRoute } from './http-route.js';
import { validateIngress } from './ingress.js';
import { validateIngressClass } from './ingress-class.js';
import { validateNamespace } from './namespace.js';
import { validateService } from './service.js';
import { validateServiceAccount } from './service-account.js';

/**
 * Runs the API-server rules for one object by its `apiVersion`/`kind`. Kinds without a port
 * yield a notice (`no-validator`) rather than passing silently.
 *
 * @example
 * ```ts
 * for (const obj of emitIngress(ir).objects) {
 *   for (const d of validateObject(obj)) console.error(formatDiagnostic(d));
 * }
 * ```
 */
export function validateObject(obj: KubeObject): Diagnostic[] {
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'networking.k8s.io/v1/Ingress':
      return validateIngress(obj as Ingress);
    case 'networking.k8s.io/v1/IngressClass':
      return validateIngressClass(obj as IngressClass);
    case 'v1/Service':
      return validateService(obj as Service);
    case 'v1/Namespace':
      return validateNamespace(obj as Namespace);
    case 'v1/ServiceAccount':
      return validateServiceAccount(obj as ServiceAccount);
    case 'rbac.authorization.k8s.io/v1/ClusterRole':
    case 'rbac.authorization.k8s.io/v1/Role':
      return validateClusterRole(obj as ClusterRole);
    case 'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return validateClusterRoleBinding(obj as RoleBinding);
    case 'apps/v1/Deployment':
      return validateDeployment(obj as Deployment);
    case 'gateway.networking.k8s.io/v1/Gateway':
      return validateGateway(obj as Gateway);
    case 'gateway.networking.k8s.io/v1/HTTPRoute':
      return validateHTTPRoute(obj as HTTPRoute);
    case 'gateway.networking.k8s.io/v1/GRPCRoute':
      return validateGRPCRoute(obj as GRPCRoute);
    default:
      return [
        {
          resource: objectRef(obj),
          path: '',
          message: `no validation rules for ${obj.apiVersion} ${obj.kind}`,
          severity: 'notice',
          code: 'no-validator',
        },
      ];
  }
}

export { validateClusterRole } from './cluster-role.js';
export { validateClusterRoleBinding } from './cluster-role-binding.js';
export { validateDeployment } from './deployment.js';
export { validateGateway } from './gateway.js';
export { validateGRPCRoute } from './grpc-route.js';
export { parseGatewayDuration, validateHTTPRoute } from './http-route.js';
export { INGRESS_CLASS_ANNOTATION, validateIngress } from './ingress.js';
export { validateIngressClass } from './ingress-class.js';
export * from './names.js';
export { validateNamespace } from './namespace.js';
export { DEFAULT_NODE_PORT_RANGE, METALLB_ANNOTATIONS, validateService } from './service.js';
export { validateServiceAccount } from './service-account.js';
