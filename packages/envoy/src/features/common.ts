/**
 * Small builders shared by the feature files: config sources, SDS references, fractions and
 * diagnostics.
 *
 * @module
 */
import type { Diagnostic, IRSecret, ResourceRef } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';

/** Type names of the resources and extensions the emitter writes. */
export const T = {
  listener: 'envoy.config.listener.v3.Listener',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
  hcm: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  tlsInspector: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  router: 'envoy.extensions.filters.http.router.v3.Router',
  cors: 'envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  filterConfig: 'envoy.config.route.v3.FilterConfig',
  downstreamTls: 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** Names Envoy knows extensions by (filter names, transport sockets, protocol options keys). */
export const EXT = {
  hcm: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  tlsInspector: 'envoy.filters.listener.tls_inspector',
  tls: 'envoy.transport_sockets.tls',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** `{ads: {}, resource_api_version: V3}`: fetch over the same ADS stream. */
export function adsConfigSource(): JsonObject {
  return { ads: {}, resource_api_version: 'V3' };
}

/**
 * A reference to an SDS secret: over ADS in `ads` mode; by name only in `static` mode (the
 * bootstrap carries the secret in `static_resources.secrets`).
 */
export function sdsSecretRef(name: string, ctx: TranslateContext): JsonObject {
  return ctx.mode === 'ads' ? { name, sds_config: adsConfigSource() } : { name };
}

/** The name of the SDS Secret carrying a secret's CA bundle (a Secret holds one kind of material). */
export function caSecretName(secret: IRSecret | undefined, name: string): string {
  return secret?.certificateChain ? `${name}/ca` : name;
}

/**
 * A FractionalPercent for a percentage in [0, 100]: HUNDRED for whole numbers (the enum default,
 * so `denominator` is left out), MILLION otherwise.
 */
export function fractionalPercent(percent: number): JsonObject {
  const p = Math.min(100, Math.max(0, percent));
  if (Number.isInteger(p)) return p === 0 ? {} : { numerator: p };
  return { numerator: Math.round(p * 10_000), denominator: 'MILLION' };
}

/** Sets `obj[key] = value` when value is not undefined (proto3 JSON never carries undefined). */
export function put(obj: JsonObject, key: string, value: JsonObject[string] | undefined): void {
  if (value !== undefined) obj[key] = value;
}

/** A reference to an IR element that has no user resource of its own. */
export function irRef(kind: string, name: string): ResourceRef {
  return { kind, namespace: '', name };
}

/** Records a diagnostic on the translation. */
export function report(
  ctx: TranslateContext,
  resource: ResourceRef,
  path: string,
  message: string,
  severity: Diagnostic['severity'] = 'warning',
  code?: string,
): void {
  const d: Diagnostic = { resource, path, message, severity };
  if (code) d.code = code;
  ctx.diagnostics.push(d);
}
