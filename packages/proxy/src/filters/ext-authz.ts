import { randomUUID } from 'node:crypto';
import {
  AUTH_ALWAYS_SENT_HEADERS,
  DEFAULT_AUTH_REQUEST_HEADERS,
  type GatewayIR,
  type IRExtAuthz,
} from '@gateway/core';
import { Pool } from 'undici';
import { authorizationService, GrpcClientPool, unaryCall } from './envoy-grpc.js';
import { HOP_BY_HOP, headerValue, LogThrottle, localReply, named, readBounded } from './filter-util.js';
import type {
  FilterContext,
  FilterDeps,
  FilterOutcome,
  FilterRequest,
  HttpFilter,
  HttpFilterFactory,
} from './types.js';

export const EXT_AUTHZ_FILTER_NAME = 'envoy.filters.http.ext_authz';

/** Largest auth-service response body relayed to a client. */
const MAX_AUTH_RESPONSE_BYTES = 1024 * 1024;

export interface ExtAuthzOptions {
  /** Upper bound of auth-service connections per endpoint (HTTP mode). Default 64. */
  connectionsPerEndpoint?: number;
}

type Decision =
  | {
      kind: 'allow';
      upstream: Array<{ name: string; value: string; append: boolean; mode?: number }>;
      remove: string[];
      response: Array<[string, string]>;
    }
  | { kind: 'deny'; status: number; headers: Record<string, string>; body: string | Buffer };

/** One HeaderValueOption as it arrives from the auth service (proto-loader object form). */
interface HeaderValueOptionMsg {
  header?: { key?: string; value?: string; raw_value?: Buffer | Uint8Array };
  append?: { value?: boolean } | null;
  append_action?: number;
}

interface CheckResponseMsg {
  status?: { code?: number; message?: string };
  http_response?: 'denied_response' | 'ok_response';
  denied_response?: { status?: { code?: number }; headers?: HeaderValueOptionMsg[]; body?: string };
  ok_response?: {
    headers?: HeaderValueOptionMsg[];
    headers_to_remove?: string[];
    response_headers_to_add?: HeaderValueOptionMsg[];
  };
}

class AuthServiceError extends Error {}

function hv(h: HeaderValueOptionMsg): { name: string; value: string } | undefined {
  const key = h.header?.key;
  if (!key) return undefined;
  let value = h.header?.value ?? '';
  if (!value && h.header?.raw_value && h.header.raw_value.length > 0)
    value = Buffer.from(h.header.raw_value).toString('utf8');
  return { name: key.toLowerCase(), value };
}

/** The X-Forwarded-* values the auth service sees (the same the upstream will). */
function forwardedHeaders(r: FilterRequest): Record<string, string> {
  const xff = headerValue(r.headers, 'x-forwarded-for');
  const list = xff ? xff.split(',').map((s) => s.trim()) : [];
  if (list[list.length - 1] !== r.remoteAddress) list.push(r.remoteAddress);
  return {
    'x-forwarded-for': list.join(', '),
    'x-forwarded-proto': headerValue(r.headers, 'x-forwarded-proto') ?? r.scheme,
    'x-forwarded-host': headerValue(r.headers, 'x-forwarded-host') ?? r.authority,
  };
}

/**
 * External authorization (`ir.filters.extAuthz`, Emissary's AuthService).
 *
 * HTTP mode: the auth service receives the original method and `pathPrefix + path?query`, the
 * original Host, the allowed request headers (defaults above when the list is empty), the
 * `x-forwarded-*` headers and `addAuthHeaders`, and with `includeBody` the request body (up to
 * `maxBytes`; bigger bodies get 413 unless `allowPartial`, which sends the first `maxBytes` with
 * `x-envoy-auth-partial-body: true`). A `200` lets the request through and copies
 * `allowedAuthorizationHeaders` from the auth response onto the upstream request. Any other
 * status is returned to the client as the auth service sent it (status, end-to-end headers,
 * body) — the same rule as Envoy, which only treats 200 as OK.
 *
 * gRPC mode: `envoy.service.auth.v3.Authorization/Check` with an `AttributeContext` (source
 * address, HTTP method, path, host, scheme, headers, body, the route's context extensions).
 * `OK` applies `ok_response` (headers to set/append/remove upstream, response headers to add);
 * a denial returns `denied_response` (status, default 403; headers; body).
 *
 * Errors (connection failure, timeout after `timeoutMs`, malformed answer): with
 * `failureModeAllow` the request continues (marked `x-envoy-auth-failure-mode-allowed: true`),
 * else the client gets `statusOnError` (fail closed). Routes with `bypassExtAuthz` skip the
 * check.
 *
 * @example
 * ```ts
 * const filter = extAuthzFilterFactory(ir, deps); // undefined without an AuthService
 * ```
 */
export function createExtAuthzFilterFactory(opts: ExtAuthzOptions = {}): HttpFilterFactory {
  return (ir: GatewayIR, deps: FilterDeps) => {
    const cfg = ir.filters.extAuthz;
    if (!cfg) return undefined;
    const pools = new Map<string, Pool>();
    const grpcClients = new GrpcClientPool(authorizationService);
    const throttle = new LogThrottle();
    const clusterTls = ir.clusters.find((c) => c.name === cfg.cluster)?.tls;

    const allowedHeaders = new Set(
      [
        ...(cfg.allowedRequestHeaders.length > 0 ? cfg.allowedRequestHeaders : DEFAULT_AUTH_REQUEST_HEADERS),
        ...AUTH_ALWAYS_SENT_HEADERS,
      ].map((h) => h.toLowerCase()),
    );
    const allowedAuthorizationHeaders = cfg.allowedAuthorizationHeaders.map((h) => h.toLowerCase());

    const endpoint = () => {
      const ep = deps.resolveCluster(cfg.cluster);
      if (!ep) throw new AuthServiceError(`auth service cluster ${cfg.cluster} has no endpoint`);
      return ep;
    };

    const poolFor = (host: string, port: number, tls: boolean): Pool => {
      const origin = `${tls ? 'https' : 'http'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
      let pool = pools.get(origin);
      if (!pool) {
        if (pools.size >= 64) {
          const [k, p] = pools.entries().next().value as [string, Pool];
          void p.close();
          pools.delete(k);
        }
        pool = new Pool(origin, {
          connections: opts.connectionsPerEndpoint ?? 64,
          connect: tls
            ? {
                rejectUnauthorized: clusterTls?.verify ?? true,
                ...(clusterTls?.sni ? { servername: clusterTls.sni } : {}),
              }
            : undefined,
        });
        pools.set(origin, pool);
      }
      return pool;
    };

    /** Body for the check, or a ready 413 when it is too large and partial bodies are not allowed. */
    const checkBody = async (
      r: FilterRequest,
    ): Promise<{ body?: Buffer; partial: boolean } | { tooLarge: true }> => {
      if (!cfg.includeBody) return { partial: false };
      const { body, truncated } = await r.readBody(cfg.includeBody.maxBytes);
      if (truncated && !cfg.includeBody.allowPartial) return { tooLarge: true };
      return { body: body.subarray(0, cfg.includeBody.maxBytes), partial: truncated };
    };

    const checkHttp = async (
      ctx: FilterContext,
      body: Buffer | undefined,
      partial: boolean,
    ): Promise<Decision> => {
      const r = ctx.request;
      const headers: Record<string, string | string[]> = {};
      for (const name of allowedHeaders) {
        const v = r.headers[name];
        if (v !== undefined) headers[name] = v;
      }
      Object.assign(headers, forwardedHeaders(r));
      for (const [k, v] of Object.entries(cfg.addAuthHeaders)) headers[k.toLowerCase()] = v;
      headers.host = r.authority;
      if (partial) headers['x-envoy-auth-partial-body'] = 'true';
      const ep = endpoint();
      const pool = poolFor(ep.host, ep.port, ep.tls);
      const path = `${cfg.pathPrefix}${r.path}${r.query ? `?${r.query}` : ''}`;
      let res: Awaited<ReturnType<Pool['request']>>;
      try {
        res = await pool.request({
          method: r.method,
          path,
          headers,
          body: body && body.length > 0 ? body : null,
          signal: AbortSignal.timeout(Math.max(1, cfg.timeoutMs)),
        });
      } catch (err) {
        throw new AuthServiceError(`auth service request failed: ${(err as Error).message}`);
      }
      let resBody: Buffer;
      try {
        resBody = await readBounded(res.body, MAX_AUTH_RESPONSE_BYTES);
      } catch (err) {
        res.body.destroy();
        throw new AuthServiceError(`auth service response failed: ${(err as Error).message}`);
      }
      if (res.statusCode === 200) {
        const upstream: Array<{ name: string; value: string; append: boolean }> = [];
        for (const name of allowedAuthorizationHeaders) {
          const v = res.headers[name];
          if (v === undefined) continue;
          upstream.push({ name, value: Array.isArray(v) ? v.join(', ') : v, append: false });
        }
        return { kind: 'allow', upstream, remove: [], response: [] };
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k)) continue;
        out[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      return { kind: 'deny', status: res.statusCode, headers: out, body: resBody };
    };

    const checkGrpc = async (
      ctx: FilterContext,
      body: Buffer | undefined,
      partial: boolean,
    ): Promise<Decision> => {
      const r = ctx.request;
      const headers: Record<string, string> = {
        ':method': r.method,
        ':path': `${r.path}${r.query ? `?${r.query}` : ''}`,
        ':authority': r.authority,
        ':scheme': r.scheme,
      };
      const restrict = cfg.allowedRequestHeaders.length > 0;
      for (const [k, v] of Object.entries(r.headers)) {
        if (v === undefined || (restrict && !allowedHeaders.has(k))) continue;
        headers[k] = Array.isArray(v) ? v.join(',') : v;
      }
      Object.assign(headers, forwardedHeaders(r));
      for (const [k, v] of Object.entries(cfg.addAuthHeaders)) headers[k.toLowerCase()] = v;
      if (partial) headers['x-envoy-auth-partial-body'] = 'true';
      const now = Date.now();
      const contentLength = Number(headerValue(r.headers, 'content-length') ?? -1);
      const request = {
        attributes: {
          source: { address: { socket_address: { address: r.remoteAddress, port_value: 0 } } },
          request: {
            time: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
            http: {
              id: headerValue(r.headers, 'x-request-id') ?? randomUUID(),
              method: r.method,
              headers,
              path: headers[':path'],
              host: r.authority,
              scheme: r.scheme,
              query: r.query,
              size: String(Number.isFinite(contentLength) ? contentLength : -1),
              ...(body ? { body: body.toString('utf8') } : {}),
            },
          },
          context_extensions: ctx.route.auth.contextExtensions,
        },
      };
      const ep = endpoint();
      let res: CheckResponseMsg;
      try {
        res = await unaryCall<typeof request, CheckResponseMsg>(
          grpcClients.get(ep.host, ep.port, ep.tls),
          'Check',
          request,
          cfg.timeoutMs,
        );
      } catch (err) {
        throw new AuthServiceError(`auth service Check failed: ${(err as Error).message}`);
      }
      if ((res.status?.code ?? 0) === 0) {
        const ok = res.ok_response;
        const upstream: Array<{ name: string; value: string; append: boolean; mode?: number }> = [];
        for (const h of ok?.headers ?? []) {
          const v = hv(h);
          if (v) upstream.push({ ...v, append: h.append?.value === true, mode: h.append_action ?? 0 });
        }
        const response: Array<[string, string]> = [];
        for (const h of ok?.response_headers_to_add ?? []) {
          const v = hv(h);
          if (v) response.push([v.name, v.value]);
        }
        return {
          kind: 'allow',
          upstream,
          remove: (ok?.headers_to_remove ?? []).map((h) => h.toLowerCase()),
          response,
        };
      }
      const denied = res.denied_response;
      const status =
        denied?.status?.code && denied.status.code >= 200 && denied.status.code < 600
          ? denied.status.code
          : 403;
      const out: Record<string, string> = {};
      for (const h of denied?.headers ?? []) {
        const v = hv(h);
        if (v && !HOP_BY_HOP.has(v.name)) out[v.name] = v.value;
      }
      return { kind: 'deny', status, headers: out, body: denied?.body ?? '' };
    };

    const applyAllow = (ctx: FilterContext, d: Extract<Decision, { kind: 'allow' }>) => {
      for (const h of d.upstream) {
        const existing = ctx.upstreamHeaders.get(h.name) ?? headerValue(ctx.request.headers, h.name);
        // OkHttpResponse: `append` defaults to false (overwrite); append_action refines it.
        if (h.mode === 1 /* ADD_IF_ABSENT */ && existing !== undefined) continue;
        if (h.mode === 3 /* OVERWRITE_IF_EXISTS */ && existing === undefined) continue;
        ctx.upstreamHeaders.set(
          h.name,
          h.append && existing !== undefined ? `${existing},${h.value}` : h.value,
        );
        ctx.upstreamHeadersToRemove.delete(h.name);
      }
      for (const name of d.remove) {
        ctx.upstreamHeaders.delete(name);
        ctx.upstreamHeadersToRemove.add(name);
      }
      for (const [k, v] of d.response) ctx.responseHeaders.set(k, v);
    };

    const filter: HttpFilter = {
      name: EXT_AUTHZ_FILTER_NAME,
      async onRequest(ctx: FilterContext): Promise<FilterOutcome> {
        if (ctx.route.auth.bypassExtAuthz) return { kind: 'continue' };
        try {
          const b = await checkBody(ctx.request);
          if ('tooLarge' in b) {
            return localReply(
              ctx.request,
              413,
              'Payload Too Large',
              { 'content-type': 'text/plain' },
              'ext-authz-body-too-large',
            );
          }
          const decision =
            cfg.protocol === 'grpc'
              ? await checkGrpc(ctx, b.body, b.partial)
              : await checkHttp(ctx, b.body, b.partial);
          if (decision.kind === 'allow') {
            applyAllow(ctx, decision);
            return { kind: 'continue' };
          }
          if (ctx.request.headers['content-type']?.toString().startsWith('application/grpc')) {
            return localReply(
              ctx.request,
              decision.status,
              decision.body,
              decision.headers,
              'ext-authz-denied',
            );
          }
          return {
            kind: 'respond',
            status: decision.status,
            headers: decision.headers,
            body: decision.body,
            reason: 'ext-authz-denied',
          };
        } catch (err) {
          if (!(err instanceof AuthServiceError)) throw err;
          return onError(ctx, cfg, err, deps, throttle);
        }
      },
      async close(): Promise<void> {
        grpcClients.close();
        await Promise.all([...pools.values()].map((p) => p.close()));
        pools.clear();
      },
    };
    return filter;
  };
}

function onError(
  ctx: FilterContext,
  cfg: IRExtAuthz,
  err: Error,
  deps: FilterDeps,
  throttle: LogThrottle,
): FilterOutcome {
  if (throttle.shouldLog('error')) {
    deps.log.warn(
      {
        filter: EXT_AUTHZ_FILTER_NAME,
        cluster: cfg.cluster,
        err: err.message,
        failureModeAllow: cfg.failureModeAllow,
      },
      cfg.failureModeAllow
        ? 'auth service unavailable; allowing request'
        : 'auth service unavailable; rejecting request',
    );
  }
  if (cfg.failureModeAllow) {
    ctx.upstreamHeaders.set('x-envoy-auth-failure-mode-allowed', 'true');
    return { kind: 'continue' };
  }
  return localReply(ctx.request, cfg.statusOnError || 403, '', {}, 'ext-authz-error');
}

/** The default ext_authz factory. */
export const extAuthzFilterFactory: HttpFilterFactory = named('ext_authz', createExtAuthzFilterFactory());
