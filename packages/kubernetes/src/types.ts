/**
 * Plain JSON shapes of the Kubernetes objects this package reads and writes. Only the fields we
 * use are typed; everything is optional where the API server allows it to be. These are data,
 * not client-node classes: no `Date` objects, field names exactly as on the wire.
 *
 * @module
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: objects are open-ended JSON
  [key: string]: any;
}

/** `{kind, namespace, name}` of an object, for diagnostics. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

// -------------------------------------------------------------------------------------------
// core/v1

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Service';
  metadata: ObjectMeta;
  spec?: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    externalTrafficPolicy?: 'Cluster' | 'Local' | string;
    internalTrafficPolicy?: 'Cluster' | 'Local' | string;
    loadBalancerIP?: string;
    loadBalancerClass?: string;
    loadBalancerSourceRanges?: string[];
    allocateLoadBalancerNodePorts?: boolean;
    sessionAffinity?: 'None' | 'ClientIP' | string;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    publishNotReadyAddresses?: boolean;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
  ports?: Array<{ port: number; protocol: string; error?: string }>;
}

export interface Secret extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  /** Base64 values. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Namespace extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  metadata: ObjectMeta;
}

export interface ServiceAccount extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ServiceAccount';
  metadata: ObjectMeta;
  automountServiceAccountToken?: boolean;
}

/** core/v1 Event (the form `kubectl describe` shows). */
export interface CoreEvent extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Event';
  metadata: ObjectMeta;
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    resourceVersion?: string;
    fieldPath?: string;
  };
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning' | string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

// -------------------------------------------------------------------------------------------
// networking.k8s.io/v1

export interface ServiceBackendPort {
  name?: string;
  number?: number;
}

export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath {
  path?: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific' | string;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface Ingress extends KubeObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'Ingress';
  metadata: ObjectMeta;
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: IngressTLS[];
    rules?: IngressRule[];
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'IngressClass';
  metadata: ObjectMeta;
  spec?: {
    controller?: string;
    parameters?: { apiGroup?: string; kind: string; name: string; namespace?: string; scope?: string };
  };
}

// -------------------------------------------------------------------------------------------
// discovery.k8s.io/v1

export interface EndpointSlice extends KubeObject {
  apiVersion?: 'discovery.k8s.io/v1';
  kind?: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN' | string;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    hostname?: string;
    nodeName?: string;
    zone?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string; uid?: string };
  }>;
  ports?: Array<{ name?: string | null; port?: number | null; protocol?: string; appProtocol?: string }>;
}

// -------------------------------------------------------------------------------------------
// coordination.k8s.io/v1

export interface Lease extends KubeObject {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  metadata: ObjectMeta;
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number | null;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number | null;
  };
}

// -------------------------------------------------------------------------------------------
// rbac.authorization.k8s.io/v1 and apps/v1

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface ClusterRole extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'ClusterRole' | 'Role';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
}

export interface RoleBinding extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'ClusterRoleBinding' | 'RoleBinding';
  metadata: ObjectMeta;
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }>;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface Deployment extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'Deployment';
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: {
      metadata?: ObjectMeta;
      spec: {
        serviceAccountName?: string;
        containers: Container[];
        securityContext?: {
          runAsNonRoot?: boolean;
          runAsUser?: number;
          runAsGroup?: number;
          fsGroup?: number;
          seccompProfile?: { type: string };
        };
        volumes?: Array<{ name: string; emptyDir?: Record<string, unknown> }>;
        terminationGracePeriodSeconds?: number;
      };
    };
  };
}

// -------------------------------------------------------------------------------------------
// gateway.networking.k8s.io/v1

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface GatewayListener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: {
    mode?: 'Terminate' | 'Passthrough' | string;
    certificateRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string }>;
    options?: Record<string, string>;
  };
  allowedRoutes?: {
    namespaces?: { from?: 'All' | 'Same' | 'Selector' | string; selector?: unknown };
    kinds?: Array<{ group?: string; kind: string }>;
  };
}

export interface Gateway extends KubeObject {
  apiVersion?: 'gateway.networking.k8s.io/v1';
  kind?: 'Gateway';
  metadata: ObjectMeta;
  spec?: {
    gatewayClassName: string;
    listeners: GatewayListener[];
    addresses?: Array<{ type?: string; value: string }>;
  };
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HeaderModifier {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch' | string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface BackendObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HeaderModifier;
  responseHeaderModifier?: HeaderModifier;
  requestMirror?: {
    backendRef: BackendObjectReference;
    percent?: number;
    fraction?: { numerator: number; denominator?: number };
  };
  requestRedirect?: {
    scheme?: 'http' | 'https' | string;
    hostname?: string;
    path?: HTTPPathModifier;
    port?: number;
    statusCode?: number;
  };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  extensionRef?: { group: string; kind: string; name: string };
  cors?: {
    allowOrigins?: string[];
    allowCredentials?: boolean;
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    maxAge?: number;
  };
}

export interface HTTPRouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | string; value?: string };
  headers?: Array<{ type?: 'Exact' | 'RegularExpression' | string; name: string; value: string }>;
  queryParams?: Array<{ type?: 'Exact' | 'RegularExpression' | string; name: string; value: string }>;
  method?: string;
}

export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

export interface HTTPRoute extends KubeObject {
  apiVersion?: 'gateway.networking.k8s.io/v1';
  kind?: 'HTTPRoute';
  metadata: ObjectMeta;
  spec?: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: HTTPRouteRule[];
  };
}

export interface GRPCRouteMatch {
  method?: { type?: 'Exact' | 'RegularExpression' | string; service?: string; method?: string };
  headers?: Array<{ type?: 'Exact' | 'RegularExpression' | string; name: string; value: string }>;
}

export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
}

export interface GRPCRoute extends KubeObject {
  apiVersion?: 'gateway.networking.k8s.io/v1';
  kind?: 'GRPCRoute';
  metadata: ObjectMeta;
  spec?: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: GRPCRouteRule[];
  };
}
