/**
 * @gateway/kubernetes: Kubernetes objects from the gateway IR (Ingress, Gateway API, Services,
 * an install bundle), the Kubernetes-specific readers (ingress classes, TLS Secrets,
 * EndpointSlices), API-server validation rules, a watch-based controller, and a loopback fake
 * API server for tests.
 *
 * @module
 */

export { Backoff } from './controller/backoff.js';
export {
  type Controller,
  type ControllerOptions,
  type ControllerStats,
  type CycleInfo,
  createController,
  type LogLevel,
} from './controller/controller.js';
export { type EventProblem, EventRecorder, type EventTarget } from './controller/events.js';
export type { InformerTiming } from './controller/informer.js';
export { AMBASSADOR_KINDS, type WatchedKind, watchedKinds } from './controller/kinds.js';
export { KubeConfig, loadKubeConfig } from './controller/kubeconfig.js';
export {
  type LeaderCallbacks,
  type LeaderElectionOptions,
  LeaderElector,
} from './controller/leader-election.js';
export { IngressStatusWriter, ingressAddresses } from './controller/status.js';
export type { EmitResult, ServiceResolutionOptions } from './emit/common.js';
export { emitGatewayApi, type GatewayApiEmitOptions, gatewayDuration } from './emit/gateway-api.js';
export { emitIngress, type IngressEmitOptions } from './emit/ingress.js';
export {
  AMBASSADOR_RESOURCES,
  controllerRules,
  emitInstall,
  type InstallEmitOptions,
} from './emit/install.js';
export {
  type AnnotatedServicesOptions,
  emitAnnotatedServices,
  emitServices,
  type MetalLBServiceOptions,
  metallbAnnotations,
  type ServiceSettings,
  type ServicesEmitOptions,
  toAmbassadorFields,
} from './emit/services.js';
export { toYamlDocuments } from './emit/yaml.js';
export {
  type ApplyEndpointSlicesOptions,
  applyEndpointSlices,
  type EndpointSource,
  endpointSourceFrom,
  SERVICE_NAME_LABEL,
} from './read/endpoint-slices.js';
export {
  DEFAULT_CLASS_ANNOTATION,
  DEFAULT_CONTROLLER_NAME,
  type IngressClassPolicy,
  isIngressServed,
} from './read/ingress-class.js';
export {
  CONFIG_ANNOTATION,
  type CompileKubernetesOptions,
  compileKubernetesObjects,
  isGatewaySourceObject,
  type KubernetesObjects,
  type ParsedObject,
  type ParseOptions,
  parseObject,
  sortObjects,
} from './read/objects.js';
export { applySecrets, referencedSecrets, type SecretLookup, secretLookupFrom } from './read/secrets.js';
export { clusterServiceRef, type ServiceRef } from './service-ref.js';
export {
  DEFAULT_RESOURCE_TYPES,
  FakeApiServer,
  type FakeApiServerOptions,
  type FakeResourceType,
  type RecordedRequest,
  startFakeApiServer,
} from './testing/fake-api-server.js';
export type * from './types.js';
export * from './validation/index.js';
