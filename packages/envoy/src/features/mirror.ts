/**
 * Traffic mirroring → `RouteAction.request_mirror_policies` (Envoy only; gRPC clients ignore it).
 *
 * @module
 */
import type { IRMirror } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';
import { fractionalPercent } from './common.js';

/** IRMirror list → `RequestMirrorPolicy` list (0 % mirrors are dropped; 100 % needs no fraction). */
export function mirrorPolicies(mirrors: readonly IRMirror[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const m of mirrors) {
    if (m.percent <= 0) continue;
    const policy: JsonObject = { cluster: m.cluster };
    if (m.percent < 100) policy.runtime_fraction = { default_value: fractionalPercent(m.percent) };
    out.push(policy);
  }
  return out;
}
