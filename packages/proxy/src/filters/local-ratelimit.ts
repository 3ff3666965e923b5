import type { GatewayIR, IRLocalRateLimit } from '@gateway/core';
import { buildDescriptor, descriptorKey } from './descriptors.js';
import { allRoutes, localReply } from './filter-util.js';
import { RedisRateLimiter } from './redis-ratelimit.js';
import { type TakeResult, type TokenBucketConfig, TokenBucketStore } from './token-bucket.js';
import type { FilterContext, FilterDeps, FilterOutcome, HttpFilter, HttpFilterFactory } from './types.js';

export const LOCAL_RATELIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';

const CONTINUE: FilterOutcome = { kind: 'continue' };

/** Options for {@link createLocalRateLimitFilterFactory}. */
export interface LocalRateLimitOptions {
  /** Clock (ms); tests inject one. */
  now?: () => number;
  /** Upper bound of buckets per limit (LRU beyond it). Default 100000. */
  maxBuckets?: number;
  /** Value of the `source_cluster` descriptor entry. Default `gateway`. */
  localServiceCluster?: string;
  /**
   * Redis-backed (shared) limits: what to do when Redis cannot answer, unless the IR says
   * (`shared.failureModeDeny`). Default `open`.
   */
  redisFailureMode?: 'open' | 'closed';
  /** Per-command Redis deadline. Default 100 ms. */
  redisCommandTimeoutMs?: number;
}

type Limiter = (key: string) => TakeResult | Promise<TakeResult & { source?: string }>;

interface LimitInstance {
  limit: IRLocalRateLimit;
  take: Limiter;
}

function bucketConfig(l: IRLocalRateLimit): TokenBucketConfig {
  return { maxTokens: l.maxTokens, tokensPerFill: l.tokensPerFill, fillIntervalMs: l.fillIntervalMs };
}

function paramsKey(scope: string, l: IRLocalRateLimit): string {
  return JSON.stringify([
    scope,
    l.maxTokens,
    l.tokensPerFill,
    l.fillIntervalMs,
    l.descriptors,
    l.shared ?? null,
  ]);
}

/** Reference-counted Redis limiters, one per (url, failure mode), shared by every limit using them. */
class RedisPool {
  private readonly entries = new Map<string, { limiter: RedisRateLimiter; refs: number }>();
  acquire(
    url: string,
    failureMode: 'open' | 'closed',
    timeoutMs: number,
    log: FilterDeps['log'],
  ): RedisRateLimiter {
    const key = `${failureMode}|${url}`;
    let e = this.entries.get(key);
    if (!e) {
      e = {
        limiter: new RedisRateLimiter({ url, prefix: '', failureMode, commandTimeoutMs: timeoutMs, log }),
        refs: 0,
      };
      this.entries.set(key, e);
    }
    e.refs++;
    return e.limiter;
  }
  async release(limiter: RedisRateLimiter): Promise<void> {
    for (const [k, e] of this.entries) {
      if (e.limiter !== limiter) continue;
      e.refs--;
      if (e.refs <= 0) {
        this.entries.delete(k);
        await limiter.close();
      }
      return;
    }
  }
  /** Limiters currently open (for tests/metrics). */
  limiters(): RedisRateLimiter[] {
    return [...this.entries.values()].map((e) => e.limiter);
  }
}

/**
 * Local rate limiting (`ir.filters.localRateLimit` gateway-wide, then `route.localRateLimit`):
 * token buckets per descriptor (see {@link buildDescriptor}), in memory per gateway, or shared
 * through Redis when the limit has `shared`. Limited requests get `429 local_rate_limited`
 * (a gRPC UNAVAILABLE for gRPC clients); with `responseHeaders` every response carries
 * `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds) of the most
 * constraining limit.
 *
 * Each factory created here keeps bucket state across config reloads for limits whose
 * parameters did not change, so applying a new IR does not hand every client a fresh bucket.
 * Use one factory per gateway.
 *
 * @example
 * ```ts
 * const factory = createLocalRateLimitFilterFactory();
 * const filter = factory(ir, deps); // undefined when no limit is configured
 * ```
 */
export function createLocalRateLimitFilterFactory(opts: LocalRateLimitOptions = {}): HttpFilterFactory {
  let stores = new Map<string, TokenBucketStore>();
  const redisPool = new RedisPool();

  return (ir: GatewayIR, deps: FilterDeps) => {
    const routesWithLimits = [...allRoutes(ir)].filter((r) => r.localRateLimit);
    const gatewayLimit = ir.filters.localRateLimit;
    if (!gatewayLimit && routesWithLimits.length === 0) return undefined;

    const nextStores = new Map<string, TokenBucketStore>();
    const acquired: RedisRateLimiter[] = [];
    const build = (scope: string, limit: IRLocalRateLimit): LimitInstance | undefined => {
      const cfg = bucketConfig(limit);
      if (!(cfg.fillIntervalMs > 0) || !(cfg.maxTokens >= 0) || !(cfg.tokensPerFill >= 0)) {
        deps.log.error(
          { filter: LOCAL_RATELIMIT_FILTER_NAME, scope, limit: cfg },
          'invalid local rate limit (fillIntervalMs must be > 0, tokens >= 0); limit ignored',
        );
        return undefined;
      }
      const key = paramsKey(scope, limit);
      if (limit.shared) {
        const failureMode =
          limit.shared.failureModeDeny === true
            ? 'closed'
            : limit.shared.failureModeDeny === false
              ? 'open'
              : (opts.redisFailureMode ?? 'open');
        const redis = redisPool.acquire(
          limit.shared.url,
          failureMode,
          opts.redisCommandTimeoutMs ?? 100,
          deps.log,
        );
        acquired.push(redis);
        // Scope and parameters are part of the Redis key so changed limits start fresh.
        const prefix = `${limit.shared.prefix}${scope}|${shortHash(key)}|`;
        return { limit, take: (k) => redis.take(prefix + k, cfg) };
      }
      let store = stores.get(key) ?? nextStores.get(key);
      if (!store) {
        store = new TokenBucketStore(cfg, {
          ...(opts.maxBuckets !== undefined ? { maxBuckets: opts.maxBuckets } : {}),
          ...(opts.now ? { now: opts.now } : {}),
        });
      }
      nextStores.set(key, store);
      const s = store;
      return { limit, take: (k) => s.take(k) };
    };

    const gateway = gatewayLimit ? build('gateway', gatewayLimit) : undefined;
    const perRoute = new Map<string, LimitInstance>();
    for (const r of routesWithLimits) {
      const inst = build(`route:${r.name}`, r.localRateLimit as IRLocalRateLimit);
      if (inst) perRoute.set(r.name, inst);
    }
    stores = nextStores;
    const localServiceCluster = opts.localServiceCluster ?? 'gateway';

    const headersFor = (r: TakeResult): Record<string, string> => ({
      'x-ratelimit-limit': String(r.limit),
      'x-ratelimit-remaining': String(r.remaining),
      'x-ratelimit-reset': String(Math.ceil(r.resetMs / 1000)),
    });

    // Runs the limits in order; stays synchronous for in-memory buckets and only becomes a
    // promise when a Redis-backed limit answers asynchronously.
    const run = (
      ctx: FilterContext,
      instances: LimitInstance[],
      index: number,
      reported: TakeResult | undefined,
    ): FilterOutcome | Promise<FilterOutcome> => {
      for (let i = index; i < instances.length; i++) {
        const inst = instances[i] as LimitInstance;
        const descriptor = buildDescriptor(inst.limit.descriptors, {
          request: ctx.request,
          route: ctx.route,
          localServiceCluster,
        });
        // A descriptor that cannot be built (required header absent) does not count, as in Envoy.
        if (!descriptor) continue;
        const taken = inst.take(descriptorKey(descriptor));
        if (taken instanceof Promise) {
          return taken.then((result) => {
            const next = decide(ctx, inst.limit, result, reported);
            return next.outcome ?? run(ctx, instances, i + 1, next.reported);
          });
        }
        const next = decide(ctx, inst.limit, taken, reported);
        if (next.outcome) return next.outcome;
        reported = next.reported;
      }
      if (reported) for (const [k, v] of Object.entries(headersFor(reported))) ctx.responseHeaders.set(k, v);
      return CONTINUE;
    };

    const decide = (
      ctx: FilterContext,
      limit: IRLocalRateLimit,
      result: TakeResult & { source?: string },
      reported: TakeResult | undefined,
    ): { outcome?: FilterOutcome; reported: TakeResult | undefined } => {
      // Results decided by a Redis failure mode carry no meaningful counters.
      const countable = result.source === undefined || result.source === 'redis';
      if (!result.allowed) {
        return {
          outcome: localReply(
            ctx.request,
            429,
            'local_rate_limited',
            limit.responseHeaders && countable ? headersFor(result) : {},
            'local-rate-limited',
          ),
          reported,
        };
      }
      if (limit.responseHeaders && countable && (!reported || result.remaining <= reported.remaining)) {
        return { reported: result };
      }
      return { reported };
    };

    const filter: HttpFilter & { redisLimiters(): RedisRateLimiter[] } = {
      name: LOCAL_RATELIMIT_FILTER_NAME,
      onRequest(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome> {
        const routeInst = perRoute.get(ctx.route.name);
        if (!gateway && !routeInst) return CONTINUE;
        const instances: LimitInstance[] = [];
        if (gateway) instances.push(gateway);
        if (routeInst) instances.push(routeInst);
        return run(ctx, instances, 0, undefined);
      },
      async close(): Promise<void> {
        await Promise.all(acquired.map((r) => redisPool.release(r)));
      },
      redisLimiters: () => redisPool.limiters(),
    };
    return filter;
  };
}

const perGateway = new WeakMap<FilterDeps, HttpFilterFactory>();

/**
 * The default local rate-limit factory. A gateway lends its filters the same {@link FilterDeps}
 * object for every config, so state is kept per `deps`: bucket state survives reloads of one
 * gateway and is never shared between two gateways in one process.
 */
export const localRateLimitFilterFactory: HttpFilterFactory = (ir, deps) => {
  let factory = perGateway.get(deps);
  if (!factory) {
    factory = createLocalRateLimitFilterFactory();
    perGateway.set(deps, factory);
  }
  return factory(ir, deps);
};

function shortHash(s: string): string {
  // FNV-1a, 32 bit: short, stable, enough to tell parameter sets apart inside one scope.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
