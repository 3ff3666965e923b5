/**
 * The upstream half of `@gateway/proxy`: connection pools, load balancing, health checking,
 * outlier detection, circuit breakers, retries and timeouts for talking to backends.
 *
 * @module
 */
export { createClusterManager } from './cluster-manager.js';
export type { UpstreamEventName, UpstreamListener } from './events.js';
export type {
  ClusterManager,
  ClusterManagerOptions,
  ClusterStats,
  PickedEndpoint,
  RequestPolicy,
  ResolveMap,
  UpstreamCall,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSink,
} from './types.js';
