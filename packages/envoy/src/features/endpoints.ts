/**
 * Endpoints → `ClusterLoadAssignment` (EDS, or `load_assignment` inline). Every locality group
 * carries `locality` (possibly `{}`) and `load_balancing_weight` — gRPC clients drop groups
 * without a weight and NACK groups without a locality; Envoy ignores locality weights unless
 * locality-weighted balancing is on. A locality's weight is the sum of its endpoint weights so
 * gRPC's per-locality picking keeps the IR's proportions.
 *
 * @module
 */
import { isIP } from 'node:net';
import type { IREndpoint, ResourceRef } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';
import { report } from './common.js';

const HEALTH: Record<IREndpoint['health'], string | undefined> = {
  unknown: undefined, // UNKNOWN is the enum default
  healthy: 'HEALTHY',
  unhealthy: 'UNHEALTHY',
  draining: 'DRAINING',
};

/** True when every endpoint address is an IP literal (EDS-capable). */
export function allIpLiterals(endpoints: readonly IREndpoint[]): boolean {
  return endpoints.every((e) => isIP(e.address) !== 0);
}

/**
 * `ClusterLoadAssignment` body for `clusterName`. Zero-weight endpoints carry no traffic and are
 * left out; duplicate address:port pairs (which gRPC clients NACK) keep the first occurrence.
 */
export function clusterLoadAssignment(
  clusterName: string,
  endpoints: readonly IREndpoint[],
  ctx: TranslateContext,
  ref: ResourceRef,
): JsonObject {
  const groups = new Map<string, JsonObject[]>();
  const weights = new Map<string, number>();
  const seen = new Set<string>();
  for (const [i, e] of endpoints.entries()) {
    if (e.weight <= 0) continue;
    const key = `${e.address}|${e.port}`;
    if (seen.has(key)) {
      report(
        ctx,
        ref,
        `discovery.endpoints[${i}]`,
        `duplicate endpoint ${e.address}:${e.port}; kept the first`,
      );
      continue;
    }
    seen.add(key);
    const lb: JsonObject = {
      endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
    };
    const health = HEALTH[e.health];
    if (health) lb.health_status = health;
    if (e.weight !== 1) lb.load_balancing_weight = e.weight;
    const list = groups.get(e.zone) ?? [];
    list.push(lb);
    groups.set(e.zone, list);
    weights.set(e.zone, (weights.get(e.zone) ?? 0) + e.weight);
  }
  const localities: JsonObject[] = [];
  for (const [zone, lbEndpoints] of groups) {
    localities.push({
      locality: zone ? { zone } : {},
      lb_endpoints: lbEndpoints,
      load_balancing_weight: Math.min(weights.get(zone) ?? 1, 0xffffffff),
    });
  }
  const out: JsonObject = { cluster_name: clusterName };
  if (localities.length > 0) out.endpoints = localities;
  return out;
}
