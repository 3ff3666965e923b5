import { parseArgs } from 'node:util';
import type { Diagnostic } from '@gateway/core';
import {
  type EmitResult,
  emitAnnotatedServices,
  emitGatewayApi,
  emitIngress,
  emitInstall,
  emitServices,
  type MetalLBServiceOptions,
  toYamlDocuments,
} from '@gateway/kubernetes';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { formatObjects, OUTPUT_OPTION, type OutputFormat, outputFormat } from '../output.js';
import { LOAD_HELP, LOAD_OPTIONS, loadAndCompile, loadFlags, printDiagnostics } from './shared-load.js';

const KINDS = ['ingress', 'gateway-api', 'services', 'install'] as const;
type Kind = (typeof KINDS)[number];

export const help = `gateway render kubernetes -f <file|dir|->... --kind ingress|gateway-api|services|install [-o yaml|json] [options]

Prints Kubernetes objects for the inputs as multi-document YAML (or, with -o json, one v1 List):
  ingress      networking.k8s.io/v1 Ingresses (one per backend namespace) and the IngressClass
  gateway-api  gateway.networking.k8s.io/v1 Gateway, HTTPRoutes and GRPCRoutes
  services     v1 Services for the upstreams (--annotated: Services carrying their Mappings in
               the getambassador.io/config annotation, the Ambassador style)
  install      Namespace, ServiceAccount, RBAC, IngressClass, Deployment and Service that run
               'gateway controller' in a cluster (no -f needed)

What a target cannot express (header matches in an Ingress, regex rewrites in Gateway API…) is
printed on stderr per route; every emitted object is checked against the API server's rules.
Exit code 1 when the inputs have errors (or, with --strict, when anything was not expressible).

Options:
      --kind <kind>             what to print (required)
  -o, --output <format>         yaml (default) or json
      --strict                  exit 1 when a route or feature could not be expressed
      --service-namespace <ns>  namespaces that exist in the cluster: name.ns upstreams there are
                                Services, not external hosts; repeatable
      --ingress-class <c>       IngressClass name (default: gateway)
      --controller-name <n>     IngressClass spec.controller (default: gateway-sdk.io/ingress-controller)
      --default-class           mark the IngressClass as the cluster default
      --target-namespace <ns>   namespace of the Gateway and routes (gateway-api; default: the gateway namespace)
      --gateway-name <n>        Gateway name (default: gateway)
      --gateway-class <c>       gatewayClassName (default: gateway)
      --annotated               services: Ambassador-style annotated Services
      --service-type <t>        services/install: ClusterIP, NodePort or LoadBalancer
      --metallb-pool <pool>     metallb.io/address-pool for LoadBalancer Services
      --metallb-ip <ip>         metallb.io/loadBalancerIPs entry; repeatable
      --metallb-shared <key>    metallb.io/allow-shared-ip sharing key
      --image <ref>             install: container image
      --install-namespace <ns>  install: namespace (default: gateway-system)
      --replicas <n>            install: replicas (default: 2)
      --sink <proxy|xds>        install: data plane the controller feeds (default: proxy)
      --watch-namespace <ns>    install: only watch these namespaces (namespaced RBAC); repeatable
${LOAD_HELP}

Examples:
  gateway render kubernetes -f mappings/ --kind gateway-api --gateway-class envoy
  gateway render kubernetes -f mappings/ --kind ingress -o json | jq '.items[].kind'
  gateway render kubernetes --kind install --image registry.example/gateway:1.0.0 --metallb-pool public`;

/** `gateway render kubernetes`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...LOAD_OPTIONS,
      kind: { type: 'string' },
      ...OUTPUT_OPTION,
      strict: { type: 'boolean' },
      'service-namespace': { type: 'string', multiple: true },
      'controller-name': { type: 'string' },
      'default-class': { type: 'boolean' },
      'target-namespace': { type: 'string' },
      'gateway-name': { type: 'string' },
      'gateway-class': { type: 'string' },
      annotated: { type: 'boolean' },
      'service-type': { type: 'string' },
      'metallb-pool': { type: 'string' },
      'metallb-ip': { type: 'string', multiple: true },
      'metallb-shared': { type: 'string' },
      image: { type: 'string' },
      'install-namespace': { type: 'string' },
      replicas: { type: 'string' },
      sink: { type: 'string' },
      'watch-namespace': { type: 'string', multiple: true },
    },
    allowPositionals: false,
    strict: true,
  });
  const format = outputFormat(values.output, 'yaml');
  const kind = values.kind as Kind | undefined;
  if (!kind || !KINDS.includes(kind))
    throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got "${values.kind ?? ''}"`);
  const serviceType = values['service-type'];
  if (serviceType !== undefined && !['ClusterIP', 'NodePort', 'LoadBalancer'].includes(serviceType)) {
    throw new UsageError(`--service-type must be ClusterIP, NodePort or LoadBalancer, got "${serviceType}"`);
  }
  const metallb: MetalLBServiceOptions | undefined =
    values['metallb-pool'] || values['metallb-ip'] || values['metallb-shared']
      ? {
          ...(values['metallb-pool'] ? { addressPool: values['metallb-pool'] } : {}),
          ...(values['metallb-ip'] ? { loadBalancerIPs: values['metallb-ip'] } : {}),
          ...(values['metallb-shared'] ? { allowSharedIP: values['metallb-shared'] } : {}),
        }
      : undefined;
  const verbose = values.verbose === true;

  if (kind === 'install') {
    if (serviceType === 'ClusterIP')
      throw new UsageError('--service-type for install must be NodePort or LoadBalancer');
    const sink = values.sink ?? 'proxy';
    if (sink !== 'proxy' && sink !== 'xds')
      throw new UsageError(`--sink must be proxy or xds, got "${sink}"`);
    const replicas = values.replicas === undefined ? undefined : Number(values.replicas);
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1))
      throw new UsageError(`--replicas must be a positive integer, got "${values.replicas}"`);
    const result = emitInstall({
      ...(values['install-namespace'] ? { namespace: values['install-namespace'] } : {}),
      ...(values.image ? { image: values.image } : {}),
      ...(replicas !== undefined ? { replicas } : {}),
      ...(values['ingress-class'] ? { ingressClass: values['ingress-class'] } : {}),
      ...(values['controller-name'] ? { controllerName: values['controller-name'] } : {}),
      defaultClass: values['default-class'] === true,
      sink,
      ...(values['watch-namespace'] ? { watchNamespaces: values['watch-namespace'] } : {}),
      ...(serviceType ? { serviceType: serviceType as 'NodePort' | 'LoadBalancer' } : {}),
      ...(metallb ? { metallb } : {}),
    });
    return finish(result, [], io, verbose, values.strict === true, format);
  }

  const compiled = await loadAndCompile(loadFlags(values), io);
  const inputDiagnostics = [...compiled.loadDiagnostics, ...compiled.diagnostics];
  const resolution = {
    ...(values['gateway-namespace'] ? { gatewayNamespace: values['gateway-namespace'] } : {}),
    ...(values['service-namespace'] ? { serviceNamespaces: values['service-namespace'] } : {}),
  };
  let result: EmitResult;
  if (kind === 'ingress') {
    result = emitIngress(compiled.ir, {
      ...resolution,
      ...(values['ingress-class'] ? { ingressClassName: values['ingress-class'] } : {}),
      ...(values['controller-name'] ? { controllerName: values['controller-name'] } : {}),
      defaultClass: values['default-class'] === true,
    });
  } else if (kind === 'gateway-api') {
    result = emitGatewayApi(compiled.ir, {
      ...resolution,
      ...(values['target-namespace'] ? { namespace: values['target-namespace'] } : {}),
      ...(values['gateway-name'] ? { gatewayName: values['gateway-name'] } : {}),
      ...(values['gateway-class'] ? { gatewayClassName: values['gateway-class'] } : {}),
    });
  } else {
    const settings = {
      ...resolution,
      ...(serviceType ? { type: serviceType as 'ClusterIP' | 'NodePort' | 'LoadBalancer' } : {}),
      ...(metallb ? { metallb } : {}),
    };
    result = values.annotated
      ? emitAnnotatedServices(compiled.resources, settings)
      : emitServices(compiled.ir, settings);
  }
  return finish(result, inputDiagnostics, io, verbose, values.strict === true, format);
}

function finish(
  result: EmitResult,
  inputDiagnostics: Diagnostic[],
  io: CliIO,
  verbose: boolean,
  strict: boolean,
  format: OutputFormat,
): number {
  const all = [...inputDiagnostics, ...result.diagnostics];
  printDiagnostics(io, all, verbose, io.color);
  io.stdout(format === 'yaml' ? toYamlDocuments(result.objects) : formatObjects(result.objects, 'json'));
  if (all.some((d) => d.severity === 'error')) return ExitCode.Invalid;
  if (strict && result.diagnostics.some((d) => d.severity === 'warning')) return ExitCode.Invalid;
  return ExitCode.Ok;
}
