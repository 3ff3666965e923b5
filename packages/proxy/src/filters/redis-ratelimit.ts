import { Redis } from 'ioredis';
import { LogThrottle } from './filter-util.js';
import type { TakeResult, TokenBucketConfig } from './token-bucket.js';
import type { FilterDeps } from './types.js';

/**
 * Rate limits shared by several gateway replicas through Redis
 * (`IRLocalRateLimit.shared = { backend: 'redis', url, prefix }`).
 *
 * Each take is one atomic Lua script run on the Redis server: it applies the same discrete
 * token-bucket arithmetic as the in-memory {@link TokenBucketStore} to a hash
 * `{tokens, last}` using the Redis server's clock (`TIME`), so replica clocks never matter and N
 * replicas together admit exactly `maxTokens` requests plus `tokensPerFill` per elapsed
 * `fillIntervalMs` — the same as one gateway would. Keys expire once the bucket would be full
 * again, so idle descriptors cost no memory.
 *
 * When Redis is unreachable (connection refused, timeout, not yet connected) the limiter
 * *fails open* by default: the request is allowed, `stats.failedOpen` is incremented and a
 * warning is logged (at most once per 10 s). With `failureMode: 'closed'` such requests are
 * limited instead (`stats.failedClosed`). ioredis reconnects in the background with capped
 * exponential backoff; nothing is queued while disconnected, so an outage never builds up
 * memory or latency, and never crashes the process.
 */

const TOKEN_BUCKET_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local max = tonumber(ARGV[1])
local perFill = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = max
  last = now
end
if now > last then
  local steps = math.floor((now - last) / interval)
  if steps > 0 then
    tokens = math.min(max, tokens + steps * perFill)
    last = last + steps * interval
  end
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'last', last)
local missing = max - tokens
local ttl = interval
if perFill > 0 and missing > 0 then
  ttl = math.ceil(missing / perFill) * interval + interval
end
redis.call('PEXPIRE', KEYS[1], ttl)
return {allowed, math.floor(tokens), interval - (now - last)}
`;

export interface RedisRateLimiterOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prepended to every key (`IRLocalRateLimit.shared.prefix`). */
  prefix: string;
  /** What to do when Redis cannot answer: `open` (allow, default) or `closed` (limit). */
  failureMode?: 'open' | 'closed';
  /** Per-command deadline; past it the failure mode applies. Default 100 ms. */
  commandTimeoutMs?: number;
  /** Connect deadline for each (re)connection attempt. Default 1000 ms. */
  connectTimeoutMs?: number;
  log?: FilterDeps['log'];
}

/** A take answered by Redis, or decided by the failure mode. */
export interface RedisTakeResult extends TakeResult {
  source: 'redis' | 'fail-open' | 'fail-closed';
}

type ScriptCommand = (
  key: string,
  max: number,
  perFill: number,
  interval: number,
) => Promise<[number, number, number]>;

/**
 * One Redis connection and the token-bucket script.
 *
 * @example
 * ```ts
 * const limiter = new RedisRateLimiter({ url: 'redis://127.0.0.1:6379', prefix: 'gw:' });
 * const r = await limiter.take('route-a|client-1', { maxTokens: 100, tokensPerFill: 100, fillIntervalMs: 60_000 });
 * if (!r.allowed) respond429();
 * await limiter.close();
 * ```
 */
export class RedisRateLimiter {
  /** Counters for metrics: answered by Redis, failures, and how failures were decided. */
  readonly stats = { takes: 0, errors: 0, failedOpen: 0, failedClosed: 0, connectionErrors: 0 };
  private readonly redis: Redis;
  private readonly failureMode: 'open' | 'closed';
  private readonly commandTimeoutMs: number;
  private readonly throttle = new LogThrottle();
  private everReady = false;
  /** True until the first connection attempt has either succeeded or failed. */
  private firstAttempt = true;
  private readonly firstReady: Promise<void>;
  private closed = false;

  constructor(private readonly opts: RedisRateLimiterOptions) {
    this.failureMode = opts.failureMode ?? 'open';
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 100;
    this.redis = new Redis(opts.url, {
      // Fail fast while disconnected instead of queueing requests behind a dead connection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: opts.connectTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      lazyConnect: false,
    });
    this.redis.defineCommand('gatewayTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.firstReady = new Promise((resolve) => {
      this.redis.once('ready', () => {
        this.everReady = true;
        this.firstAttempt = false;
        resolve();
      });
    });
    this.redis.on('ready', () => {
      if (this.stats.connectionErrors > 0)
        opts.log?.info({ redis: redactUrl(opts.url) }, 'redis rate limiter connected');
    });
    this.redis.on('error', (err: Error) => {
      this.firstAttempt = false;
      this.stats.connectionErrors++;
      if (this.throttle.shouldLog('conn')) {
        opts.log?.warn(
          { redis: redactUrl(opts.url), err: err.message, failureMode: this.failureMode },
          'redis rate limiter connection error; reconnecting',
        );
      }
    });
  }

  /** Resolves once the first connection is up (or after `timeoutMs`, whichever comes first). */
  async ready(timeoutMs = 5000): Promise<boolean> {
    if (this.everReady) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstReady,
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return this.everReady;
  }

  /** True while connected. */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** Takes one token from the shared bucket `key` (the prefix is added here). */
  async take(key: string, config: TokenBucketConfig): Promise<RedisTakeResult> {
    // Right after start-up give the first connection a moment instead of failing at once.
    if (this.firstAttempt && !this.closed) await this.ready(this.commandTimeoutMs);
    try {
      const cmd = (this.redis as unknown as { gatewayTokenBucket: ScriptCommand }).gatewayTokenBucket;
      const [allowed, remaining, resetMs] = await cmd.call(
        this.redis,
        this.opts.prefix + key,
        config.maxTokens,
        config.tokensPerFill,
        config.fillIntervalMs,
      );
      this.stats.takes++;
      return {
        allowed: allowed === 1,
        limit: config.maxTokens,
        remaining: Number(remaining),
        resetMs: Math.max(0, Number(resetMs)),
        source: 'redis',
      };
    } catch (err) {
      this.stats.errors++;
      const open = this.failureMode === 'open';
      if (open) this.stats.failedOpen++;
      else this.stats.failedClosed++;
      if (this.throttle.shouldLog('take')) {
        this.opts.log?.warn(
          { redis: redactUrl(this.opts.url), err: (err as Error).message, failureMode: this.failureMode },
          open
            ? 'redis rate limit unavailable; allowing requests'
            : 'redis rate limit unavailable; limiting requests',
        );
      }
      return {
        allowed: open,
        limit: config.maxTokens,
        remaining: open ? config.maxTokens : 0,
        resetMs: config.fillIntervalMs,
        source: open ? 'fail-open' : 'fail-closed',
      };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
      else this.redis.disconnect();
    } catch {
      this.redis.disconnect();
    }
  }
}

/** Removes credentials from a Redis URL before logging it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}
