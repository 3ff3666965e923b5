/**
 * The HTTP filter registry: which HTTP filters a connection manager gets, in which order, and
 * what each contributes per virtual host and per route (`typed_per_filter_config`).
 *
 * ## Adding a filter feature (ext_authz, jwt_authn, rbac, local_ratelimit, ratelimit)
 *
 * 1. Create `src/features/<name>.ts` exporting one {@link HttpFeature}. `name` must be one of
 *    {@link HTTP_FILTER_ORDER} — the position in that list, not in the features array, decides
 *    where the filter runs (`cors → ext_authz → jwt_authn → rbac → local_ratelimit → ratelimit →
 *    router`, docs/architecture.md).
 * 2. `httpFilter(ctx)` returns the filter's `typed_config` (proto3 JSON with `@type`) when the IR
 *    uses the feature, or `undefined` to leave the filter out entirely (emit only what is used).
 *    Read everything from `ctx.ir` (e.g. `ctx.ir.filters.extAuthz`); never re-apply Ambassador
 *    defaults, the IR already carries them.
 * 3. Optionally `perRoute(route, ctx)` / `perVirtualHost(vhost, ctx)` return a
 *    {@link PerFilterConfig}: `{ config }` (a per-route message such as `ExtAuthzPerRoute`, with
 *    `@type`) or `{ disabled: true }` (the generic `FilterConfig{disabled: true}`, e.g. for
 *    `route.auth.bypassExtAuthz`). They are only called when `httpFilter` returned a config for the
 *    same connection manager.
 * 4. Set `grpcClientSupport: true` only if grpc-js-xds implements the filter (router, fault,
 *    rbac). Otherwise, on listeners for gRPC xDS clients, the filter is emitted with
 *    `is_optional: true` and per-route configs are wrapped in `FilterConfig{is_optional: true}`,
 *    because grpc-js-xds NACKs unknown filters that are not optional. Return `undefined` for
 *    `ctx.audience === 'grpc'` when the filter means nothing client-side (CORS, auth).
 * 5. Append the feature to {@link DEFAULT_HTTP_FEATURES} and add a golden pair
 *    `test/testdata/in/<name>.json` → `test/testdata/out/<name>.json`
 *    (`UPDATE_GOLDEN=1 npx vitest run packages/envoy`). The round-trip test then checks every
 *    field you emit against the real protos (unknown, misspelt or deprecated fields fail).
 *
 * @example
 * ```ts
 * export const extAuthzFeature: HttpFeature = {
 *   name: 'envoy.filters.http.ext_authz',
 *   httpFilter: ({ ir, audience }) =>
 *     ir.filters.extAuthz && audience === 'envoy'
 *       ? any('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', { ... })
 *       : undefined,
 *   perRoute: (route) => (route.auth.bypassExtAuthz ? { disabled: true } : undefined),
 * };
 * ```
 *
 * @module
 */
import type { GatewayIR, IRListener, IRRoute, IRVirtualHost } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { Audience } from '../types.js';
import { T } from './common.js';
import { corsFeature } from './cors.js';
import { extAuthzFeature } from './ext-authz.js';
import { jwtAuthnFeature } from './jwt-authn.js';
import { localRateLimitFeature } from './local-ratelimit.js';
import { rateLimitFeature } from './ratelimit.js';
import { rbacFeature } from './rbac.js';
import { routerFeature } from './router.js';

/** Execution order of HTTP filters in every connection manager (both data planes). */
export const HTTP_FILTER_ORDER = [
  'envoy.filters.http.cors',
  'envoy.filters.http.ext_authz',
  'envoy.filters.http.jwt_authn',
  'envoy.filters.http.rbac',
  'envoy.filters.http.local_ratelimit',
  'envoy.filters.http.ratelimit',
  'envoy.filters.http.router',
] as const;

export type HttpFilterName = (typeof HTTP_FILTER_ORDER)[number];

/** What a feature sees while building one connection manager. */
export interface HttpFeatureContext {
  readonly ir: GatewayIR;
  /** `envoy` for socket listeners, `grpc` for api_listeners read by gRPC xDS clients. */
  readonly audience: Audience;
  /** The IR listener the connection manager belongs to. */
  readonly listener: IRListener;
}

/** A per-route or per-virtual-host override of one filter. */
export type PerFilterConfig = { config: JsonObject } | { disabled: true };

/** One HTTP filter feature. See the module documentation for how to add one. */
export interface HttpFeature {
  /** Filter name in the connection manager; also the `typed_per_filter_config` key. */
  readonly name: HttpFilterName;
  /** grpc-js-xds implements this filter (otherwise it is optional on gRPC-facing listeners). */
  readonly grpcClientSupport?: boolean;
  /** The filter's `typed_config` with `@type`, or undefined to leave the filter out. */
  httpFilter(ctx: HttpFeatureContext): JsonObject | undefined;
  /** Per-route override, or undefined for none. */
  perRoute?(route: IRRoute, ctx: HttpFeatureContext): PerFilterConfig | undefined;
  /** Per-virtual-host override, or undefined for none. */
  perVirtualHost?(vhost: IRVirtualHost, ctx: HttpFeatureContext): PerFilterConfig | undefined;
}

/** The features the emitter uses unless {@link TranslateOptions.httpFeatures} says otherwise. */
export const DEFAULT_HTTP_FEATURES: readonly HttpFeature[] = [
  corsFeature,
  extAuthzFeature,
  jwtAuthnFeature,
  rbacFeature,
  localRateLimitFeature,
  rateLimitFeature,
  routerFeature,
];

/**
 * Sorts features by {@link HTTP_FILTER_ORDER} and checks the registry is well formed: known
 * names, no duplicates, the router present.
 *
 * @example
 * ```ts
 * translate(ir, { httpFeatures: orderHttpFeatures([...DEFAULT_HTTP_FEATURES, myFeature]) });
 * ```
 */
export function orderHttpFeatures(features: readonly HttpFeature[]): HttpFeature[] {
  const seen = new Set<string>();
  for (const f of features) {
    if (!HTTP_FILTER_ORDER.includes(f.name))
      throw new TypeError(`HTTP feature ${f.name} is not in HTTP_FILTER_ORDER`);
    if (seen.has(f.name)) throw new TypeError(`HTTP feature ${f.name} is registered twice`);
    seen.add(f.name);
  }
  if (!seen.has('envoy.filters.http.router')) throw new TypeError('the router HTTP feature is required');
  return [...features].sort((a, b) => HTTP_FILTER_ORDER.indexOf(a.name) - HTTP_FILTER_ORDER.indexOf(b.name));
}

/** The filters of one connection manager plus the features that contributed them. */
export interface HttpFilterChain {
  /** `http_filters` entries, router last. */
  filters: JsonObject[];
  /** Features whose filter is present (so their per-route hooks apply). */
  active: HttpFeature[];
}

/** Builds `http_filters` for one connection manager. */
export function buildHttpFilters(features: readonly HttpFeature[], ctx: HttpFeatureContext): HttpFilterChain {
  const filters: JsonObject[] = [];
  const active: HttpFeature[] = [];
  for (const feature of features) {
    const typedConfig = feature.httpFilter(ctx);
    if (!typedConfig) continue;
    const entry: JsonObject = { name: feature.name, typed_config: typedConfig };
    if (ctx.audience === 'grpc' && !feature.grpcClientSupport) entry.is_optional = true;
    filters.push(entry);
    active.push(feature);
  }
  return { filters, active };
}

function perFilterValue(feature: HttpFeature, value: PerFilterConfig, audience: Audience): JsonObject {
  if ('disabled' in value) return any(T.filterConfig, { disabled: true });
  if (audience === 'grpc' && !feature.grpcClientSupport)
    return any(T.filterConfig, { config: value.config, is_optional: true });
  return value.config;
}

/** `typed_per_filter_config` for a route, or undefined when no active feature overrides it. */
export function routePerFilterConfig(
  chain: HttpFilterChain,
  route: IRRoute,
  ctx: HttpFeatureContext,
): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const feature of chain.active) {
    const value = feature.perRoute?.(route, ctx);
    if (!value) continue;
    out ??= {};
    out[feature.name] = perFilterValue(feature, value, ctx.audience);
  }
  return out;
}

/** `typed_per_filter_config` for a virtual host, or undefined. */
export function virtualHostPerFilterConfig(
  chain: HttpFilterChain,
  vhost: IRVirtualHost,
  ctx: HttpFeatureContext,
): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const feature of chain.active) {
    const value = feature.perVirtualHost?.(vhost, ctx);
    if (!value) continue;
    out ??= {};
    out[feature.name] = perFilterValue(feature, value, ctx.audience);
  }
  return out;
}
