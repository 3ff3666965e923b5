/**
 * Envoy socket listeners: address, per-connection buffer limit, and filter chains — one
 * cleartext chain for `http`, one TLS chain per SNI entry for `https` (with the TLS inspector
 * listener filter), `tcp_proxy` chains for `tcp`/`tls`.
 *
 * @module
 */
import type { IRListener } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { EnvoyResource, TranslateContext } from '../types.js';
import { EXT, irRef, report, T } from './common.js';
import { downstreamTransportSocket, sniMatch } from './downstream-tls.js';
import { hcmNetworkFilter } from './hcm.js';
import { tcpFilterChain } from './tcp-proxy.js';

function listenerBase(l: IRListener, ctx: TranslateContext): JsonObject {
  const out: JsonObject = {
    name: l.name,
    address: { socket_address: { address: l.address, port_value: l.port } },
  };
  if (l.statsPrefix) out.stat_prefix = l.statsPrefix;
  const limit = ctx.ir.settings.maxRequestBodyBytes;
  if (limit > 0) out.per_connection_buffer_limit_bytes = Math.min(limit, 0xffffffff);
  return out;
}

function tlsInspector(): JsonObject {
  return { name: EXT.tlsInspector, typed_config: any(T.tlsInspector) };
}

/**
 * An `http`/`https` listener around a connection manager `typed_config`, or undefined (with a
 * warning) when no TLS chain is usable.
 */
export function httpListener(
  l: IRListener,
  hcm: JsonObject,
  ctx: TranslateContext,
): EnvoyResource | undefined {
  const out = listenerBase(l, ctx);
  if (l.protocol === 'http') {
    out.filter_chains = [{ filters: [hcmNetworkFilter(hcm)] }];
    return any(T.listener, out) as EnvoyResource;
  }
  const chains: JsonObject[] = [];
  for (const t of l.tls) {
    const socket = downstreamTransportSocket(t, l, ctx);
    if (!socket) continue;
    const chain: JsonObject = {};
    const match = sniMatch(t.serverNames);
    if (match) chain.filter_chain_match = match;
    chain.filters = [hcmNetworkFilter(hcm)];
    chain.transport_socket = socket;
    chains.push(chain);
  }
  if (chains.length === 0) {
    report(
      ctx,
      irRef('Listener', l.name),
      'tls',
      `HTTPS listener ${l.name} has no usable certificate; listener left out`,
    );
    return undefined;
  }
  out.listener_filters = [tlsInspector()];
  out.filter_chains = chains;
  return any(T.listener, out) as EnvoyResource;
}

/** A `tcp`/`tls` listener with the TCP routes on its port, or undefined when none is usable. */
export function tcpListener(l: IRListener, ctx: TranslateContext): EnvoyResource | undefined {
  const chains: JsonObject[] = [];
  let needsInspector = false;
  for (const r of ctx.ir.tcpRoutes) {
    if (r.port !== l.port) continue;
    const chain = tcpFilterChain(r, ctx);
    if (!chain) continue;
    if (r.sniHost || r.tlsSecret) needsInspector = true;
    chains.push(chain);
  }
  if (chains.length === 0) {
    report(
      ctx,
      irRef('Listener', l.name),
      'port',
      `listener ${l.name} has no TCP routes; left out`,
      'notice',
    );
    return undefined;
  }
  const out = listenerBase(l, ctx);
  if (needsInspector) out.listener_filters = [tlsInspector()];
  out.filter_chains = chains;
  return any(T.listener, out) as EnvoyResource;
}
