/**
 * The ADS gRPC service definition with hand-written message codecs: requests are decoded with
 * the real protos; responses are assembled from pre-encoded resource bytes (so a resource is
 * encoded once per version, not once per stream).
 *
 * @module
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { decodedToJson } from '../proto/codec.js';
import type { JsonObject } from '../proto/json.js';
import { envoyProtoRoot } from '../proto/root.js';
import type { EncodedResource } from '../resources.js';

/** The node a client identifies as (first request of a stream). */
export interface XdsNode {
  id: string;
  cluster: string;
  userAgentName: string;
  userAgentVersion: string;
  clientFeatures: string[];
  /** `node.metadata` as plain JSON. */
  metadata: JsonObject;
  locality?: { region?: string; zone?: string; subZone?: string };
}

/** `google.rpc.Status` of a NACK. */
export interface ErrorDetail {
  code: number;
  message: string;
}

export interface SotwRequest {
  versionInfo: string;
  node?: XdsNode;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorDetail?: ErrorDetail;
}

export interface DeltaRequest {
  node?: XdsNode;
  typeUrl: string;
  subscribe: string[];
  unsubscribe: string[];
  initialResourceVersions: Record<string, string>;
  responseNonce: string;
  errorDetail?: ErrorDetail;
}

type Decoded = Record<string, unknown>;

let types: { sotw: protobuf.Type; delta: protobuf.Type } | undefined;
function requestTypes(): { sotw: protobuf.Type; delta: protobuf.Type } {
  types ??= {
    sotw: envoyProtoRoot().lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
    delta: envoyProtoRoot().lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
  };
  return types;
}

function toNode(n: unknown): XdsNode | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const node = n as Decoded;
  const metadata = node.metadata
    ? (decodedToJson('google.protobuf.Struct', node.metadata) as JsonObject)
    : {};
  const loc = node.locality as Decoded | undefined;
  const out: XdsNode = {
    id: String(node.id ?? ''),
    cluster: String(node.cluster ?? ''),
    userAgentName: String(node.user_agent_name ?? ''),
    userAgentVersion: String(node.user_agent_version ?? ''),
    clientFeatures: ((node.client_features as string[] | undefined) ?? []).map(String),
    metadata,
  };
  if (loc)
    out.locality = {
      region: String(loc.region ?? ''),
      zone: String(loc.zone ?? ''),
      subZone: String(loc.sub_zone ?? ''),
    };
  return out;
}

function toErrorDetail(e: unknown): ErrorDetail | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const s = e as Decoded;
  return { code: Number(s.code ?? 0), message: String(s.message ?? '') };
}

/** Decodes a `DiscoveryRequest`. */
export function decodeSotwRequest(bytes: Buffer): SotwRequest {
  const m = requestTypes().sotw.decode(bytes) as unknown as Decoded;
  return {
    versionInfo: String(m.version_info ?? ''),
    node: toNode(m.node),
    resourceNames: ((m.resource_names as string[] | undefined) ?? []).map(String),
    typeUrl: String(m.type_url ?? ''),
    responseNonce: String(m.response_nonce ?? ''),
    errorDetail: Object.hasOwn(m, 'error_detail') ? toErrorDetail(m.error_detail) : undefined,
  };
}

/** Decodes a `DeltaDiscoveryRequest`. */
export function decodeDeltaRequest(bytes: Buffer): DeltaRequest {
  const m = requestTypes().delta.decode(bytes) as unknown as Decoded;
  const initial: Record<string, string> = {};
  for (const [k, v] of Object.entries(
    (m.initial_resource_versions as Record<string, string> | undefined) ?? {},
  ))
    initial[k] = String(v);
  return {
    node: toNode(m.node),
    typeUrl: String(m.type_url ?? ''),
    subscribe: ((m.resource_names_subscribe as string[] | undefined) ?? []).map(String),
    unsubscribe: ((m.resource_names_unsubscribe as string[] | undefined) ?? []).map(String),
    initialResourceVersions: initial,
    responseNonce: String(m.response_nonce ?? ''),
    errorDetail: Object.hasOwn(m, 'error_detail') ? toErrorDetail(m.error_detail) : undefined,
  };
}

function stringField(tag: number, value: string): Buffer {
  if (value === '') return Buffer.alloc(0);
  return Buffer.from(protobuf.Writer.create().uint32(tag).string(value).finish());
}

/** `repeated google.protobuf.Any resources = 2` for the given resources, as one block. */
export function resourcesBlock(resources: readonly EncodedResource[]): Buffer {
  const w = protobuf.Writer.create();
  for (const r of resources) w.uint32(18).bytes(r.any);
  return Buffer.from(w.finish());
}

/**
 * A `DiscoveryResponse`: `version_info` (1), the pre-encoded `resources` block (2), `type_url`
 * (4), `nonce` (5). Fields may appear in any order on the wire; concatenating keeps the resource
 * bytes untouched.
 */
export function encodeSotwResponse(
  versionInfo: string,
  block: Buffer,
  typeUrl: string,
  nonce: string,
): Buffer {
  return Buffer.concat([
    stringField(10, versionInfo),
    block,
    stringField(34, typeUrl),
    stringField(42, nonce),
  ]);
}

const deltaResourceCache = new WeakMap<EncodedResource, Buffer>();

/** `Resource{name (3), version (1), resource (2)}` encoded once per EncodedResource. */
function deltaResource(r: EncodedResource): Buffer {
  let b = deltaResourceCache.get(r);
  if (!b) {
    b = Buffer.from(
      protobuf.Writer.create()
        .uint32(10)
        .string(r.version)
        .uint32(18)
        .bytes(r.any)
        .uint32(26)
        .string(r.name)
        .finish(),
    );
    deltaResourceCache.set(r, b);
  }
  return b;
}

/** `repeated Resource resources = 2` of a DeltaDiscoveryResponse, as one block. */
export function deltaResourcesBlock(resources: readonly EncodedResource[]): Buffer {
  const w = protobuf.Writer.create();
  for (const r of resources) w.uint32(18).bytes(deltaResource(r));
  return Buffer.from(w.finish());
}

/** A `DeltaDiscoveryResponse` around a pre-encoded resources block (see {@link deltaResourcesBlock}). */
export function encodeDeltaResponse(
  systemVersion: string,
  block: Buffer,
  removed: readonly string[],
  typeUrl: string,
  nonce: string,
): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(34).string(typeUrl);
  w.uint32(42).string(nonce);
  for (const n of removed) w.uint32(50).string(n);
  return Buffer.concat([stringField(10, systemVersion), block, Buffer.from(w.finish())]);
}

/** Size of a resource inside a response (tag + length + bytes), for splitting large responses. */
export function framedSize(r: EncodedResource): number {
  const n = r.any.length;
  return n + 1 + (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4) + 64 + r.name.length;
}

const identity = (b: Buffer) => b;

/** `envoy.service.discovery.v3.AggregatedDiscoveryService` with our codecs. */
export const ADS_SERVICE: ServiceDefinition = {
  StreamAggregatedResources: {
    path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: decodeSotwRequest,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  DeltaAggregatedResources: {
    path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: decodeDeltaRequest,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
