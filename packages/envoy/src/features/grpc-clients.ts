/**
 * Resources for gRPC xDS clients (grpc-js-xds, grpc-go, grpc-java) dialing `xds:///<name>`.
 *
 * Naming (stable, documented in the README):
 * - For every exact domain (no `*`) of an `http`/`https` listener's virtual hosts, an
 *   `api_listener` Listener named **the domain itself**, so `xds:///quote.example.com` resolves.
 *   When several listeners serve the same domain, cleartext `http` listeners win, then the lowest
 *   port (the IR lists listeners by port).
 * - Its connection manager fetches RouteConfiguration **`grpc/<domain>`** over ADS; that
 *   configuration holds one virtual host with `domains: [<domain>]` and the gRPC-safe form of the
 *   vhost's routes (see route.ts).
 * - Clusters gRPC rejects (STRICT_DNS, hostnames, LEAST_REQUEST/RANDOM/MAGLEV, SDS-based TLS) get a
 *   variant named **`<cluster>/grpc`**: EDS or LOGICAL_DNS, ROUND_ROBIN or RING_HASH, TLS through
 *   certificate-provider instances. Compatible clusters are shared with Envoy.
 * - These listeners and variant clusters are served only on explicit subscription (gRPC always
 *   names what it wants); Envoy's wildcard LDS/CDS never sees them.
 *
 * @module
 */
import type { IRCluster, IRListener } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { EnvoyResource, TranslateContext } from '../types.js';
import { circuitBreakers } from './circuit-breakers.js';
import type { ClusterPlan } from './cluster.js';
import { connectTimeout } from './cluster.js';
import { adsConfigSource, irRef, put, report, T } from './common.js';
import { clusterLoadAssignment } from './endpoints.js';
import { outlierDetection } from './outlier.js';
import { buildHttpFilters, type HttpFeature } from './registry.js';
import { virtualHost } from './route-config.js';
import { grpcUpstreamTransportSocket } from './upstream-tls.js';

/** Suffix of gRPC-client cluster variants. */
export const GRPC_CLUSTER_SUFFIX = '/grpc';
/** Prefix of gRPC-client RouteConfiguration names. */
export const GRPC_ROUTE_CONFIG_PREFIX = 'grpc/';

/** RouteConfiguration name for the api_listener of `domain`. */
export function grpcRouteConfigName(domain: string): string {
  return `${GRPC_ROUTE_CONFIG_PREFIX}${domain}`;
}

function grpcCompatible(c: IRCluster, plan: ClusterPlan): boolean {
  if (c.tls) return false;
  if (c.lbPolicy !== 'round_robin' && c.lbPolicy !== 'ring_hash') return false;
  if (plan.kind === 'dns') return plan.mode === 'logical' && plan.endpoints.length === 1;
  return true;
}

/**
 * The cluster name gRPC-facing routes use for `name`: the cluster itself when gRPC accepts it,
 * else its variant. Records the need so {@link grpcClusterVariants} emits it.
 */
export function grpcClusterName(ctx: TranslateContext, name: string): string {
  const known = ctx.grpcClusterNames.get(name);
  if (known) return known;
  const c = ctx.clusters.get(name);
  const plan = ctx.plans.get(name);
  const chosen = c && plan && !grpcCompatible(c, plan) ? `${name}${GRPC_CLUSTER_SUFFIX}` : name;
  ctx.grpcClusterNames.set(name, chosen);
  return chosen;
}

function variant(c: IRCluster, plan: ClusterPlan, ctx: TranslateContext): EnvoyResource {
  const ref = irRef('Cluster', c.name);
  const name = `${c.name}${GRPC_CLUSTER_SUFFIX}`;
  const out: JsonObject = { name };
  if (plan.kind === 'eds') {
    out.type = 'EDS';
    out.eds_cluster_config = { eds_config: adsConfigSource(), service_name: plan.serviceName };
  } else {
    if (plan.endpoints.length > 1)
      report(
        ctx,
        ref,
        'discovery',
        `gRPC clients resolve only one DNS name per cluster; ${name} uses ${plan.endpoints[0]?.address}`,
        'notice',
      );
    out.type = 'LOGICAL_DNS';
    out.load_assignment = clusterLoadAssignment(name, plan.endpoints.slice(0, 1), ctx, ref);
  }
  out.connect_timeout = connectTimeout(c, ctx);
  if (c.lbPolicy === 'ring_hash' || c.lbPolicy === 'maglev') out.lb_policy = 'RING_HASH';
  else if (c.lbPolicy !== 'round_robin')
    report(
      ctx,
      ref,
      'lbPolicy',
      `gRPC clients do not support ${c.lbPolicy}; ${name} uses round_robin`,
      'notice',
    );
  put(out, 'circuit_breakers', circuitBreakers(c.circuitBreakers));
  if (c.outlierDetection) out.outlier_detection = outlierDetection(c.outlierDetection);
  put(out, 'transport_socket', grpcUpstreamTransportSocket(c));
  return any(T.cluster, out) as EnvoyResource;
}

/** The variants recorded by {@link grpcClusterName}, sorted by name. */
export function grpcClusterVariants(ctx: TranslateContext): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const [name, chosen] of [...ctx.grpcClusterNames].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (chosen === name) continue;
    const c = ctx.clusters.get(name);
    const plan = ctx.plans.get(name);
    if (c && plan) out.push(variant(c, plan, ctx));
  }
  return out;
}

/** api_listener Listeners and their RouteConfigurations, one per exact domain. */
export function grpcClientResources(
  ctx: TranslateContext,
  features: readonly HttpFeature[],
): { listeners: EnvoyResource[]; routes: EnvoyResource[] } {
  const listeners: EnvoyResource[] = [];
  const routes: EnvoyResource[] = [];
  const taken = new Set<string>();
  const httpListeners: IRListener[] = [
    ...ctx.ir.listeners.filter((l) => l.protocol === 'http'),
    ...ctx.ir.listeners.filter((l) => l.protocol === 'https'),
  ];
  for (const l of httpListeners) {
    const chain = buildHttpFilters(features, { ir: ctx.ir, audience: 'grpc', listener: l });
    for (const vh of l.virtualHosts) {
      for (const domain of vh.domains) {
        if (domain.includes('*')) continue;
        const key = domain.toLowerCase();
        if (taken.has(key)) continue;
        taken.add(key);
        const routeName = grpcRouteConfigName(domain);
        routes.push(
          any(T.routeConfiguration, {
            name: routeName,
            virtual_hosts: [virtualHost(vh, [domain], l, chain, ctx, 'grpc')],
          }) as EnvoyResource,
        );
        const hcm = any(T.hcm, {
          stat_prefix: domain,
          rds: { config_source: adsConfigSource(), route_config_name: routeName },
          http_filters: chain.filters,
        });
        listeners.push(
          any(T.listener, { name: domain, api_listener: { api_listener: hcm } }) as EnvoyResource,
        );
      }
    }
  }
  return { listeners, routes };
}
