/**
 * JWT authentication (`ir.filters.jwt`, required per route by `route.auth.jwtProviders`) →
 * `envoy.filters.http.jwt_authn`.
 *
 * Each IR provider becomes a `JwtProvider` keyed by its name: issuer, audiences, `remote_jwks`
 * (`http_uri` on the JWKS cluster, `cache_duration`, background `async_fetch`) or `local_jwks`,
 * token locations (`from_headers` / `from_params` / `from_cookies`), `claim_to_headers`,
 * `forward`, clock skew, a verified-token cache, and `payload_in_metadata: <provider name>` so the
 * RBAC filter can match principals and namespaces on the verified claims (dynamic metadata
 * `envoy.filters.http.jwt_authn` → `<provider>` → claims).
 *
 * Requirements live in `requirement_map`, one entry per distinct (providers, optional) pair:
 * one provider → `provider_name`; several → `requires_any` (any-of); `jwtOptional` adds
 * `allow_missing` to the any-of, which lets requests without a token through but still rejects a
 * present invalid one (the proxy's semantics). Routes name their entry with
 * `PerRouteConfig{requirement_name}`; routes without providers need nothing (no rule = no check).
 *
 * Differences from the in-process proxy (documented, not detectable here): Envoy has no
 * per-provider algorithm allow-list (it binds the algorithm to the key type, which already stops
 * `none` and HS/RS confusion), and a client-sent header with a claim header's name survives when
 * the token lacks that claim.
 *
 * @module
 */
import type { IRJwtProvider, IRRoute } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import type { HttpFeature } from './registry.js';

const T_JWT = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const T_JWT_PER_ROUTE = 'envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';

/** The dynamic-metadata namespace jwt_authn writes verified payloads to. */
export const JWT_METADATA_NAMESPACE = 'envoy.filters.http.jwt_authn';

/** IRJwtProvider → `JwtProvider`. */
export function jwtProvider(p: IRJwtProvider): JsonObject {
  const out: JsonObject = {};
  if (p.issuer) out.issuer = p.issuer;
  if (p.audiences.length > 0) out.audiences = [...p.audiences];
  if (p.jwks.kind === 'remote') {
    out.remote_jwks = {
      http_uri: { uri: p.jwks.uri, cluster: p.jwks.cluster, timeout: duration(p.jwks.timeoutMs) },
      cache_duration: duration(p.jwks.cacheDurationMs),
      async_fetch: {},
    };
  } else {
    out.local_jwks = { inline_string: p.jwks.jwks };
  }
  if (p.forward) out.forward = true;
  const headers = p.from.filter((f) => f.kind === 'header');
  const params = p.from.filter((f) => f.kind === 'query');
  const cookies = p.from.filter((f) => f.kind === 'cookie');
  if (headers.length > 0) {
    out.from_headers = headers.map(
      (h): JsonObject => (h.prefix ? { name: h.name, value_prefix: h.prefix } : { name: h.name }),
    );
  }
  if (params.length > 0) out.from_params = params.map((q) => q.name);
  if (cookies.length > 0) out.from_cookies = cookies.map((c) => c.name);
  out.payload_in_metadata = p.name;
  if (p.clockSkewSeconds !== 60) out.clock_skew_seconds = p.clockSkewSeconds;
  out.jwt_cache_config = { jwt_cache_size: 10000 };
  if (p.claimToHeaders.length > 0) {
    out.claim_to_headers = p.claimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  }
  return out;
}

/** The requirement_map key of a route's requirement. */
export function requirementName(auth: IRRoute['auth']): string {
  return `${auth.jwtOptional ? 'optional' : 'required'}:${auth.jwtProviders.join(',')}`;
}

/** A route's `JwtRequirement`. */
export function jwtRequirement(auth: IRRoute['auth']): JsonObject {
  const providers = auth.jwtProviders.map((name) => ({ provider_name: name }));
  const alternatives: JsonObject[] = auth.jwtOptional ? [...providers, { allow_missing: {} }] : providers;
  return alternatives.length === 1
    ? (alternatives[0] as JsonObject)
    : { requires_any: { requirements: alternatives } };
}

/** `JwtAuthentication` for an IR, or undefined when no route requires a provider. */
export function jwtAuthentication(
  providers: readonly IRJwtProvider[],
  routes: Iterable<IRRoute>,
): JsonObject | undefined {
  if (providers.length === 0) return undefined;
  const requirementMap: Record<string, JsonObject> = {};
  for (const r of routes) {
    if (r.auth.jwtProviders.length === 0) continue;
    requirementMap[requirementName(r.auth)] = jwtRequirement(r.auth);
  }
  const names = Object.keys(requirementMap).sort();
  if (names.length === 0) return undefined;
  const byName: JsonObject = {};
  for (const p of [...providers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    byName[p.name] = jwtProvider(p);
  }
  const requirement_map: JsonObject = {};
  for (const n of names) requirement_map[n] = requirementMap[n] as JsonObject;
  return any(T_JWT, { providers: byName, requirement_map });
}

/** jwt_authn feature: present when a route of the listener requires a provider; Envoy audience only. */
export const jwtAuthnFeature: HttpFeature = {
  name: 'envoy.filters.http.jwt_authn',
  httpFilter: ({ ir, audience, listener }) => {
    if (audience !== 'envoy') return undefined;
    const routes = listener.virtualHosts.flatMap((vh) => vh.routes);
    return jwtAuthentication(ir.filters.jwt, routes);
  },
  perRoute: (route) =>
    route.auth.jwtProviders.length > 0
      ? { config: any(T_JWT_PER_ROUTE, { requirement_name: requirementName(route.auth) }) }
      : undefined,
};
