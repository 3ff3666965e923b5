/**
 * Token buckets with Envoy local_ratelimit semantics: a bucket starts full with `maxTokens`,
 * and every `fillIntervalMs` (discrete steps, not continuous) `tokensPerFill` tokens are added,
 * never above `maxTokens`. Each request takes one token or is limited.
 */

export interface TokenBucketConfig {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
}

/** The outcome of taking one token, with what the x-ratelimit-* headers report. */
export interface TakeResult {
  allowed: boolean;
  /** Bucket size (`x-ratelimit-limit`). */
  limit: number;
  /** Tokens left after this request (`x-ratelimit-remaining`). */
  remaining: number;
  /** Milliseconds until the next fill (`x-ratelimit-reset`, rounded up to seconds). */
  resetMs: number;
}

interface BucketState {
  tokens: number;
  /** Time of the last fill step (the bucket's fill clock). */
  lastFillMs: number;
}

/** Applies elapsed fill steps to a bucket state (mutates it). */
export function refill(state: BucketState, cfg: TokenBucketConfig, now: number): void {
  if (now <= state.lastFillMs) return;
  const steps = Math.floor((now - state.lastFillMs) / cfg.fillIntervalMs);
  if (steps <= 0) return;
  state.tokens = Math.min(cfg.maxTokens, state.tokens + steps * cfg.tokensPerFill);
  state.lastFillMs += steps * cfg.fillIntervalMs;
}

/**
 * Many buckets of one configuration, keyed by descriptor, with bounded memory: least recently
 * used buckets are dropped above `maxBuckets`, and buckets that have refilled completely are
 * dropped first (a full bucket is indistinguishable from a new one, so that costs nothing).
 *
 * @example
 * ```ts
 * const store = new TokenBucketStore({ maxTokens: 10, tokensPerFill: 10, fillIntervalMs: 1000 });
 * const r = store.take('remote_address=10.0.0.1');
 * if (!r.allowed) respond429(r);
 * ```
 */
export class TokenBucketStore {
  private readonly buckets = new Map<string, BucketState>();
  private readonly maxBuckets: number;
  private readonly now: () => number;

  constructor(
    readonly config: TokenBucketConfig,
    opts: { maxBuckets?: number; now?: () => number } = {},
  ) {
    if (!(config.fillIntervalMs > 0) || !(config.maxTokens >= 0) || !(config.tokensPerFill >= 0)) {
      throw new RangeError(
        `invalid token bucket: maxTokens ${config.maxTokens}, tokensPerFill ${config.tokensPerFill}, fillIntervalMs ${config.fillIntervalMs}`,
      );
    }
    this.maxBuckets = Math.max(1, opts.maxBuckets ?? 100_000);
    this.now = opts.now ?? Date.now;
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from the bucket named `key`. */
  take(key: string): TakeResult {
    const now = this.now();
    const cfg = this.config;
    let state = this.buckets.get(key);
    if (state) {
      // Move to the back of the Map (most recently used).
      this.buckets.delete(key);
      refill(state, cfg, now);
    } else {
      state = { tokens: cfg.maxTokens, lastFillMs: now };
      this.evict(now);
    }
    this.buckets.set(key, state);
    const allowed = state.tokens >= 1;
    if (allowed) state.tokens -= 1;
    return {
      allowed,
      limit: cfg.maxTokens,
      remaining: Math.max(0, Math.floor(state.tokens)),
      resetMs: Math.max(0, state.lastFillMs + cfg.fillIntervalMs - now),
    };
  }

  private evict(now: number): void {
    // Opportunistically drop a couple of idle (refilled) buckets from the LRU end.
    let checked = 0;
    for (const [k, s] of this.buckets) {
      if (checked++ >= 2) break;
      refill(s, this.config, now);
      if (s.tokens >= this.config.maxTokens) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}
