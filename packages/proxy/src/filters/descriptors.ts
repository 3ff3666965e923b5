import type { IRRateLimitEntry, IRRoute } from '@gateway/core';
import { headerValue } from './filter-util.js';
import type { FilterRequest } from './types.js';

/**
 * Builds rate-limit descriptors from {@link IRRateLimitEntry} recipes, with Envoy's rate-limit
 * action semantics (shared by the local and the global rate-limit filters):
 * - `source-cluster` -> `source_cluster` = the gateway's own service cluster name,
 * - `destination-cluster` -> `destination_cluster` = the route's (first) backend cluster,
 * - `remote-address` -> `remote_address` = client address after X-Forwarded-For trust rules,
 * - `request-header` -> `<key>` = the header's value; when the header is absent the entry is
 *   skipped if `omitIfNotPresent`, else the whole descriptor is not produced (the request is not
 *   counted against it), like Envoy's `request_headers` action,
 * - `generic` -> `<key>` = `<value>`.
 */

export interface DescriptorEntry {
  key: string;
  value: string;
}

export interface DescriptorInputs {
  request: Pick<FilterRequest, 'headers' | 'remoteAddress'>;
  route: Pick<IRRoute, 'action'>;
  /** Name of the gateway's own cluster, for `source-cluster` (Envoy's `--service-cluster`). */
  localServiceCluster: string;
}

/** The descriptor for one recipe, or undefined when a required header is absent. */
export function buildDescriptor(
  entries: readonly IRRateLimitEntry[],
  inputs: DescriptorInputs,
): DescriptorEntry[] | undefined {
  const out: DescriptorEntry[] = [];
  for (const e of entries) {
    switch (e.kind) {
      case 'source-cluster':
        out.push({ key: 'source_cluster', value: inputs.localServiceCluster });
        break;
      case 'destination-cluster': {
        const action = inputs.route.action;
        const cluster = action.kind === 'forward' ? action.clusters[0]?.cluster : undefined;
        if (cluster === undefined) return undefined;
        out.push({ key: 'destination_cluster', value: cluster });
        break;
      }
      case 'remote-address':
        out.push({ key: 'remote_address', value: inputs.request.remoteAddress });
        break;
      case 'request-header': {
        const v = headerValue(inputs.request.headers, e.header.toLowerCase());
        if (v === undefined) {
          if (e.omitIfNotPresent) continue;
          return undefined;
        }
        out.push({ key: e.key, value: v });
        break;
      }
      case 'generic':
        out.push({ key: e.key, value: e.value });
        break;
    }
  }
  return out;
}

/** A collision-free string key for a descriptor (values may contain any character). */
export function descriptorKey(entries: readonly DescriptorEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.key, e.value]));
}
