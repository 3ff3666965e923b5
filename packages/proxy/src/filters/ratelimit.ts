import type { GatewayIR } from '@gateway/core';
import { buildDescriptor, type DescriptorEntry } from './descriptors.js';
import { GrpcClientPool, GrpcCode, rateLimitService, unaryCall } from './envoy-grpc.js';
import { isGrpcRequest, LogThrottle, localReply, named } from './filter-util.js';
import type { FilterContext, FilterDeps, FilterOutcome, HttpFilter, HttpFilterFactory } from './types.js';

export const RATELIMIT_FILTER_NAME = 'envoy.filters.http.ratelimit';

/** RateLimitResponse.Code */
const OVER_LIMIT = 2;

export interface RateLimitOptions {
  /** Value of the `source_cluster` descriptor entry. Default `gateway`. */
  localServiceCluster?: string;
}

interface HeaderValueMsg {
  key?: string;
  value?: string;
  raw_value?: Uint8Array;
}

interface RateLimitResponseMsg {
  overall_code?: number;
  response_headers_to_add?: HeaderValueMsg[];
  request_headers_to_add?: HeaderValueMsg[];
}

function pairs(list: HeaderValueMsg[] | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const h of list ?? []) {
    if (!h.key) continue;
    const value =
      h.value || (h.raw_value && h.raw_value.length > 0 ? Buffer.from(h.raw_value).toString('utf8') : '');
    out.push([h.key.toLowerCase(), value]);
  }
  return out;
}

/**
 * Global rate limiting through an Envoy rate-limit service
 * (`envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`, `ir.filters.rateLimitService`).
 *
 * For each route, every `route.rateLimits` recipe whose domain is the service's domain becomes
 * one descriptor (see {@link buildDescriptor}); recipes for other domains are ignored, as in
 * Emissary. Routes without descriptors make no call. `OVER_LIMIT` answers `429` with
 * `x-envoy-ratelimited: true` (unless gateway headers are suppressed) — for gRPC clients a
 * trailers-only response with status UNAVAILABLE, or RESOURCE_EXHAUSTED when
 * `useResourceExhaustedCode` is set. Headers the service asks for are added to the response
 * (`response_headers_to_add`) and to the upstream request (`request_headers_to_add`).
 * A failed or slow call (past `timeoutMs`) lets the request through, unless `failureModeDeny`,
 * which answers `500`.
 *
 * @example
 * ```ts
 * const filter = rateLimitFilterFactory(ir, deps); // undefined without a RateLimitService
 * ```
 */
export function createRateLimitFilterFactory(opts: RateLimitOptions = {}): HttpFilterFactory {
  return (ir: GatewayIR, deps: FilterDeps) => {
    const svc = ir.filters.rateLimitService;
    if (!svc) return undefined;
    const clients = new GrpcClientPool(rateLimitService);
    const throttle = new LogThrottle();
    const localServiceCluster = opts.localServiceCluster ?? 'gateway';
    const suppress = ir.settings.suppressGatewayHeaders;

    const failed = (ctx: FilterContext, message: string): FilterOutcome => {
      if (throttle.shouldLog('error')) {
        deps.log.warn(
          {
            filter: RATELIMIT_FILTER_NAME,
            cluster: svc.cluster,
            err: message,
            failureModeDeny: svc.failureModeDeny,
          },
          svc.failureModeDeny
            ? 'rate limit service unavailable; rejecting request'
            : 'rate limit service unavailable; allowing request',
        );
      }
      if (!svc.failureModeDeny) return { kind: 'continue' };
      return localReply(ctx.request, 500, 'rate limit service unavailable', {}, 'ratelimit-error');
    };

    const filter: HttpFilter = {
      name: RATELIMIT_FILTER_NAME,
      async onRequest(ctx: FilterContext): Promise<FilterOutcome> {
        const descriptors: Array<{ entries: DescriptorEntry[] }> = [];
        for (const action of ctx.route.rateLimits) {
          if (action.domain !== svc.domain) continue;
          const entries = buildDescriptor(action.entries, {
            request: ctx.request,
            route: ctx.route,
            localServiceCluster,
          });
          if (entries && entries.length > 0) descriptors.push({ entries });
        }
        if (descriptors.length === 0) return { kind: 'continue' };
        const ep = deps.resolveCluster(svc.cluster);
        if (!ep) return failed(ctx, `rate limit cluster ${svc.cluster} has no endpoint`);
        let res: RateLimitResponseMsg;
        try {
          res = await unaryCall(
            clients.get(ep.host, ep.port, ep.tls),
            'ShouldRateLimit',
            { domain: svc.domain, descriptors, hits_addend: 1 },
            svc.timeoutMs,
          );
        } catch (err) {
          return failed(ctx, (err as Error).message);
        }
        const responseHeaders = pairs(res.response_headers_to_add);
        if (res.overall_code === OVER_LIMIT) {
          const headers: Record<string, string> = Object.fromEntries(responseHeaders);
          if (!suppress) headers['x-envoy-ratelimited'] = 'true';
          if (isGrpcRequest(ctx.request.headers)) {
            return localReply(
              ctx.request,
              429,
              'rate limited',
              headers,
              'ratelimit-over-limit',
              svc.useResourceExhaustedCode ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.UNAVAILABLE,
            );
          }
          return { kind: 'respond', status: 429, headers, body: '', reason: 'ratelimit-over-limit' };
        }
        for (const [k, v] of responseHeaders) ctx.responseHeaders.set(k, v);
        for (const [k, v] of pairs(res.request_headers_to_add)) ctx.upstreamHeaders.set(k, v);
        return { kind: 'continue' };
      },
      async close(): Promise<void> {
        clients.close();
      },
    };
    return filter;
  };
}

/** The default global rate-limit factory. */
export const rateLimitFilterFactory: HttpFilterFactory = named('ratelimit', createRateLimitFilterFactory());
