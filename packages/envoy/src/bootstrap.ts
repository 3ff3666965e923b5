import { isIP } from 'node:net';
import type { Diagnostic, GatewayIR } from '@gateway/core';
import { EXT, T } from './features/common.js';
import { encodeMessage, ProtoJsonError } from './proto/codec.js';
import { any, type JsonObject, type JsonValue } from './proto/json.js';
import { translate } from './translate.js';
import type { EnvoyResource, TranslateOptions } from './types.js';
import { parseHostPort } from './util/host-port.js';

/** Name of the bootstrap cluster that reaches the ADS server. */
export const XDS_CLUSTER = 'xds_cluster';

export interface BootstrapOptions {
  /**
   * `host:port` of the ADS server. When set the bootstrap is dynamic (LDS and CDS over ADS; routes,
   * endpoints and secrets follow over the same stream). When absent the IR is rendered as static
   * resources.
   */
  ads?: string;
  /** ADS flavour Envoy speaks: `sotw` (GRPC, default) or `delta` (DELTA_GRPC). */
  adsFlavor?: 'sotw' | 'delta';
  /** `node.id`; default `gateway`. */
  nodeId?: string;
  /** `node.cluster`; default `gateway`. */
  nodeCluster?: string;
  /** Admin interface; default 127.0.0.1:9901; `false` for none. */
  admin?: { address: string; port: number } | false;
  /** Extra options for the static translation. */
  translate?: Omit<TranslateOptions, 'mode'>;
}

export interface BootstrapResult {
  /** `envoy.config.bootstrap.v3.Bootstrap` as proto3 JSON. */
  bootstrap: JsonObject;
  /** Translation diagnostics plus everything {@link validateBootstrap} found. */
  diagnostics: Diagnostic[];
}

const BOOTSTRAP_REF = { kind: 'Bootstrap', namespace: '', name: 'envoy' };

function stripType(r: EnvoyResource): JsonObject {
  const { '@type': _type, ...body } = r;
  return body;
}

function xdsCluster(host: string, port: number): JsonObject {
  return {
    name: XDS_CLUSTER,
    type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: XDS_CLUSTER,
      endpoints: [
        {
          locality: {},
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }],
          load_balancing_weight: 1,
        },
      ],
    },
    // The ADS server is gRPC: HTTP/2 upstream.
    typed_extension_protocol_options: {
      [EXT.httpProtocolOptions]: any(T.httpProtocolOptions, {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    },
  };
}

/**
 * A complete Envoy bootstrap: dynamic (pointing at our ADS server, with an HTTP/2 `xds_cluster`)
 * or static (the IR's listeners, clusters and secrets inline). Checked with
 * {@link validateBootstrap}; problems are returned, never thrown.
 *
 * @example
 * ```ts
 * const { bootstrap: dyn } = bootstrap(undefined, { ads: '127.0.0.1:18000' });
 * const { bootstrap: stat } = bootstrap(ir);
 * ```
 */
export function bootstrap(ir: GatewayIR | undefined, options: BootstrapOptions = {}): BootstrapResult {
  const diagnostics: Diagnostic[] = [];
  const out: JsonObject = {
    node: { id: options.nodeId ?? 'gateway', cluster: options.nodeCluster ?? 'gateway' },
  };
  const admin = options.admin ?? { address: '127.0.0.1', port: 9901 };
  if (admin) out.admin = { address: { socket_address: { address: admin.address, port_value: admin.port } } };
  if (options.ads !== undefined) {
    const target = parseHostPort(options.ads);
    if (!target) {
      diagnostics.push({
        resource: BOOTSTRAP_REF,
        path: 'ads',
        message: `expected host:port, got ${JSON.stringify(options.ads)}`,
        severity: 'error',
      });
      return { bootstrap: out, diagnostics };
    }
    out.dynamic_resources = {
      ads_config: {
        api_type: options.adsFlavor === 'delta' ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    };
    out.static_resources = { clusters: [xdsCluster(target.host, target.port)] };
  } else if (ir) {
    const result = translate(ir, { ...options.translate, mode: 'static' });
    diagnostics.push(...result.diagnostics);
    const statics: JsonObject = {};
    if (result.resources.listeners.length > 0) statics.listeners = result.resources.listeners.map(stripType);
    if (result.resources.clusters.length > 0) statics.clusters = result.resources.clusters.map(stripType);
    if (result.resources.secrets.length > 0) statics.secrets = result.resources.secrets.map(stripType);
    out.static_resources = statics;
  }
  if (ir) {
    const size = ir.settings.regexMaxProgramSize;
    out.layered_runtime = {
      layers: [
        {
          name: 'gateway',
          static_layer: { 're2.max_program_size.error_level': size, 're2.max_program_size.warn_level': size },
        },
      ],
    };
  }
  diagnostics.push(...validateBootstrap(out));
  return { bootstrap: out, diagnostics };
}

function* walk(value: JsonValue, path: string): Generator<[string, JsonObject]> {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* walk(v, `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    yield [path, value];
    for (const [k, v] of Object.entries(value)) yield* walk(v, path ? `${path}.${k}` : k);
  }
}

/**
 * What `envoy --mode validate` would reject, as far as it can be checked without Envoy: the
 * bootstrap must encode with the real Bootstrap proto (unknown, deprecated or wrongly typed
 * fields, protoc-gen-validate rules), names must be unique, and every cluster, SDS secret and
 * ADS cluster it references must exist.
 *
 * @example
 * ```ts
 * const problems = validateBootstrap(JSON.parse(readFileSync('envoy.json', 'utf8')));
 * ```
 */
export function validateBootstrap(b: JsonObject): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const fail = (path: string, message: string) =>
    problems.push({ resource: BOOTSTRAP_REF, path, message, severity: 'error' });
  try {
    encodeMessage('envoy.config.bootstrap.v3.Bootstrap', b);
  } catch (e) {
    if (!(e instanceof ProtoJsonError)) throw e;
    fail(e.path, e.detail);
  }
  const statics = (b.static_resources ?? {}) as JsonObject;
  const clusters = new Set<string>();
  for (const [i, c] of ((statics.clusters ?? []) as JsonObject[]).entries()) {
    if (clusters.has(c.name as string))
      fail(`static_resources.clusters[${i}].name`, `duplicate cluster ${c.name}`);
    clusters.add(c.name as string);
  }
  const listeners = new Set<string>();
  for (const [i, l] of ((statics.listeners ?? []) as JsonObject[]).entries()) {
    if (listeners.has(l.name as string))
      fail(`static_resources.listeners[${i}].name`, `duplicate listener ${l.name}`);
    listeners.add(l.name as string);
  }
  const secrets = new Set(((statics.secrets ?? []) as JsonObject[]).map((s) => s.name as string));
  const dynamic = b.dynamic_resources !== undefined;
  for (const [path, node] of walk(statics as JsonValue, 'static_resources')) {
    // Inline route configs validate clusters by default: a route to a missing cluster is fatal.
    if (path.endsWith('.route') && typeof node.cluster === 'string' && !clusters.has(node.cluster))
      fail(`${path}.cluster`, `unknown cluster ${node.cluster}`);
    if (path.endsWith('.weighted_clusters'))
      for (const w of (node.clusters ?? []) as JsonObject[])
        if (!clusters.has(w.name as string)) fail(`${path}.clusters`, `unknown cluster ${w.name}`);
    if (path.endsWith('.request_mirror_policies') || /request_mirror_policies\[\d+\]$/.test(path))
      if (typeof node.cluster === 'string' && !clusters.has(node.cluster))
        fail(`${path}.cluster`, `unknown cluster ${node.cluster}`);
    if (
      /sds_secret_configs?(\[\d+\])?$/.test(path) &&
      !dynamic &&
      typeof node.name === 'string' &&
      node.sds_config === undefined &&
      !secrets.has(node.name)
    )
      fail(path, `unknown static secret ${node.name}`);
  }
  const ads = (b.dynamic_resources as JsonObject | undefined)?.ads_config as JsonObject | undefined;
  for (const svc of (ads?.grpc_services ?? []) as JsonObject[]) {
    const name = (svc.envoy_grpc as JsonObject | undefined)?.cluster_name as string | undefined;
    if (name && !clusters.has(name))
      fail('dynamic_resources.ads_config.grpc_services', `unknown cluster ${name}`);
  }
  return problems;
}
