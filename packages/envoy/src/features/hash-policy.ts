/**
 * Consistent-hash keys for ring-hash / maglev clusters → `RouteAction.hash_policy`.
 *
 * @module
 */
import type { IRHashPolicy } from '@gateway/core';
import { duration, type JsonObject } from '../proto/json.js';
import type { Audience } from '../types.js';

/**
 * IRHashPolicy → `RouteAction.HashPolicy`, or undefined for gRPC clients when they cannot use it
 * (grpc-js-xds only hashes on headers).
 */
export function hashPolicy(h: IRHashPolicy, audience: Audience): JsonObject | undefined {
  switch (h.kind) {
    case 'header':
      return { header: { header_name: h.name } };
    case 'cookie': {
      if (audience === 'grpc') return undefined;
      const cookie: JsonObject = { name: h.name };
      if (h.path) cookie.path = h.path;
      if (h.ttlMs !== undefined) cookie.ttl = duration(h.ttlMs);
      return { cookie };
    }
    case 'source-ip':
      return audience === 'grpc' ? undefined : { connection_properties: { source_ip: true } };
  }
}
