/**
 * One IR route → Envoy `Route` entries: the match (path, case, headers, query, fraction, secure),
 * the action (forward with canary weights, rewrites, timeouts, retries, mirrors, upgrades,
 * hash policy, rate limits; redirect; direct response), header operations and per-filter
 * configuration.
 *
 * The gRPC-facing form differs where grpc-js-xds would NACK or ignore: no
 * `path_separated_prefix` (an exact + prefix pair instead), no redirect/direct response
 * (route left out), no query matchers (such routes can never match a gRPC call; left out),
 * timeouts as `max_stream_duration`, clusters replaced by their gRPC variants.
 *
 * @module
 */
import type { IRListener, IRPathMatch, IRRoute, IRRouteActionForward, IRVirtualHost } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';
import type { Audience, TranslateContext } from '../types.js';
import { fractionalPercent, put, report } from './common.js';
import { grpcClusterName } from './grpc-clients.js';
import { hashPolicy } from './hash-policy.js';
import { applyHeaderOps, headerValueOptions } from './headers.js';
import { mirrorPolicies } from './mirror.js';
import { rateLimits } from './ratelimit-actions.js';
import { directResponse, redirectAction } from './redirect.js';
import { type HttpFeatureContext, type HttpFilterChain, routePerFilterConfig } from './registry.js';
import { retryPolicy } from './retries.js';
import { headerMatcher, queryMatcher } from './string-match.js';
import { applyTimeouts } from './timeouts.js';
import { routeUpgradeConfigs } from './upgrades.js';

/** Everything a route needs to know about where it is emitted. */
export interface RouteScope {
  readonly ctx: TranslateContext;
  readonly audience: Audience;
  readonly listener: IRListener;
  readonly vhost: IRVirtualHost;
  readonly chain: HttpFilterChain;
  readonly featureCtx: HttpFeatureContext;
}

/** The header that carries "secure" under the XFP security model. */
const XFP = 'x-forwarded-proto';

/**
 * Path specifiers for a path match. Segment prefixes are `path_separated_prefix` for Envoy and
 * an exact + `prefix/` pair for gRPC clients (which NACK `path_separated_prefix`).
 */
export function pathSpecifiers(p: IRPathMatch, caseSensitive: boolean, audience: Audience): JsonObject[] {
  switch (p.kind) {
    case 'prefix':
      return [{ prefix: p.value }];
    case 'exact':
      return [{ path: p.value }];
    case 'regex':
      // Envoy ignores case_sensitive for safe_regex; RE2's inline flag does the same job.
      return [{ safe_regex: { regex: caseSensitive ? p.value : `(?i)${p.value}` } }];
    case 'segment-prefix': {
      let v = p.value;
      while (v.endsWith('/')) v = v.slice(0, -1);
      if (v === '') return [{ prefix: '/' }];
      return audience === 'grpc' ? [{ path: v }, { prefix: `${v}/` }] : [{ path_separated_prefix: v }];
    }
  }
}

/**
 * Whether a route applies to secure / insecure requests on this listener, as an optional
 * `x-forwarded-proto` matcher. `null` means the route can never match here.
 */
function secureMatcher(r: IRRoute, scope: RouteScope): JsonObject | undefined | null {
  if (scope.audience === 'grpc') return undefined; // client-side routing has no secure/insecure notion
  const model = scope.listener.securityModel;
  let secure = r.match.secure;
  if (scope.vhost.insecure === 'reject') {
    if (secure === false) return null;
    secure = true;
  }
  if (secure === undefined) return undefined;
  if (model === 'SECURE') return secure ? undefined : null;
  if (model === 'INSECURE') return secure ? null : undefined;
  const m: JsonObject = { name: XFP, string_match: { exact: 'https' } };
  if (!secure) m.invert_match = true;
  return m;
}

function routeMatches(r: IRRoute, scope: RouteScope): JsonObject[] | undefined {
  const secure = secureMatcher(r, scope);
  if (secure === null) return undefined;
  if (scope.audience === 'grpc' && r.match.queryParams.length > 0) return undefined;
  const headers = r.match.headers.map(headerMatcher);
  if (secure) headers.push(secure);
  return pathSpecifiers(r.match.path, r.match.caseSensitive, scope.audience).map((match) => {
    if (!r.match.caseSensitive && !('safe_regex' in match)) match.case_sensitive = false;
    if (headers.length > 0) match.headers = headers;
    if (scope.audience === 'envoy' && r.match.queryParams.length > 0)
      match.query_parameters = r.match.queryParams.map(queryMatcher);
    if (r.match.fraction !== undefined && r.match.fraction < 100)
      match.runtime_fraction = { default_value: fractionalPercent(r.match.fraction) };
    return match;
  });
}

function pathRewrite(action: JsonObject, a: IRRouteActionForward): void {
  const rw = a.rewrite;
  if (!rw) return;
  if (rw.kind === 'prefix') {
    if (rw.value !== '') action.prefix_rewrite = rw.value;
  } else if (rw.kind === 'regex') {
    action.regex_rewrite = { pattern: { regex: rw.pattern }, substitution: rw.substitution };
  } else {
    // A full replacement is a regex rewrite of the whole path (the query string is kept).
    action.regex_rewrite = { pattern: { regex: '^.*$' }, substitution: rw.value };
  }
}

/** The `route` action, or undefined when the route has nowhere to send traffic. */
function forwardAction(r: IRRoute, a: IRRouteActionForward, scope: RouteScope): JsonObject | undefined {
  const { ctx, audience } = scope;
  const backends = a.clusters.filter((w) => w.weight > 0);
  for (const w of backends) {
    if (!ctx.clusters.has(w.cluster)) {
      report(
        ctx,
        r.sources[0] ?? { kind: 'Route', namespace: '', name: r.name },
        'action.clusters',
        `route ${r.name} references unknown cluster ${w.cluster}; it answers 503`,
        'warning',
        'unknown-cluster',
      );
      return undefined;
    }
  }
  if (backends.length === 0) return undefined;
  const name = (cluster: string) => (audience === 'grpc' ? grpcClusterName(ctx, cluster) : cluster);
  const action: JsonObject = {};
  const first = backends[0];
  const perBackend =
    audience === 'envoy' &&
    backends.some(
      (w) =>
        w.hostRewrite ||
        (w.requestHeaders && (w.requestHeaders.add.length > 0 || w.requestHeaders.remove.length > 0)),
    );
  if (backends.length === 1 && first && !perBackend) {
    action.cluster = name(first.cluster);
  } else {
    // No total_weight (deprecated): Envoy and gRPC use the sum.
    action.weighted_clusters = {
      clusters: backends.map((w) => {
        const cw: JsonObject = { name: name(w.cluster), weight: w.weight };
        if (audience === 'envoy') {
          if (w.hostRewrite) cw.host_rewrite_literal = w.hostRewrite;
          if (w.requestHeaders) {
            if (w.requestHeaders.add.length > 0)
              cw.request_headers_to_add = headerValueOptions(w.requestHeaders);
            if (w.requestHeaders.remove.length > 0)
              cw.request_headers_to_remove = [...w.requestHeaders.remove];
          }
        }
        return cw;
      }),
    };
  }
  if (audience === 'envoy') {
    pathRewrite(action, a);
    if (a.hostRewrite) action.host_rewrite_literal = a.hostRewrite;
    else if (a.autoHostRewrite) action.auto_host_rewrite = true;
  }
  applyTimeouts(action, a, audience);
  if (a.retry) put(action, 'retry_policy', retryPolicy(a.retry, audience));
  if (audience === 'envoy') {
    const mirrors = mirrorPolicies(a.mirrors);
    if (mirrors.length > 0) action.request_mirror_policies = mirrors;
    if (a.upgrades.length > 0) action.upgrade_configs = routeUpgradeConfigs(a.upgrades);
    if (a.priority === 'high') action.priority = 'HIGH';
    const limits = rateLimits(r.rateLimits, ctx.ir.filters.rateLimitService?.domain);
    if (limits.length > 0) action.rate_limits = limits;
  }
  if (a.hashPolicy) {
    const hp = hashPolicy(a.hashPolicy, audience);
    if (hp) action.hash_policy = [hp];
  }
  return action;
}

/**
 * Envoy routes for one IR route: usually one, two for a gRPC-facing segment prefix, none when
 * the route cannot apply to this audience/listener.
 */
export function buildRoutes(r: IRRoute, scope: RouteScope): JsonObject[] {
  const matches = routeMatches(r, scope);
  if (!matches) return [];
  const { audience } = scope;
  const base: JsonObject = { name: r.name };
  const action = r.action;
  let responseExtra: JsonObject[] = [];
  if (action.kind === 'forward') {
    const forward = forwardAction(r, action, scope);
    if (forward) base.route = forward;
    else if (audience === 'grpc') return [];
    else base.direct_response = { status: 503 };
  } else if (audience === 'grpc') {
    return [];
  } else if (action.kind === 'redirect') {
    base.redirect = redirectAction(action);
  } else {
    const direct = directResponse(action);
    base.direct_response = direct.action;
    responseExtra = direct.headers;
  }
  if (audience === 'envoy') {
    applyHeaderOps(base, 'request', r.requestHeaders);
    applyHeaderOps(base, 'response', r.responseHeaders);
    if (responseExtra.length > 0)
      base.response_headers_to_add = [
        ...((base.response_headers_to_add as JsonObject[] | undefined) ?? []),
        ...responseExtra,
      ];
  }
  put(base, 'typed_per_filter_config', routePerFilterConfig(scope.chain, r, scope.featureCtx));
  if (matches.length === 1) {
    base.match = matches[0] as JsonObject;
    return [base];
  }
  return matches.map((match) => ({ ...base, match }));
}
