/**
 * L4 routes (TCPMappings) → `tcp_proxy` filter chains on `tcp`/`tls` listeners, matched by SNI
 * when the route names a host, terminating TLS when it names a secret. Weights are the raw
 * member weights (not Emissary's cumulative numbers).
 *
 * @module
 */
import type { IRTcpRoute } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';
import { EXT, irRef, report, sdsSecretRef, T } from './common.js';
import { hasCertificate, sniMatch } from './downstream-tls.js';

/** One TCP route → a filter chain, or undefined when it has no usable backend or secret. */
export function tcpFilterChain(r: IRTcpRoute, ctx: TranslateContext): JsonObject | undefined {
  const backends = r.clusters.filter((c) => c.weight > 0 && ctx.clusters.has(c.cluster));
  if (backends.length !== r.clusters.filter((c) => c.weight > 0).length || backends.length === 0) {
    report(
      ctx,
      r.sources[0] ?? irRef('TCPRoute', r.name),
      'clusters',
      `TCP route ${r.name} has no usable backend cluster; left out`,
    );
    return undefined;
  }
  const proxy: JsonObject = { stat_prefix: r.name };
  const first = backends[0];
  if (backends.length === 1 && first) proxy.cluster = first.cluster;
  else proxy.weighted_clusters = { clusters: backends.map((b) => ({ name: b.cluster, weight: b.weight })) };
  if (r.idleTimeoutMs > 0) proxy.idle_timeout = duration(r.idleTimeoutMs);
  const chain: JsonObject = {};
  const match = sniMatch(r.sniHost ? [r.sniHost] : []);
  if (match) chain.filter_chain_match = match;
  if (r.tlsSecret) {
    if (!hasCertificate(ctx, r.tlsSecret)) {
      report(
        ctx,
        r.sources[0] ?? irRef('TCPRoute', r.name),
        'tlsSecret',
        `secret ${r.tlsSecret} has no certificate and key; TCP route ${r.name} left out`,
      );
      return undefined;
    }
    chain.transport_socket = {
      name: EXT.tls,
      typed_config: any(T.downstreamTls, {
        common_tls_context: { tls_certificate_sds_secret_configs: [sdsSecretRef(r.tlsSecret, ctx)] },
      }),
    };
  }
  chain.filters = [{ name: EXT.tcpProxy, typed_config: any(T.tcpProxy, proxy) }];
  return chain;
}
