import type { IRCorsPolicy, IRRoute } from '@gateway/core';
import { compileStringMatch, type StringMatcher } from '../routing/matchers.js';
import type { FilterContext, FilterOutcome, HttpFilter, HttpFilterFactory } from './types.js';

/**
 * CORS, answered at the gateway (Envoy `envoy.filters.http.cors` semantics):
 * - a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an allowed
 *   origin is answered 200 with the allow-* headers and never reaches the upstream;
 * - an actual request from an allowed origin continues, and the response gets
 *   `Access-Control-Allow-Origin` (the request's origin), `-Allow-Credentials`, `-Expose-Headers`;
 * - a request from an origin that is not allowed passes through untouched (the browser enforces).
 * It runs first, so preflights (which carry no credentials) are answered before authentication.
 */
interface CompiledCors {
  anyOrigin: boolean;
  origins: StringMatcher[];
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  allowCredentials: boolean;
  maxAge: string | undefined;
}

const CONTINUE: FilterOutcome = Object.freeze({ kind: 'continue' });

function compileCors(policy: IRCorsPolicy, maxProgramSize: number): CompiledCors {
  const origins: StringMatcher[] = [];
  let anyOrigin = false;
  policy.allowOrigins.forEach((m, i) => {
    if ('exact' in m && m.exact === '*') {
      anyOrigin = true;
      return;
    }
    const c = compileStringMatch(m, maxProgramSize);
    if (!c.ok) throw new Error(`cors.allowOrigins[${i}]: ${c.message}`);
    origins.push(c.value);
  });
  return {
    anyOrigin,
    origins,
    allowMethods: policy.allowMethods.join(','),
    allowHeaders: policy.allowHeaders.join(','),
    exposeHeaders: policy.exposeHeaders.join(','),
    allowCredentials: policy.allowCredentials,
    maxAge: policy.maxAgeSeconds === undefined ? undefined : String(policy.maxAgeSeconds),
  };
}

function originAllowed(cors: CompiledCors, origin: string): boolean {
  if (cors.anyOrigin) return true;
  for (const m of cors.origins) if (m(origin)) return true;
  return false;
}

class CorsFilter implements HttpFilter {
  readonly name = 'envoy.filters.http.cors';

  constructor(private readonly policies: ReadonlyMap<IRRoute, CompiledCors>) {}

  onRequest(ctx: FilterContext): FilterOutcome {
    const cors = this.policies.get(ctx.route);
    if (cors === undefined) return CONTINUE;
    const originHeader = ctx.request.headers.origin;
    const origin = Array.isArray(originHeader) ? originHeader[0] : originHeader;
    if (origin === undefined || origin === '' || !originAllowed(cors, origin)) return CONTINUE;
    const requestMethod = ctx.request.headers['access-control-request-method'];
    if (ctx.request.method === 'OPTIONS' && requestMethod !== undefined && requestMethod !== '') {
      const headers: Record<string, string> = { 'access-control-allow-origin': origin };
      if (cors.allowMethods) headers['access-control-allow-methods'] = cors.allowMethods;
      if (cors.allowHeaders) headers['access-control-allow-headers'] = cors.allowHeaders;
      if (cors.maxAge !== undefined) headers['access-control-max-age'] = cors.maxAge;
      if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
      return { kind: 'respond', status: 200, headers, reason: 'cors-preflight' };
    }
    ctx.responseHeaders.set('access-control-allow-origin', origin);
    if (cors.allowCredentials) ctx.responseHeaders.set('access-control-allow-credentials', 'true');
    if (cors.exposeHeaders) ctx.responseHeaders.set('access-control-expose-headers', cors.exposeHeaders);
    return CONTINUE;
  }
}

/** Builds the CORS filter when any route has a CORS policy. */
export const createCorsFilter: HttpFilterFactory = function createCorsFilter(ir) {
  const policies = new Map<IRRoute, CompiledCors>();
  for (const listener of ir.listeners) {
    for (const vh of listener.virtualHosts) {
      for (const route of vh.routes) {
        if (route.cors) policies.set(route, compileCors(route.cors, ir.settings.regexMaxProgramSize));
      }
    }
  }
  return policies.size === 0 ? undefined : new CorsFilter(policies);
};
