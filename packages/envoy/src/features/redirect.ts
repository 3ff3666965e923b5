/**
 * Redirects and direct responses (Envoy only: grpc-js-xds NACKs a whole RouteConfiguration that
 * contains either, so gRPC-facing route tables leave these routes out).
 *
 * @module
 */
import type { IRRouteActionDirect, IRRouteActionRedirect } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

const RESPONSE_CODES: Record<number, string | undefined> = {
  301: undefined, // MOVED_PERMANENTLY is the enum default
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** IRRouteActionRedirect → `RedirectAction`. */
export function redirectAction(r: IRRouteActionRedirect): JsonObject {
  const out: JsonObject = {};
  if (r.scheme === 'https') out.https_redirect = true;
  else if (r.scheme === 'http') out.scheme_redirect = 'http';
  if (r.host) out.host_redirect = r.host;
  if (r.port !== undefined) out.port_redirect = r.port;
  if (r.path) {
    if (r.path.kind === 'prefix') out.prefix_rewrite = r.path.value;
    else if (r.path.kind === 'full') out.path_redirect = r.path.value;
    else out.regex_rewrite = { pattern: { regex: r.path.pattern }, substitution: r.path.substitution };
  }
  const code = RESPONSE_CODES[r.statusCode];
  if (code) out.response_code = code;
  return out;
}

/** IRRouteActionDirect → `DirectResponseAction` plus the response header for its content type. */
export function directResponse(d: IRRouteActionDirect): { action: JsonObject; headers: JsonObject[] } {
  const action: JsonObject = { status: d.status };
  if (d.body !== undefined && d.body !== '') action.body = { inline_string: d.body };
  const headers: JsonObject[] = d.contentType
    ? [{ header: { key: 'content-type', value: d.contentType }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]
    : [];
  return { action, headers };
}
