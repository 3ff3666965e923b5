/**
 * External authorization (Emissary `AuthService`) → `envoy.filters.http.ext_authz`.
 *
 * HTTP mode uses `http_service` (`server_uri` on the auth cluster, `path_prefix`, headers to add,
 * upstream headers copied on success); gRPC mode uses `grpc_service.envoy_grpc` with the v3
 * transport. Headers sent to an HTTP auth service are the IR's list (or Emissary's defaults when
 * empty) plus `authorization` and the `x-forwarded-*` trio, the same set the in-process proxy sends;
 * gRPC auth services get every header unless the IR lists some. Per route, `bypassExtAuthz` becomes
 * `ExtAuthzPerRoute{disabled: true}` and context extensions
 * `ExtAuthzPerRoute{check_settings{context_extensions}}`. Client-side (gRPC xDS) listeners never get
 * the filter: authorization is the gateway's job.
 *
 * @module
 */
import { AUTH_ALWAYS_SENT_HEADERS, DEFAULT_AUTH_REQUEST_HEADERS, type IRExtAuthz } from '@gateway/core';
import { any, duration, type JsonObject } from '../proto/json.js';
import type { HttpFeature } from './registry.js';

const T_EXT_AUTHZ = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
const T_EXT_AUTHZ_PER_ROUTE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';

/** `envoy.type.v3.StatusCode` names (proto3 JSON enums are written by name). */
const STATUS_NAMES: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'NonAuthoritativeInformation',
  204: 'NoContent',
  205: 'ResetContent',
  206: 'PartialContent',
  207: 'MultiStatus',
  208: 'AlreadyReported',
  226: 'IMUsed',
  300: 'MultipleChoices',
  301: 'MovedPermanently',
  302: 'Found',
  303: 'SeeOther',
  304: 'NotModified',
  305: 'UseProxy',
  307: 'TemporaryRedirect',
  308: 'PermanentRedirect',
  400: 'BadRequest',
  401: 'Unauthorized',
  402: 'PaymentRequired',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  407: 'ProxyAuthenticationRequired',
  408: 'RequestTimeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'PayloadTooLarge',
  414: 'URITooLong',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  417: 'ExpectationFailed',
  421: 'MisdirectedRequest',
  422: 'UnprocessableEntity',
  423: 'Locked',
  424: 'FailedDependency',
  426: 'UpgradeRequired',
  428: 'PreconditionRequired',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalServerError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
  505: 'HTTPVersionNotSupported',
  506: 'VariantAlsoNegotiates',
  507: 'InsufficientStorage',
  508: 'LoopDetected',
  510: 'NotExtended',
  511: 'NetworkAuthenticationRequired',
};

/** An `envoy.type.v3.HttpStatus`; codes Envoy has no name for fall back to 403. */
export function httpStatus(code: number): JsonObject {
  return { code: STATUS_NAMES[code] ?? 'Forbidden' };
}

/** Exact, case-insensitive header-name matchers (`ListStringMatcher`). */
function headerList(names: readonly string[]): JsonObject {
  return {
    patterns: [...new Set(names.map((n) => n.toLowerCase()))]
      .sort()
      .map((exact) => ({ exact, ignore_case: true })),
  };
}

/** IRExtAuthz → `ExtAuthz` typed_config. */
export function extAuthzConfig(a: IRExtAuthz, tlsCluster: boolean): JsonObject {
  const out: JsonObject = { transport_api_version: 'V3' };
  if (a.protocol === 'grpc') {
    out.grpc_service = { envoy_grpc: { cluster_name: a.cluster }, timeout: duration(a.timeoutMs) };
    if (a.allowedRequestHeaders.length > 0)
      out.allowed_headers = headerList([...a.allowedRequestHeaders, ...AUTH_ALWAYS_SENT_HEADERS]);
  } else {
    const requestHeaders =
      a.allowedRequestHeaders.length > 0 ? a.allowedRequestHeaders : DEFAULT_AUTH_REQUEST_HEADERS;
    out.allowed_headers = headerList([...requestHeaders, ...AUTH_ALWAYS_SENT_HEADERS]);
    const http: JsonObject = {
      server_uri: {
        uri: `${tlsCluster ? 'https' : 'http'}://${a.cluster}`,
        cluster: a.cluster,
        timeout: duration(a.timeoutMs),
      },
    };
    if (a.pathPrefix) http.path_prefix = a.pathPrefix;
    const add = Object.keys(a.addAuthHeaders)
      .sort()
      .map((key) => ({ key, value: a.addAuthHeaders[key] as string }));
    if (add.length > 0) http.authorization_request = { headers_to_add: add };
    if (a.allowedAuthorizationHeaders.length > 0) {
      http.authorization_response = { allowed_upstream_headers: headerList(a.allowedAuthorizationHeaders) };
    }
    out.http_service = http;
  }
  if (a.failureModeAllow) {
    out.failure_mode_allow = true;
    out.failure_mode_allow_header_add = true;
  }
  if (a.includeBody) {
    const body: JsonObject = { max_request_bytes: a.includeBody.maxBytes };
    if (a.includeBody.allowPartial) body.allow_partial_message = true;
    out.with_request_body = body;
  }
  out.status_on_error = httpStatus(a.statusOnError || 403);
  return any(T_EXT_AUTHZ, out);
}

/** ext_authz feature: present when the IR has an AuthService; Envoy audience only. */
export const extAuthzFeature: HttpFeature = {
  name: 'envoy.filters.http.ext_authz',
  httpFilter: ({ ir, audience }) => {
    const a = ir.filters.extAuthz;
    if (!a || audience !== 'envoy') return undefined;
    const tls = ir.clusters.find((c) => c.name === a.cluster)?.tls !== undefined;
    return extAuthzConfig(a, tls);
  },
  perRoute: (route) => {
    if (route.auth.bypassExtAuthz) return { config: any(T_EXT_AUTHZ_PER_ROUTE, { disabled: true }) };
    const keys = Object.keys(route.auth.contextExtensions).sort();
    if (keys.length === 0) return undefined;
    const context_extensions: JsonObject = {};
    for (const k of keys) context_extensions[k] = route.auth.contextExtensions[k] as string;
    return { config: any(T_EXT_AUTHZ_PER_ROUTE, { check_settings: { context_extensions } }) };
  },
};
