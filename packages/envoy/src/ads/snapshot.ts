/**
 * Snapshots: one consistent, versioned set of encoded xDS resources per node group.
 *
 * Resources are encoded once when the snapshot is built; every stream that sends them shares the
 * same bytes. Versions are content hashes: a resource's version is the hash of its encoding, a
 * type's version the hash of its (name, version) pairs, so unchanged types keep their version and
 * are never re-sent.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, GatewayIR } from '@gateway/core';
import type { JsonObject, JsonValue } from '../proto/json.js';
import { type EncodedResource, encodeResources } from '../resources.js';
import { resourceName, translate } from '../translate.js';
import { type ResourceKind, TYPE_URLS } from '../type-urls.js';
import type { EnvoyResource, TranslateOptions, XdsResources } from '../types.js';

/** The resources of one type in a snapshot. */
export interface SnapshotType {
  readonly kind: ResourceKind;
  readonly typeUrl: string;
  /** Changes exactly when a resource of this type is added, removed or changed. */
  readonly version: string;
  readonly items: ReadonlyMap<string, EncodedResource>;
  /** Names served only on explicit subscription, never to wildcard subscribers. */
  readonly explicitOnly: ReadonlySet<string>;
  /** Encoded `resources` fields keyed by selection, shared by streams sending the same set. */
  readonly blocks: Map<string, Buffer>;
}

/** One immutable, consistent set of resources. */
export interface Snapshot {
  /** Snapshot version (the IR version when built from an IR). */
  readonly version: string;
  readonly types: Readonly<Record<ResourceKind, SnapshotType>>;
}

/** Input for {@link createSnapshot}: resources as proto3 JSON with `@type`. */
export interface SnapshotInput {
  version: string;
  resources: Partial<XdsResources>;
  /** Listener and cluster names not served to wildcard subscribers (gRPC-only resources). */
  explicitOnly?: { listeners?: string[]; clusters?: string[] };
}

const REF = (kind: string, name: string) => ({ kind, namespace: '', name });

function typeVersion(items: ReadonlyMap<string, EncodedResource>): string {
  const h = createHash('sha256');
  for (const name of [...items.keys()].sort()) h.update(`${name}\u0000${items.get(name)?.version}\u0000`);
  return h.digest('hex').slice(0, 16);
}

/** Calls `visit` for every object inside `value` (depth first). */
function eachObject(value: JsonValue, visit: (o: JsonObject) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) eachObject(v, visit);
  } else if (value !== null && typeof value === 'object') {
    visit(value);
    for (const k in value) {
      const v = value[k];
      if (v !== null && typeof v === 'object') eachObject(v, visit);
    }
  }
}

/**
 * go-control-plane's `Consistent()`, by name: every RouteConfiguration an HTTP connection manager
 * fetches by RDS, every ClusterLoadAssignment an EDS cluster waits for and every SDS secret a
 * listener or cluster references must be in the snapshot (else Envoy and gRPC clients wait
 * forever for it). Names are unique per type.
 *
 * @example
 * ```ts
 * const problems = checkConsistency(translate(ir).resources); // [] when consistent
 * ```
 */
export function checkConsistency(resources: Partial<XdsResources>): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const names = (list: EnvoyResource[] | undefined) => new Set((list ?? []).map(resourceName));
  const routeNames = names(resources.routes);
  const endpointNames = names(resources.endpoints);
  const secretNames = names(resources.secrets);
  for (const [kind, list] of Object.entries(resources) as Array<[string, EnvoyResource[]]>) {
    const seen = new Set<string>();
    for (const r of list) {
      const n = resourceName(r);
      if (seen.has(n))
        problems.push({
          resource: REF(kind, n),
          path: 'name',
          message: `duplicate ${kind} name ${n}`,
          severity: 'error',
          code: 'duplicate-resource',
        });
      seen.add(n);
    }
  }
  const owners: Array<[string, EnvoyResource[] | undefined]> = [
    ['Listener', resources.listeners],
    ['Cluster', resources.clusters],
  ];
  for (const [kind, list] of owners) {
    for (const r of list ?? []) {
      eachObject(r, (o) => {
        const rds = o.rds as JsonObject | undefined;
        if (
          rds &&
          typeof rds.route_config_name === 'string' &&
          rds.config_source &&
          !routeNames.has(rds.route_config_name)
        )
          problems.push({
            resource: REF(kind, resourceName(r)),
            path: 'rds.route_config_name',
            message: `RouteConfiguration ${rds.route_config_name} is not in the snapshot`,
            severity: 'error',
            code: 'missing-route',
          });
        const eds = o.eds_cluster_config as JsonObject | undefined;
        if (eds) {
          const service = (eds.service_name as string | undefined) || resourceName(r);
          if (!endpointNames.has(service))
            problems.push({
              resource: REF(kind, resourceName(r)),
              path: 'eds_cluster_config.service_name',
              message: `ClusterLoadAssignment ${service} is not in the snapshot`,
              severity: 'error',
              code: 'missing-endpoints',
            });
        }
        if (o.sds_config && typeof o.name === 'string' && !secretNames.has(o.name))
          problems.push({
            resource: REF(kind, resourceName(r)),
            path: 'sds_config',
            message: `Secret ${o.name} is not in the snapshot`,
            severity: 'error',
            code: 'missing-secret',
          });
      });
    }
  }
  return problems;
}

const KIND_OF_LIST: Record<keyof XdsResources, ResourceKind> = {
  listeners: 'listener',
  routes: 'route',
  clusters: 'cluster',
  endpoints: 'endpoint',
  secrets: 'secret',
};

/**
 * Encodes and checks resources into a snapshot. Returns no snapshot when a resource does not
 * encode with the real protos or the set is inconsistent.
 *
 * @example
 * ```ts
 * const { snapshot, diagnostics } = createSnapshot({ version: 'v1', resources: translate(ir).resources });
 * if (snapshot) server.setSnapshot('default', snapshot);
 * ```
 */
export function createSnapshot(input: SnapshotInput): { snapshot?: Snapshot; diagnostics: Diagnostic[] } {
  const diagnostics = checkConsistency(input.resources);
  const types = {} as Record<ResourceKind, SnapshotType>;
  for (const [list, kind] of Object.entries(KIND_OF_LIST) as Array<[keyof XdsResources, ResourceKind]>) {
    const typeUrl = TYPE_URLS[kind];
    const resources = input.resources[list] ?? [];
    for (const r of resources) {
      if (r['@type'] !== typeUrl)
        diagnostics.push({
          resource: REF(kind, resourceName(r)),
          path: '@type',
          message: `expected ${typeUrl} in ${list}, got ${String(r['@type'])}`,
          severity: 'error',
          code: 'wrong-type',
        });
    }
    const { encoded, diagnostics: encodeProblems } = encodeResources(resources);
    diagnostics.push(...encodeProblems);
    const items = new Map(encoded.map((e) => [e.name, e]));
    const explicit =
      kind === 'listener'
        ? input.explicitOnly?.listeners
        : kind === 'cluster'
          ? input.explicitOnly?.clusters
          : undefined;
    types[kind] = {
      kind,
      typeUrl,
      version: typeVersion(items),
      items,
      explicitOnly: new Set(explicit ?? []),
      blocks: new Map(),
    };
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { snapshot: { version: input.version, types }, diagnostics };
}

/**
 * Translates an IR and builds its snapshot; diagnostics include the translation's.
 *
 * @example
 * ```ts
 * const { snapshot } = snapshotFromIR(ir);
 * if (snapshot) server.setSnapshot('edge', snapshot);
 * ```
 */
export function snapshotFromIR(
  ir: GatewayIR,
  options: Omit<TranslateOptions, 'mode'> = {},
): { snapshot?: Snapshot; diagnostics: Diagnostic[] } {
  const t = translate(ir, { ...options, mode: 'ads' });
  const built = createSnapshot({ version: ir.version, resources: t.resources, explicitOnly: t.explicitOnly });
  return { snapshot: built.snapshot, diagnostics: [...t.diagnostics, ...built.diagnostics] };
}
