import type { EndpointSlice, Ingress, KubeObject, Service } from '../../src/types.js';

/** A Service carrying one flat Mapping in its getambassador.io/config annotation. */
export function annotatedService(
  name: string,
  prefix: string,
  opts: { namespace?: string; service?: string; extra?: string } = {},
): Service {
  const ns = opts.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      annotations: {
        'getambassador.io/config': `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nname: ${name}\nhostname: "*"\nprefix: ${prefix}\nservice: ${opts.service ?? `${name}:80`}\n${opts.extra ?? ''}`,
      },
    },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

export function plainService(
  name: string,
  namespace = 'default',
  ports = [{ name: 'http', port: 80, targetPort: 8080 }],
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports },
  };
}

export function ingress(
  name: string,
  path: string,
  backend: string,
  opts: { namespace?: string; className?: string; host?: string } = {},
): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      ...(opts.className !== undefined
        ? { ingressClassName: opts.className }
        : { ingressClassName: 'gateway' }),
      rules: [
        {
          ...(opts.host ? { host: opts.host } : {}),
          http: {
            paths: [
              { path, pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

export function endpointSlice(
  name: string,
  service: string,
  addresses: Array<{ ip: string; ready?: boolean }>,
  port = 8080,
  namespace = 'default',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: addresses.map((a) => ({ addresses: [a.ip], conditions: { ready: a.ready ?? true } })),
  };
}

export function mappingCrd(
  name: string,
  prefix: string,
  service: string,
  namespace = 'default',
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Mapping',
    metadata: { name, namespace },
    spec: { hostname: '*', prefix, service, ...extra },
  };
}
