import { DEFAULT_CONTROLLER_NAME } from '../read/ingress-class.js';
import type {
  ClusterRole,
  Deployment,
  IngressClass,
  KubeObject,
  Namespace,
  PolicyRule,
  RoleBinding,
  Service,
  ServiceAccount,
} from '../types.js';
import { type EmitResult, selfCheck } from './common.js';
import { type MetalLBServiceOptions, metallbAnnotations } from './services.js';

/** The getambassador.io kinds the controller watches (plural resource names). */
export const AMBASSADOR_RESOURCES = [
  'mappings',
  'hosts',
  'listeners',
  'modules',
  'authservices',
  'ratelimitservices',
  'tlscontexts',
  'tcpmappings',
];

export interface InstallEmitOptions {
  /** Namespace the gateway runs in. Default `gateway-system`. */
  namespace?: string;
  /** Name of the Deployment, ServiceAccount, Service and RBAC objects. Default `gateway`. */
  name?: string;
  /** Container image. Default `ghcr.io/gateway-sdk/gateway:latest`. */
  image?: string;
  /** Replicas (leader election keeps one writer). Default 2. */
  replicas?: number;
  /** Ingress class served (and emitted as an IngressClass). Default `gateway`. */
  ingressClass?: string;
  /** IngressClass `spec.controller`. Default {@link DEFAULT_CONTROLLER_NAME}. */
  controllerName?: string;
  /** Mark the IngressClass as the cluster default. */
  defaultClass?: boolean;
  /** Data plane the controller feeds: the in-process proxy (default) or an xDS server for Envoy. */
  sink?: 'proxy' | 'xds';
  /** Only watch these namespaces (RBAC becomes namespaced Roles). Default: all namespaces. */
  watchNamespaces?: string[];
  /** How the gateway is exposed. Default `LoadBalancer`. */
  serviceType?: 'LoadBalancer' | 'NodePort';
  /** Node ports for NodePort/LoadBalancer Services. */
  nodePorts?: { http?: number; https?: number };
  /** MetalLB options of the LoadBalancer Service. */
  metallb?: MetalLBServiceOptions;
  /** `externalTrafficPolicy` of the gateway Service (Local keeps client addresses). */
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** Container ports. Defaults: http 8080, https 8443, admin 8877. */
  ports?: { http?: number; https?: number; admin?: number };
  /** Resource requests and limits. Default requests cpu 100m / memory 128Mi, limit memory 512Mi. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Extra labels for every object. */
  labels?: Record<string, string>;
}

/**
 * RBAC rules for exactly what the controller reads and writes: list/watch of Services,
 * EndpointSlices, Ingresses, IngressClasses and the getambassador.io kinds; get/list/watch of
 * Secrets (TLS certificates); Ingress status updates; Event create/patch. Leases (leader
 * election) are granted by a Role in the gateway's own namespace.
 */
export function controllerRules(): { cluster: PolicyRule[]; namespaced: PolicyRule[]; lease: PolicyRule[] } {
  const namespaced: PolicyRule[] = [
    { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['list', 'watch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update', 'patch'] },
    { apiGroups: ['getambassador.io'], resources: [...AMBASSADOR_RESOURCES], verbs: ['list', 'watch'] },
  ];
  const cluster: PolicyRule[] = [
    { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: ['list', 'watch'] },
  ];
  const lease: PolicyRule[] = [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  ];
  return { cluster, namespaced, lease };
}

/**
 * Emits everything needed to run the gateway controller in a cluster: Namespace,
 * ServiceAccount, least-privilege RBAC (a ClusterRole for cluster-wide watches, or Roles per
 * watched namespace; a Role for the leader-election Lease), the IngressClass, a Deployment
 * (non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
 * probes on the admin port's `/ready` and `/live`, resource requests) and the Service exposing it
 * as LoadBalancer (with MetalLB annotations) or NodePort.
 *
 * @example
 * ```ts
 * const { objects } = emitInstall({ image: 'registry.example/gateway:1.0.0', metallb: { addressPool: 'public' } });
 * ```
 */
export function emitInstall(opts: InstallEmitOptions = {}): EmitResult {
  const ns = opts.namespace ?? 'gateway-system';
  const name = opts.name ?? 'gateway';
  const cls = opts.ingressClass ?? 'gateway';
  const ports = {
    http: opts.ports?.http ?? 8080,
    https: opts.ports?.https ?? 8443,
    admin: opts.ports?.admin ?? 8877,
  };
  const appLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'gateway' };
  const labels = { ...appLabels, 'app.kubernetes.io/managed-by': 'gateway-sdk', ...(opts.labels ?? {}) };
  const rules = controllerRules();
  const subject = [{ kind: 'ServiceAccount', name, namespace: ns }];
  const rbacRef = (kind: 'ClusterRole' | 'Role', roleName: string) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind,
    name: roleName,
  });

  const objects: KubeObject[] = [];
  const namespace: Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: { ...labels } },
  };
  const sa: ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: ns, labels: { ...labels } },
  };
  objects.push(namespace, sa);

  const watched = opts.watchNamespaces ?? [];
  if (watched.length === 0) {
    const role: ClusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: { ...labels } },
      rules: [...rules.namespaced, ...rules.cluster],
    };
    const binding: RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: { ...labels } },
      roleRef: rbacRef('ClusterRole', name),
      subjects: subject,
    };
    objects.push(role, binding);
  } else {
    const clusterRole: ClusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: { ...labels } },
      rules: rules.cluster,
    };
    const clusterBinding: RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: { ...labels } },
      roleRef: rbacRef('ClusterRole', name),
      subjects: subject,
    };
    objects.push(clusterRole, clusterBinding);
    for (const w of [...new Set(watched)].sort()) {
      objects.push(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name, namespace: w, labels: { ...labels } },
          rules: rules.namespaced,
        } satisfies ClusterRole,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name, namespace: w, labels: { ...labels } },
          roleRef: rbacRef('Role', name),
          subjects: subject,
        } satisfies RoleBinding,
      );
    }
  }
  const leaseName = `${name}-leader-election`;
  // The controller reads its own Service (load-balancer address for Ingress status) even when
  // its namespace is not among the watched ones.
  const ownService: PolicyRule[] =
    watched.length > 0 && !watched.includes(ns)
      ? [{ apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] }]
      : [];
  objects.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: leaseName, namespace: ns, labels: { ...labels } },
      rules: [...rules.lease, ...ownService],
    } satisfies ClusterRole,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: leaseName, namespace: ns, labels: { ...labels } },
      roleRef: rbacRef('Role', leaseName),
      subjects: subject,
    } satisfies RoleBinding,
  );

  const ingressClass: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name: cls,
      labels: { ...labels },
      ...(opts.defaultClass
        ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }
        : {}),
    },
    spec: { controller: opts.controllerName ?? DEFAULT_CONTROLLER_NAME },
  };
  objects.push(ingressClass);

  const args = [
    'controller',
    '--ingress-class',
    cls,
    '--sink',
    opts.sink ?? 'proxy',
    '--publish-service',
    `${ns}/${name}`,
    '--lease-namespace',
    ns,
    '--listen',
    `0.0.0.0:${ports.http}`,
    '--admin',
    `0.0.0.0:${ports.admin}`,
    ...watched.flatMap((w) => ['--namespace', w]),
  ];
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { ...labels } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { ...appLabels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          serviceAccountName: name,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'gateway',
              image: opts.image ?? 'ghcr.io/gateway-sdk/gateway:latest',
              args,
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: [
                { name: 'http', containerPort: ports.http, protocol: 'TCP' },
                { name: 'https', containerPort: ports.https, protocol: 'TCP' },
                { name: 'admin', containerPort: ports.admin, protocol: 'TCP' },
              ],
              readinessProbe: {
                httpGet: { path: '/ready', port: 'admin' },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/live', port: 'admin' },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              resources: opts.resources ?? {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { memory: '512Mi' },
              },
              securityContext: {
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  objects.push(deployment);

  const type = opts.serviceType ?? 'LoadBalancer';
  const annotations = type === 'LoadBalancer' ? metallbAnnotations(opts.metallb) : {};
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      labels: { ...labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      type,
      selector: { ...appLabels },
      ports: [
        {
          name: 'http',
          protocol: 'TCP',
          port: 80,
          targetPort: 'http',
          ...(opts.nodePorts?.http ? { nodePort: opts.nodePorts.http } : {}),
        },
        {
          name: 'https',
          protocol: 'TCP',
          port: 443,
          targetPort: 'https',
          ...(opts.nodePorts?.https ? { nodePort: opts.nodePorts.https } : {}),
        },
      ],
      ...(opts.externalTrafficPolicy ? { externalTrafficPolicy: opts.externalTrafficPolicy } : {}),
    },
  };
  objects.push(service);
  return { objects, diagnostics: selfCheck(objects) };
}
