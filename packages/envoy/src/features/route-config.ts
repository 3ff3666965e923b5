/**
 * Virtual hosts and RouteConfigurations for Envoy listeners: one RouteConfiguration per IR
 * listener (named after it), vhosts in IR order with domains unique across the configuration,
 * `require_tls` from the vhost's insecure action.
 *
 * @module
 */
import type { IRListener, IRVirtualHost } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { Audience, EnvoyResource, TranslateContext } from '../types.js';
import { irRef, put, report, T } from './common.js';
import { type HttpFeatureContext, type HttpFilterChain, virtualHostPerFilterConfig } from './registry.js';
import { buildRoutes, type RouteScope } from './route.js';

/** RouteConfiguration name used by an Envoy listener's connection manager. */
export function routeConfigName(l: IRListener): string {
  return l.name;
}

/** One IR vhost → `VirtualHost` with the given domains. */
export function virtualHost(
  vh: IRVirtualHost,
  domains: string[],
  listener: IRListener,
  chain: HttpFilterChain,
  ctx: TranslateContext,
  audience: Audience,
): JsonObject {
  const featureCtx: HttpFeatureContext = { ir: ctx.ir, audience, listener };
  const scope: RouteScope = { ctx, audience, listener, vhost: vh, chain, featureCtx };
  const out: JsonObject = { name: vh.name, domains, routes: vh.routes.flatMap((r) => buildRoutes(r, scope)) };
  // Envoy redirects non-TLS requests (by X-Forwarded-Proto) when the vhost requires TLS.
  if (audience === 'envoy' && vh.insecure === 'redirect' && listener.securityModel !== 'SECURE')
    out.require_tls = 'ALL';
  put(out, 'typed_per_filter_config', virtualHostPerFilterConfig(chain, vh, featureCtx));
  return out;
}

/**
 * The RouteConfiguration of an Envoy listener. A domain may appear in one vhost only (Envoy
 * rejects the configuration otherwise), so later duplicates are dropped with a warning.
 */
export function envoyRouteConfiguration(
  l: IRListener,
  chain: HttpFilterChain,
  ctx: TranslateContext,
): EnvoyResource {
  const seen = new Set<string>();
  const vhosts: JsonObject[] = [];
  for (const vh of l.virtualHosts) {
    const domains: string[] = [];
    for (const d of vh.domains) {
      const key = d.toLowerCase();
      if (seen.has(key)) {
        report(
          ctx,
          irRef('VirtualHost', vh.name),
          'domains',
          `domain ${d} is already served by another virtual host of ${l.name}; left out`,
        );
        continue;
      }
      seen.add(key);
      domains.push(d);
    }
    if (domains.length === 0) continue;
    vhosts.push(virtualHost(vh, domains, l, chain, ctx, 'envoy'));
  }
  return any(T.routeConfiguration, { name: routeConfigName(l), virtual_hosts: vhosts }) as EnvoyResource;
}
