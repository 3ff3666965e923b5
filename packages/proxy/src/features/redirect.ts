import type { CompiledRedirect } from '../routing/route-table.js';

/**
 * Builds the `Location` for a redirect route (Envoy `RedirectAction` semantics): scheme, host and
 * port are swapped when set; the path is rewritten like a forward rewrite (prefix, regex or full);
 * the query string is kept unless the new path carries its own.
 */
export function redirectLocation(
  action: CompiledRedirect,
  request: { scheme: 'http' | 'https'; authority: string; path: string; query: string },
): string {
  const ir = action.ir;
  const scheme = ir.scheme ?? request.scheme;
  let authority: string;
  if (ir.host !== undefined) {
    authority = ir.port !== undefined ? `${stripPort(ir.host)}:${ir.port}` : ir.host;
  } else if (ir.port !== undefined) {
    authority = `${stripPort(request.authority)}:${ir.port}`;
  } else if (ir.scheme !== undefined && ir.scheme !== request.scheme) {
    // Changing scheme drops an explicit port that belonged to the old scheme.
    authority = stripPort(request.authority);
  } else {
    authority = request.authority;
  }
  let path = action.rewrite ? action.rewrite(request.path) : request.path;
  if (path.indexOf('?') === -1 && request.query !== '') path = `${path}?${request.query}`;
  return `${scheme}://${authority}${path}`;
}

/** Location for a vhost's insecure `redirect` policy: same host and path over https. */
export function httpsRedirectLocation(authority: string, path: string, query: string): string {
  return `https://${stripPort(authority)}${path}${query === '' ? '' : `?${query}`}`;
}

export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}
