import type { IROutlierDetection } from '@gateway/core';

/** Per-endpoint state the detector keeps (lives on the endpoint object, so no map lookups). */
export interface OutlierState {
  readonly address: string;
  ejected: boolean;
  consecutive5xx: number;
  consecutiveGatewayFailures: number;
  /** How many times the endpoint has been ejected (multiplies the ejection time); decays while healthy. */
  ejectionCount: number;
  /** When the endpoint last returned from ejection (ms since epoch), 0 = never. */
  lastUnejectedAt: number;
  ejectionTimer: NodeJS.Timeout | null;
}

/** Envoy's `max_ejection_time` default: ejections never last longer than this (or the base time). */
const MAX_EJECTION_MS = 300_000;

export interface OutlierHooks<T extends OutlierState> {
  /** The endpoints of the cluster (for the max-ejection-percent bound). */
  endpoints(): readonly T[];
  ejected(target: T, reason: string, durationMs: number): void;
  unejected(target: T): void;
}

/**
 * Passive outlier detection: counts consecutive 5xx responses and consecutive gateway failures
 * (502/503/504 and locally detected connect failures, resets and timeouts) per endpoint and ejects
 * an endpoint from load balancing once a threshold is reached, for `baseEjectionTimeMs` times the
 * number of times it has been ejected (capped at 300 s, as Envoy). At most `maxEjectionPercent` of
 * the endpoints are ejected at once, but always at least one may be. The ejection multiplier
 * decays by one for every `intervalMs` the endpoint stays healthy. A threshold of 0 disables that
 * check. Timers are unref'd.
 *
 * @example
 * ```ts
 * const od = new OutlierDetector(cluster.outlierDetection, hooks);
 * od.onStatus(endpoint, 503); // may eject
 * ```
 */
export class OutlierDetector<T extends OutlierState> {
  private readonly config: IROutlierDetection;
  private readonly hooks: OutlierHooks<T>;
  private stopped = false;

  constructor(config: IROutlierDetection, hooks: OutlierHooks<T>) {
    this.config = config;
    this.hooks = hooks;
  }

  /** Records a response status from the endpoint. */
  onStatus(t: T, status: number): void {
    if (status < 500) {
      t.consecutive5xx = 0;
      t.consecutiveGatewayFailures = 0;
      return;
    }
    t.consecutive5xx++;
    if (status === 502 || status === 503 || status === 504) t.consecutiveGatewayFailures++;
    else t.consecutiveGatewayFailures = 0;
    this.evaluate(t);
  }

  /** Records a locally detected failure (connect failure, reset, timeout): counts as a 5xx and a gateway failure. */
  onGatewayFailure(t: T): void {
    t.consecutive5xx++;
    t.consecutiveGatewayFailures++;
    this.evaluate(t);
  }

  private evaluate(t: T): void {
    if (t.ejected || this.stopped) return;
    const c = this.config;
    if (c.consecutive5xx > 0 && t.consecutive5xx >= c.consecutive5xx) {
      this.eject(t, `${t.consecutive5xx} consecutive 5xx`);
    } else if (
      c.consecutiveGatewayFailure > 0 &&
      t.consecutiveGatewayFailures >= c.consecutiveGatewayFailure
    ) {
      this.eject(t, `${t.consecutiveGatewayFailures} consecutive gateway failures`);
    }
  }

  private eject(t: T, reason: string): void {
    const all = this.hooks.endpoints();
    let ejected = 0;
    for (const e of all) if (e.ejected) ejected++;
    if (ejected > 0 && (ejected + 1) * 100 > this.config.maxEjectionPercent * all.length) return;

    const now = Date.now();
    if (t.lastUnejectedAt > 0 && this.config.intervalMs > 0) {
      const healthyIntervals = Math.floor((now - t.lastUnejectedAt) / this.config.intervalMs);
      t.ejectionCount = Math.max(0, t.ejectionCount - healthyIntervals);
    }
    t.ejectionCount++;
    const base = this.config.baseEjectionTimeMs;
    const duration = Math.min(base * t.ejectionCount, Math.max(MAX_EJECTION_MS, base));
    t.ejected = true;
    t.consecutive5xx = 0;
    t.consecutiveGatewayFailures = 0;
    t.ejectionTimer = setTimeout(() => this.uneject(t), duration);
    t.ejectionTimer.unref();
    this.hooks.ejected(t, reason, duration);
  }

  private uneject(t: T): void {
    t.ejectionTimer = null;
    if (!t.ejected || this.stopped) return;
    t.ejected = false;
    t.lastUnejectedAt = Date.now();
    this.hooks.unejected(t);
  }

  /** Clears every pending un-ejection timer (cluster removed or replaced). */
  stop(): void {
    this.stopped = true;
    for (const t of this.hooks.endpoints()) {
      if (t.ejectionTimer) clearTimeout(t.ejectionTimer);
      t.ejectionTimer = null;
    }
  }
}
