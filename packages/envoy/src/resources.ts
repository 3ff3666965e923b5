import { createHash } from 'node:crypto';
import type { Diagnostic } from '@gateway/core';
import { encodeAny, ProtoJsonError } from './proto/codec.js';
import { resourceName } from './translate.js';
import type { EnvoyResource, XdsResources } from './types.js';

/** One resource encoded once per version and shared by every stream that sends it. */
export interface EncodedResource {
  name: string;
  typeUrl: string;
  /** Encoded `google.protobuf.Any` (type_url + value): one entry of `DiscoveryResponse.resources`. */
  any: Uint8Array;
  /** Per-resource version: sha256 of the deterministic encoding (first 16 hex chars). */
  version: string;
}

/**
 * Encodes resources with the real protos. Resources that do not encode are reported (resource,
 * field path, problem) and left out.
 *
 * @example
 * ```ts
 * const { encoded, diagnostics } = encodeResources(translate(ir).resources.clusters);
 * ```
 */
export function encodeResources(resources: readonly EnvoyResource[]): {
  encoded: EncodedResource[];
  diagnostics: Diagnostic[];
} {
  const encoded: EncodedResource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const r of resources) {
    const name = resourceName(r);
    try {
      const { typeUrl, any, value } = encodeAny(r);
      encoded.push({
        name,
        typeUrl,
        any,
        version: createHash('sha256').update(value).digest('hex').slice(0, 16),
      });
    } catch (e) {
      if (!(e instanceof ProtoJsonError)) throw e;
      const kind = String(r['@type']).split('.').pop() ?? 'Resource';
      diagnostics.push({
        resource: { kind, namespace: '', name },
        path: e.path,
        message: e.detail,
        severity: 'error',
        code: 'invalid-xds',
      });
    }
  }
  return { encoded, diagnostics };
}

/**
 * Checks every resource against the real protos; an empty list means all encode.
 *
 * @example
 * ```ts
 * for (const d of checkResources(translate(ir).resources)) console.error(formatDiagnostic(d));
 * ```
 */
export function checkResources(resources: XdsResources): Diagnostic[] {
  const all = [
    ...resources.listeners,
    ...resources.routes,
    ...resources.clusters,
    ...resources.endpoints,
    ...resources.secrets,
  ];
  return encodeResources(all).diagnostics;
}
