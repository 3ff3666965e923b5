/**
 * The HTTP connection manager: routes by RDS over ADS (or inline for a static bootstrap), the
 * HTTP filter chain from the registry, WebSocket-style upgrades, HTTP/2, and the edge-safe
 * defaults the IR settings carry (path normalisation, slash merging, escaped-slash handling,
 * client address trust, header limits and timeouts).
 *
 * @module
 */
import type { IRListener, IRSettings } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';
import { adsConfigSource, EXT, T } from './common.js';
import type { HttpFilterChain } from './registry.js';
import { hcmUpgradeConfigs } from './upgrades.js';

const ESCAPED_SLASHES: Record<IRSettings['escapedSlashesAction'], string> = {
  reject: 'REJECT_REQUEST',
  keep: 'KEEP_UNCHANGED',
  'unescape-and-redirect': 'UNESCAPE_AND_REDIRECT',
  'unescape-and-forward': 'UNESCAPE_AND_FORWARD',
};

const UNDERSCORES: Record<IRSettings['headersWithUnderscoresAction'], string | undefined> = {
  allow: undefined, // ALLOW is the enum default
  reject: 'REJECT_REQUEST',
  drop: 'DROP_HEADER',
};

/** How the connection manager gets its routes. */
export type RouteSource = { rds: string } | { inline: JsonObject };

/** The HttpConnectionManager `typed_config` for an Envoy listener. */
export function httpConnectionManager(
  l: IRListener,
  chain: HttpFilterChain,
  routes: RouteSource,
  ctx: TranslateContext,
): JsonObject {
  const s = ctx.ir.settings;
  const hcm: JsonObject = { stat_prefix: l.statsPrefix || l.name };
  if ('rds' in routes) hcm.rds = { config_source: adsConfigSource(), route_config_name: routes.rds };
  else hcm.route_config = routes.inline;
  hcm.http_filters = chain.filters;
  const upgrades = hcmUpgradeConfigs(l);
  if (upgrades.length > 0) hcm.upgrade_configs = upgrades;
  // codec_type AUTO (the default) serves HTTP/1.1, h2c and ALPN-negotiated h2.
  hcm.http2_protocol_options = { max_concurrent_streams: s.http2MaxConcurrentStreams };
  const common: JsonObject = { idle_timeout: duration(s.connectionIdleTimeoutMs) };
  const underscores = UNDERSCORES[s.headersWithUnderscoresAction];
  if (underscores) common.headers_with_underscores_action = underscores;
  hcm.common_http_protocol_options = common;
  hcm.normalize_path = s.normalizePath;
  if (s.mergeSlashes) hcm.merge_slashes = true;
  hcm.path_with_escaped_slashes_action = ESCAPED_SLASHES[s.escapedSlashesAction];
  hcm.use_remote_address = s.useRemoteAddress;
  if (s.xffNumTrustedHops > 0) hcm.xff_num_trusted_hops = s.xffNumTrustedHops;
  hcm.max_request_headers_kb = s.maxRequestHeadersKb;
  if (s.requestHeadersTimeoutMs > 0) hcm.request_headers_timeout = duration(s.requestHeadersTimeoutMs);
  hcm.stream_idle_timeout = duration(s.streamIdleTimeoutMs);
  hcm.drain_timeout = duration(s.drainTimeoutMs);
  if (s.stripHostPort) hcm.strip_matching_host_port = true;
  return any(T.hcm, hcm);
}

/** The network filter entry wrapping a connection manager. */
export function hcmNetworkFilter(typedConfig: JsonObject): JsonObject {
  return { name: EXT.hcm, typed_config: typedConfig };
}
