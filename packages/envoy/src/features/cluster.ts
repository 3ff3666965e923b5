/**
 * IR clusters → Envoy `Cluster`s (+ `ClusterLoadAssignment`s). Discovery: endpoints that are IP
 * literals (`static`, `eds`) become an EDS cluster fed over ADS (STATIC with inline endpoints in
 * `static` mode); `dns` becomes STRICT_DNS / LOGICAL_DNS; known endpoints that are hostnames
 * become STRICT_DNS. `type` is always written (STATIC is the proto default, a silent trap).
 *
 * @module
 */
import type { IRCluster, IREndpoint } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import type { EnvoyResource, TranslateContext } from '../types.js';
import { circuitBreakers } from './circuit-breakers.js';
import { adsConfigSource, irRef, put, report, T } from './common.js';
import { allIpLiterals, clusterLoadAssignment } from './endpoints.js';
import { healthCheck } from './health-checks.js';
import { outlierDetection } from './outlier.js';
import { protocolOptions } from './protocol-options.js';
import { upstreamTransportSocket } from './upstream-tls.js';

/** How a cluster finds its endpoints. */
export type ClusterPlan =
  | { kind: 'eds'; serviceName: string; endpoints: readonly IREndpoint[] }
  | { kind: 'dns'; mode: 'strict' | 'logical'; endpoints: readonly IREndpoint[]; respectDnsTtl: boolean };

/**
 * Decides discovery for every cluster. EDS service names come from the IR (`eds`) or the cluster
 * name (`static`); two clusters claiming one service name with different endpoints would fight
 * over one ClusterLoadAssignment, so the later one falls back to its own name.
 */
export function planClusters(ctx: TranslateContext): Map<string, ClusterPlan> {
  const plans = new Map<string, ClusterPlan>();
  const claimed = new Map<string, string>();
  for (const c of ctx.ir.clusters) {
    const d = c.discovery;
    if (d.kind === 'dns') {
      plans.set(c.name, {
        kind: 'dns',
        mode: d.mode,
        respectDnsTtl: d.respectDnsTtl,
        endpoints: [{ address: d.host, port: d.port, weight: 1, zone: '', health: 'unknown' }],
      });
      continue;
    }
    if (!allIpLiterals(d.endpoints)) {
      plans.set(c.name, { kind: 'dns', mode: 'strict', respectDnsTtl: false, endpoints: d.endpoints });
      continue;
    }
    let serviceName = d.kind === 'eds' ? d.serviceName : c.name;
    const fingerprint = JSON.stringify(d.endpoints);
    const owner = claimed.get(serviceName);
    if (owner !== undefined && owner !== fingerprint) {
      report(
        ctx,
        irRef('Cluster', c.name),
        'discovery.serviceName',
        `EDS service ${serviceName} is used by another cluster with different endpoints; using ${c.name}`,
      );
      serviceName = c.name;
    }
    claimed.set(serviceName, fingerprint);
    plans.set(c.name, { kind: 'eds', serviceName, endpoints: d.endpoints });
  }
  return plans;
}

const LB_POLICIES: Record<IRCluster['lbPolicy'], string | undefined> = {
  round_robin: undefined, // ROUND_ROBIN is the enum default
  least_request: 'LEAST_REQUEST',
  ring_hash: 'RING_HASH',
  maglev: 'MAGLEV',
  random: 'RANDOM',
};

const DNS_FAMILIES: Record<IRCluster['dnsLookupFamily'], string | undefined> = {
  v4: 'V4_ONLY',
  v6: 'V6_ONLY',
  auto: undefined, // AUTO is the enum default
  all: 'ALL',
};

/** `connect_timeout` must be > 0; a 0 in the IR falls back to Envoy's documented 5 s. */
export function connectTimeout(c: IRCluster, ctx: TranslateContext): string {
  if (c.connectTimeoutMs > 0) return duration(c.connectTimeoutMs);
  report(ctx, irRef('Cluster', c.name), 'connectTimeoutMs', 'connect timeout 0 is not allowed; using 5s');
  return duration(5000);
}

/** One Envoy cluster and, for EDS, its ClusterLoadAssignment. */
export function envoyCluster(
  c: IRCluster,
  plan: ClusterPlan,
  ctx: TranslateContext,
): { cluster: EnvoyResource; endpoints?: EnvoyResource } {
  const ref = irRef('Cluster', c.name);
  const out: JsonObject = { name: c.name };
  if (c.statsName && c.statsName !== c.name) out.alt_stat_name = c.statsName;
  let endpoints: EnvoyResource | undefined;
  if (plan.kind === 'eds' && ctx.mode === 'ads') {
    out.type = 'EDS';
    out.eds_cluster_config = { eds_config: adsConfigSource(), service_name: plan.serviceName };
    endpoints = any(
      T.clusterLoadAssignment,
      clusterLoadAssignment(plan.serviceName, plan.endpoints, ctx, ref),
    ) as EnvoyResource;
  } else if (plan.kind === 'eds') {
    out.type = 'STATIC';
    out.load_assignment = clusterLoadAssignment(c.name, plan.endpoints, ctx, ref);
  } else {
    out.type = plan.mode === 'strict' ? 'STRICT_DNS' : 'LOGICAL_DNS';
    out.load_assignment = clusterLoadAssignment(c.name, plan.endpoints, ctx, ref);
    if (plan.respectDnsTtl) out.respect_dns_ttl = true;
    put(out, 'dns_lookup_family', DNS_FAMILIES[c.dnsLookupFamily]);
  }
  out.connect_timeout = connectTimeout(c, ctx);
  put(out, 'lb_policy', LB_POLICIES[c.lbPolicy]);
  put(out, 'circuit_breakers', circuitBreakers(c.circuitBreakers));
  put(out, 'typed_extension_protocol_options', protocolOptions(c));
  put(out, 'transport_socket', upstreamTransportSocket(c, ctx));
  if (c.healthChecks.length > 0) out.health_checks = c.healthChecks.map((h) => healthCheck(h, c));
  if (c.outlierDetection) out.outlier_detection = outlierDetection(c.outlierDetection);
  if (c.tcpKeepalive) {
    const k: JsonObject = {};
    if (c.tcpKeepalive.probes !== undefined) k.keepalive_probes = c.tcpKeepalive.probes;
    if (c.tcpKeepalive.idleTimeS !== undefined) k.keepalive_time = c.tcpKeepalive.idleTimeS;
    if (c.tcpKeepalive.intervalS !== undefined) k.keepalive_interval = c.tcpKeepalive.intervalS;
    out.upstream_connection_options = { tcp_keepalive: k };
  }
  return endpoints
    ? { cluster: any(T.cluster, out) as EnvoyResource, endpoints }
    : { cluster: any(T.cluster, out) as EnvoyResource };
}
