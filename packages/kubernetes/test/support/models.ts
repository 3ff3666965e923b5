import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { GRPCRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/GRPCRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { IngressClass } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubeObject } from '../../src/types.js';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'networking.k8s.io/v1/Ingress': Ingress as unknown as Model,
  'networking.k8s.io/v1/IngressClass': IngressClass as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'v1/Namespace': Namespace as unknown as Model,
  'v1/ServiceAccount': ServiceAccount as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as Model,
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as Model,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as Model,
  'apps/v1/Deployment': Deployment as unknown as Model,
  'gateway.networking.k8s.io/v1/Gateway': Gateway as unknown as Model,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute as unknown as Model,
};

/**
 * Validates an object with kubernetes-models (OpenAPI schema via ajv). GRPCRoute v1 has no model
 * in the Node-20-compatible @kubernetes-models/gateway-api 0.5.x (Gateway API v1.0), so it is
 * checked against the v1alpha2 schema, whose spec is the one promoted unchanged to v1.
 * Returns the validation error message, or undefined when valid.
 */
export function modelError(obj: KubeObject): string | undefined {
  let data = obj;
  let model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (obj.apiVersion === 'gateway.networking.k8s.io/v1' && obj.kind === 'GRPCRoute') {
    model = GRPCRoute as unknown as Model;
    data = { ...obj, apiVersion: 'gateway.networking.k8s.io/v1alpha2' };
  }
  if (!model) return `no model for ${obj.apiVersion} ${obj.kind}`;
  try {
    new model(structuredClone(data) as never).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
