/**
 * @gateway/metallb — MetalLB for the Gateway SDK: a typed model with builders, the legacy
 * ConfigMap and the CRDs in both directions, MetalLB's own ConfigMap → CRDs conversion,
 * validation with MetalLB's rules, and a LoadBalancer address allocator.
 *
 * @example
 * ```ts
 * import { addressPool, allocate, emitCRDs, l2Advertisement, metallbConfig } from '@gateway/metallb';
 *
 * const config = metallbConfig()
 *   .add(addressPool('lan').addresses('192.168.1.240/28'))
 *   .add(l2Advertisement('lan').ipAddressPools('lan'))
 *   .build();
 * emitCRDs(config); // IPAddressPool + L2Advertisement YAML
 * allocate(config, [{ metadata: { name: 'gw', namespace: 'ambassador' }, spec: { type: 'LoadBalancer' } }]);
 * ```
 */

export {
  type AllocateOptions,
  type AllocationPlan,
  type Assignment,
  allocate,
  applyPlan,
  loadBalancerAddressesFor,
  loadBalancerAddressFor,
  type Unassigned,
} from './allocator/plan.js';
export {
  ANNOTATION_ADDRESS_POOL,
  ANNOTATION_ALLOW_SHARED_IP,
  ANNOTATION_IP_ALLOCATED_FROM_POOL,
  ANNOTATION_LOADBALANCER_IPS,
  type NamespaceInput,
  type ServiceInput,
  type ServiceRef,
} from './allocator/service.js';
export { emitConfigMap, legacyConfigData, toConfigMapObject } from './configmap/emit.js';
export { type LegacyParseOptions, type LegacyParseResult, parseConfigMap } from './configmap/parse.js';
export type {
  LegacyAddressPool,
  LegacyBFDProfile,
  LegacyBGPAdvertisement,
  LegacyConfig,
  LegacyPeer,
} from './configmap/types.js';
export { type BGPMode, type LegacyValidateOptions, validateLegacyConfig } from './configmap/validate.js';
export {
  type ConvertResult,
  convertConfigMapToCRDs,
  k8sCompatibleName,
  legacyToCRDModel,
} from './convert/configmap-to-crds.js';
export { type CRDsToConfigMapResult, crdsToConfigMap } from './convert/crds-to-configmap.js';
export {
  CONVERTER_HEADER,
  type CRDEmitOptions,
  type CRDStyle,
  emitCRDs,
  type KubeObject,
  toCRDObjects,
} from './crds/emit.js';
export { type CRDParseResult, parseCRDs } from './crds/parse.js';
export { type InputDocument, loadMetalLBInputs, type MetalLBInputs } from './load.js';
export {
  AddressPoolBuilder,
  addressPool,
  BFDProfileBuilder,
  BGPAdvertisementBuilder,
  BGPPeerBuilder,
  bfdProfile,
  bgpAdvertisement,
  bgpPeer,
  CommunityBuilder,
  community,
  L2AdvertisementBuilder,
  l2Advertisement,
  MetalLBConfigBuilder,
  type MetalLBObjectBuilder,
  metallbConfig,
} from './model/builders.js';
export { selectorMatches } from './model/selectors.js';
export * from './model/types.js';
export { type BGPCommunity, parseCommunity } from './net/community.js';
export { formatGoDuration, parseGoDuration } from './net/duration.js';
export {
  formatIP,
  formatPrefix,
  type IPAddress,
  type IPFamily,
  type IPPrefix,
  parseAddressEntry,
  parseCIDR,
  parseIP,
  summarizeRange,
} from './net/ip.js';
export { poolsSelectedBy, type ValidateOptions, validateMetalLB } from './validate/validate.js';
export { emitYaml } from './yaml/emit.js';
