import { parseArgs } from 'node:util';
import type { ConfigSink } from '@gateway/core';
import { AdsServer } from '@gateway/envoy';
import {
  type Controller,
  createController,
  type KubeConfig,
  type LogLevel,
  loadKubeConfig,
} from '@gateway/kubernetes';
import { createGateway, type Gateway } from '@gateway/proxy';
import type { CliIO } from '../io.js';
import { ExitCode, UsageError } from '../io.js';
import { runUntilSignal, untilAborted } from '../run-until-signal.js';

export const help = `gateway controller [--kubeconfig p] [--namespace ns]... [--ingress-class c] [--sink xds|proxy] [options]

Watches a Kubernetes cluster (Services with getambassador.io/config annotations, Ingresses of
its class, IngressClasses, TLS Secrets, EndpointSlices and getambassador.io resources) and feeds
the compiled configuration to a data plane: the in-process proxy (--sink proxy, the default) or
an ADS server for Envoy and gRPC xDS clients (--sink xds). Changes are applied within the
debounce window; dropped watches resume and relist without losing changes.

With --lease-namespace, replicas elect a leader through a coordination.k8s.io Lease; only the
leader writes Ingress status (the --publish-service Service's load-balancer address) and Events
about invalid configuration. Every replica serves traffic. Stops on SIGINT/SIGTERM.

Options:
      --kubeconfig <path>          kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --context <name>             kubeconfig context (default: the current one)
      --namespace <ns>             namespace to watch; repeatable (default: all namespaces)
      --ingress-class <c>          Ingress class to serve (default: gateway)
      --controller-name <n>        serve IngressClasses with this spec.controller (default: gateway-sdk.io/ingress-controller)
      --sink <proxy|xds>           data plane (default: proxy)
      --listen <addr:port>         proxy: bind of the first HTTP listener; xds: ADS address (default 127.0.0.1:18000)
      --admin <addr:port>          proxy: admin listener with /ready /live /metrics (default: off)
      --publish-service <ns/name>  the gateway's Service; its address goes into Ingress status
      --lease-namespace <ns>       enable leader election with a Lease in this namespace
      --lease-name <name>          Lease name (default: gateway-controller)
      --gateway-namespace <ns>     namespace the gateway runs in, for service names (default: default)
      --ambassador-id <id>         only resources for this ambassador_id (default: default)
      --endpoints <eds|static|off> endpoint discovery from EndpointSlices (default: eds)
      --debounce-ms <n>            quiet period before recompiling (default: 50)
      --verbose                    log every watch reconnect and reconcile

Examples:
  gateway controller --kubeconfig ~/.kube/config --namespace shop --sink xds --listen 127.0.0.1:18000
  gateway controller --namespace shop --ingress-class gateway --sink proxy --listen 0.0.0.0:8080 \\
    --admin 0.0.0.0:8877 --publish-service gateway-system/gateway --lease-namespace gateway-system`;

/** Hooks for embedding and tests. */
export interface ControllerRunOptions {
  /** Stops when aborted (run() wires SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** A KubeConfig to use instead of loading one. */
  kubeConfig?: KubeConfig;
  /** Called once the controller has synced and the first configuration is applied. */
  onReady?: (ready: { controller: Controller; gateway?: Gateway; ads?: AdsServer }) => void;
}

const ADDR = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;

function parseAddr(flag: string, value: string): { host: string; port: number } {
  const m = ADDR.exec(value);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag} must be addr:port, got "${value}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `gateway controller` with an abort signal instead of process signals. */
export async function runController(
  argv: string[],
  io: CliIO,
  options: ControllerRunOptions = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string', short: 'n', multiple: true },
      'ingress-class': { type: 'string' },
      'controller-name': { type: 'string' },
      sink: { type: 'string' },
      listen: { type: 'string' },
      admin: { type: 'string' },
      'publish-service': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      'gateway-namespace': { type: 'string' },
      'ambassador-id': { type: 'string' },
      endpoints: { type: 'string' },
      'debounce-ms': { type: 'string' },
      verbose: { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  const sinkKind = values.sink ?? 'proxy';
  if (sinkKind !== 'proxy' && sinkKind !== 'xds')
    throw new UsageError(`--sink must be proxy or xds, got "${sinkKind}"`);
  const endpoints = values.endpoints ?? 'eds';
  if (!['eds', 'static', 'off'].includes(endpoints))
    throw new UsageError(`--endpoints must be eds, static or off, got "${endpoints}"`);
  const debounceMs = values['debounce-ms'] === undefined ? undefined : Number(values['debounce-ms']);
  if (debounceMs !== undefined && (!Number.isInteger(debounceMs) || debounceMs < 0)) {
    throw new UsageError(`--debounce-ms must be a non-negative integer, got "${values['debounce-ms']}"`);
  }
  let publishService: { namespace: string; name: string } | undefined;
  if (values['publish-service']) {
    const [ns, name, ...rest] = values['publish-service'].split('/');
    if (!ns || !name || rest.length)
      throw new UsageError(`--publish-service must be namespace/name, got "${values['publish-service']}"`);
    publishService = { namespace: ns, name };
  }
  const listen = values.listen;
  if (listen) parseAddr('--listen', listen);
  const admin = values.admin ? parseAddr('--admin', values.admin) : undefined;
  if (admin && sinkKind === 'xds') throw new UsageError('--admin applies to --sink proxy only');

  let kc = options.kubeConfig;
  if (!kc) {
    try {
      kc = loadKubeConfig({ file: values.kubeconfig, context: values.context });
    } catch (err) {
      io.stderr(`controller: cannot load kubeconfig: ${(err as Error).message}\n`);
      return ExitCode.Invalid;
    }
  }

  // Adapters never import each other: the CLI composes the data plane and hands it over as a sink.
  let sink: ConfigSink;
  let gateway: Gateway | undefined;
  let ads: AdsServer | undefined;
  if (sinkKind === 'proxy') {
    gateway = createGateway({
      ...(listen ? { listen: parseAddr('--listen', listen) } : {}),
      ...(admin ? { admin } : {}),
    });
    await gateway.start();
    sink = gateway;
  } else {
    ads = new AdsServer({
      logger: {
        info: () => {},
        warn: (m: string) => io.stderr(`${m}\n`),
        error: (m: string) => io.stderr(`${m}\n`),
      },
    });
    const { port } = await ads.listen(listen ?? '127.0.0.1:18000');
    io.stdout(`controller: ADS server on ${(listen ?? '127.0.0.1:18000').replace(/:\d+$/, `:${port}`)}\n`);
    sink = ads;
  }

  const verbose = values.verbose === true;
  const log = (level: LogLevel, message: string) => {
    if (level === 'debug' || (level === 'info' && !verbose)) return;
    io.stderr(`controller: ${level}: ${message}\n`);
  };
  const namespaces = values.namespace ?? [];
  const controller = createController({
    kubeConfig: kc,
    sink,
    namespaces,
    ...(values['ingress-class'] ? { ingressClass: values['ingress-class'] } : {}),
    ...(values['controller-name'] ? { controllerName: values['controller-name'] } : {}),
    ...(debounceMs !== undefined ? { debounceMs } : {}),
    compile: {
      ...(values['gateway-namespace'] ? { gatewayNamespace: values['gateway-namespace'] } : {}),
      ...(values['ambassador-id'] ? { ambassadorId: values['ambassador-id'] } : {}),
    },
    endpointDiscovery: endpoints === 'off' ? false : (endpoints as 'eds' | 'static'),
    ...(publishService ? { publishService } : {}),
    leaderElection: values['lease-namespace']
      ? {
          namespace: values['lease-namespace'],
          ...(values['lease-name'] ? { name: values['lease-name'] } : {}),
          ...(process.env.POD_NAME ? { identity: process.env.POD_NAME } : {}),
        }
      : false,
    log,
    onCycle: (c) => {
      if (c.applied) {
        const rejected = c.applyResult && !c.applyResult.accepted;
        io.stderr(
          `controller: ${rejected ? 'sink rejected' : 'applied'} version ${c.irVersion}${c.compiled ? ` (compiled in ${c.compileMs.toFixed(1)} ms)` : ''}\n`,
        );
      }
    },
  });
  const stopped = untilAborted(options.signal);
  io.stderr(
    `controller: watching ${namespaces.length ? namespaces.join(', ') : 'all namespaces'} on ${kc.getCurrentCluster()?.server}\n`,
  );
  const started = controller.start().then(() => 'started' as const);
  const first = await Promise.race([started, stopped.then(() => 'stopped' as const)]);
  if (first === 'started') {
    const errors = controller.diagnostics.filter((d) => d.severity === 'error').length;
    io.stdout(
      `controller: synced; serving version ${controller.ir?.version}${errors ? ` (${errors} resource error(s) reported as Events)` : ''}\n`,
    );
    options.onReady?.({ controller, ...(gateway ? { gateway } : {}), ...(ads ? { ads } : {}) });
    await stopped;
  }
  await controller.close();
  if (gateway) await gateway.close();
  if (ads) await ads.close();
  io.stdout('controller: stopped\n');
  return ExitCode.Ok;
}

/** `gateway controller`: run until SIGINT/SIGTERM. */
export function run(argv: string[], io: CliIO): Promise<number> {
  return runUntilSignal((signal) => runController(argv, io, { signal }));
}
