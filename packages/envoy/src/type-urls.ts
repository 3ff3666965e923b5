import { typeUrl } from './proto/json.js';

/** The xDS resource types the ADS server serves, in make-before-break push order. */
export const TYPE_URLS = {
  cluster: typeUrl('envoy.config.cluster.v3.Cluster'),
  endpoint: typeUrl('envoy.config.endpoint.v3.ClusterLoadAssignment'),
  listener: typeUrl('envoy.config.listener.v3.Listener'),
  route: typeUrl('envoy.config.route.v3.RouteConfiguration'),
  secret: typeUrl('envoy.extensions.transport_sockets.tls.v3.Secret'),
} as const;

export type ResourceKind = keyof typeof TYPE_URLS;

/** Push order: CDS → EDS → LDS → RDS (then SDS; secrets are fetched when listeners/clusters warm). */
export const PUSH_ORDER: readonly ResourceKind[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

/** Kinds whose SotW responses must carry every subscribed resource (absence = deletion). */
export const FULL_STATE_KINDS: ReadonlySet<ResourceKind> = new Set(['listener', 'cluster']);

/** Kinds that support wildcard subscriptions. */
export const WILDCARD_KINDS: ReadonlySet<ResourceKind> = new Set(['listener', 'cluster']);

const BY_URL = new Map<string, ResourceKind>(
  Object.entries(TYPE_URLS).map(([k, v]) => [v, k as ResourceKind]),
);

/** The kind of a type URL, or undefined for types the server does not serve. */
export function kindOfTypeUrl(url: string): ResourceKind | undefined {
  return BY_URL.get(url);
}
