import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import type { KubeObject } from '../types.js';

/** Something the controller watches. */
export interface WatchedKind {
  /** Stable key, e.g. `services`, `getambassador.io/mappings`. */
  key: string;
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  /** Missing API (CRDs not installed) is not an error: the kind is empty until it appears. */
  optional: boolean;
  fieldSelector?: string;
  /** Watch path for a namespace (undefined = all namespaces). */
  path(namespace?: string): string;
  /** Lists with client-node's typed clients; items come back as plain JSON with apiVersion/kind. */
  list(namespace?: string): Promise<{ metadata?: { resourceVersion?: string }; items: KubeObject[] }>;
}

/** The getambassador.io kinds (plural, Kind). */
export const AMBASSADOR_KINDS: ReadonlyArray<[string, string]> = [
  ['mappings', 'Mapping'],
  ['hosts', 'Host'],
  ['listeners', 'Listener'],
  ['modules', 'Module'],
  ['authservices', 'AuthService'],
  ['ratelimitservices', 'RateLimitService'],
  ['tlscontexts', 'TLSContext'],
  ['tcpmappings', 'TCPMapping'],
];

/**
 * Typed list results are class instances (Dates, camelCase fields equal to the JSON names for
 * these kinds); watch events are plain JSON. Normalise lists to the same plain JSON.
 */
function plainList(
  result: { metadata?: { resourceVersion?: string }; items?: unknown[] },
  apiVersion: string,
  kind: string,
): { metadata?: { resourceVersion?: string }; items: KubeObject[] } {
  const items = JSON.parse(JSON.stringify(result.items ?? [])) as KubeObject[];
  for (const item of items) {
    item.apiVersion = apiVersion;
    item.kind = kind;
  }
  return { metadata: { resourceVersion: result.metadata?.resourceVersion }, items };
}

const nsPath = (prefix: string, plural: string, namespace?: string) =>
  namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`;

/** Every kind the controller watches. */
export function watchedKinds(
  kc: KubeConfig,
  opts: { ambassadorVersion?: string; watchAmbassador?: boolean } = {},
): WatchedKind[] {
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const TLS_SECRETS = 'type=kubernetes.io/tls';
  const kinds: WatchedKind[] = [
    {
      key: 'services',
      apiVersion: 'v1',
      kind: 'Service',
      namespaced: true,
      optional: false,
      path: (ns) => nsPath('/api/v1', 'services', ns),
      list: async (ns) =>
        plainList(
          ns ? await core.listNamespacedService({ namespace: ns }) : await core.listServiceForAllNamespaces(),
          'v1',
          'Service',
        ),
    },
    {
      key: 'endpointslices',
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      namespaced: true,
      optional: false,
      path: (ns) => nsPath('/apis/discovery.k8s.io/v1', 'endpointslices', ns),
      list: async (ns) =>
        plainList(
          ns
            ? await discovery.listNamespacedEndpointSlice({ namespace: ns })
            : await discovery.listEndpointSliceForAllNamespaces(),
          'discovery.k8s.io/v1',
          'EndpointSlice',
        ),
    },
    {
      key: 'ingresses',
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespaced: true,
      optional: false,
      path: (ns) => nsPath('/apis/networking.k8s.io/v1', 'ingresses', ns),
      list: async (ns) =>
        plainList(
          ns
            ? await networking.listNamespacedIngress({ namespace: ns })
            : await networking.listIngressForAllNamespaces(),
          'networking.k8s.io/v1',
          'Ingress',
        ),
    },
    {
      key: 'ingressclasses',
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      namespaced: false,
      optional: false,
      path: () => '/apis/networking.k8s.io/v1/ingressclasses',
      list: async () =>
        plainList(await networking.listIngressClass(), 'networking.k8s.io/v1', 'IngressClass'),
    },
    {
      key: 'secrets',
      apiVersion: 'v1',
      kind: 'Secret',
      namespaced: true,
      optional: false,
      // Only TLS Secrets: the gateway never needs the others, and clusters hold many (Helm releases…).
      fieldSelector: TLS_SECRETS,
      path: (ns) => nsPath('/api/v1', 'secrets', ns),
      list: async (ns) =>
        plainList(
          ns
            ? await core.listNamespacedSecret({ namespace: ns, fieldSelector: TLS_SECRETS })
            : await core.listSecretForAllNamespaces({ fieldSelector: TLS_SECRETS }),
          'v1',
          'Secret',
        ),
    },
  ];
  if (opts.watchAmbassador !== false) {
    const version = opts.ambassadorVersion ?? 'v3alpha1';
    const group = 'getambassador.io';
    for (const [plural, kind] of AMBASSADOR_KINDS) {
      kinds.push({
        key: `${group}/${plural}`,
        apiVersion: `${group}/${version}`,
        kind,
        namespaced: true,
        optional: true,
        path: (ns) => nsPath(`/apis/${group}/${version}`, plural, ns),
        list: async (ns) => {
          const result = (
            ns
              ? await custom.listNamespacedCustomObject({ group, version, namespace: ns, plural })
              : await custom.listClusterCustomObject({ group, version, plural })
          ) as { metadata?: { resourceVersion?: string }; items?: KubeObject[] };
          return plainList(result, `${group}/${version}`, kind);
        },
      });
    }
  }
  return kinds;
}
