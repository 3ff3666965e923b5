import type { GatewayIR } from '@gateway/core';
import { envoyCluster, planClusters } from './features/cluster.js';
import { irRef, report } from './features/common.js';
import { grpcClientResources, grpcClusterVariants } from './features/grpc-clients.js';
import { httpConnectionManager } from './features/hcm.js';
import { httpListener, tcpListener } from './features/listener.js';
import { buildHttpFilters, DEFAULT_HTTP_FEATURES, orderHttpFeatures } from './features/registry.js';
import { envoyRouteConfiguration, routeConfigName } from './features/route-config.js';
import { sdsSecrets } from './features/secrets.js';
import type { JsonObject } from './proto/json.js';
import type {
  EnvoyResource,
  TranslateContext,
  TranslateOptions,
  TranslateResult,
  XdsResources,
} from './types.js';

/**
 * Translates a {@link GatewayIR} into Envoy v3 resources: Listeners, RouteConfigurations,
 * Clusters, ClusterLoadAssignments and Secrets as proto3 JSON with `@type`. Pure and
 * deterministic: the same IR gives the same resources. Never throws on IR content; what it had to
 * leave out or degrade is reported in `diagnostics`.
 *
 * @example
 * ```ts
 * import { createIR } from '@gateway/core';
 * import { translate } from '@gateway/envoy';
 *
 * const { resources, diagnostics } = translate(ir);
 * console.log(resources.listeners.map((l) => l.name));
 * ```
 */
export function translate(ir: GatewayIR, options: TranslateOptions = {}): TranslateResult {
  const mode = options.mode ?? 'ads';
  const features = orderHttpFeatures(options.httpFeatures ?? DEFAULT_HTTP_FEATURES);
  const ctx: TranslateContext = {
    ir,
    mode,
    features,
    clusters: new Map(ir.clusters.map((c) => [c.name, c])),
    secrets: new Map(ir.secrets.map((s) => [s.name, s])),
    diagnostics: [],
    plans: new Map(),
    grpcClusterNames: new Map(),
  };
  for (const [name, plan] of planClusters(ctx)) ctx.plans.set(name, plan);

  const resources: XdsResources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
  const listenedPorts = new Set<number>();
  for (const l of ir.listeners) {
    listenedPorts.add(l.port);
    ctx.listener = l;
    if (l.protocol === 'http' || l.protocol === 'https') {
      const chain = buildHttpFilters(features, { ir, audience: 'envoy', listener: l });
      const routeConfig = envoyRouteConfiguration(l, chain, ctx);
      let hcm: JsonObject;
      if (mode === 'ads') {
        hcm = httpConnectionManager(l, chain, { rds: routeConfigName(l) }, ctx);
        resources.routes.push(routeConfig);
      } else {
        const { '@type': _type, ...inline } = routeConfig;
        hcm = httpConnectionManager(l, chain, { inline }, ctx);
      }
      const listener = httpListener(l, hcm, ctx);
      if (listener) resources.listeners.push(listener);
      else if (mode === 'ads') resources.routes.pop();
    } else {
      const listener = tcpListener(l, ctx);
      if (listener) resources.listeners.push(listener);
    }
  }
  ctx.listener = undefined;
  for (const r of ir.tcpRoutes) {
    if (!listenedPorts.has(r.port))
      report(
        ctx,
        r.sources[0] ?? irRef('TCPRoute', r.name),
        'port',
        `no listener on port ${r.port}; TCP route ${r.name} is not served`,
      );
  }

  const explicitOnly: TranslateResult['explicitOnly'] = { listeners: [], clusters: [] };
  if (mode === 'ads' && (options.grpcClients ?? true)) {
    const grpc = grpcClientResources(ctx, features);
    resources.listeners.push(...grpc.listeners);
    resources.routes.push(...grpc.routes);
    explicitOnly.listeners = grpc.listeners.map((l) => l.name as string);
  }

  const seenEndpoints = new Set<string>();
  for (const c of ir.clusters) {
    const plan = ctx.plans.get(c.name);
    if (!plan) continue;
    const out = envoyCluster(c, plan, ctx);
    resources.clusters.push(out.cluster);
    const cla = out.endpoints;
    if (cla && !seenEndpoints.has(cla.cluster_name as string)) {
      seenEndpoints.add(cla.cluster_name as string);
      resources.endpoints.push(cla);
    }
  }
  const variants = grpcClusterVariants(ctx);
  resources.clusters.push(...variants);
  explicitOnly.clusters = variants.map((c) => c.name as string);

  resources.secrets = sdsSecrets(ctx);
  return { resources, diagnostics: ctx.diagnostics, explicitOnly };
}

/** The resource name xDS uses for a resource (`cluster_name` for ClusterLoadAssignments). */
export function resourceName(r: EnvoyResource): string {
  return (r.name ?? r.cluster_name ?? '') as string;
}
