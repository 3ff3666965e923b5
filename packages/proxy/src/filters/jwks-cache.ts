import { type CryptoKey, importJWK, type JWK } from 'jose';
import { Pool } from 'undici';
import { LogThrottle, readBounded } from './filter-util.js';
import type { FilterDeps } from './types.js';

/**
 * JSON Web Key Sets for JWT providers: inline (parsed once) or remote (fetched over HTTP and
 * cached).
 *
 * Remote sets follow these rules:
 * - The first request waits for the first fetch (concurrent requests share it).
 * - Keys are fresh for `cacheDurationMs`; after that the next request starts a background
 *   refresh and keeps using the current keys meanwhile (no request waits on a refresh).
 * - A failed fetch keeps the previous keys (stale keys beat an outage) and backs off
 *   exponentially, from `backoffBaseMs` up to `backoffMaxMs`, before the next attempt. With no
 *   keys at all, verification fails closed until a fetch succeeds.
 * - A token whose `kid` is not in the set triggers an immediate refetch (key rotation), at most
 *   once per `unknownKidRefetchIntervalMs`, so random `kid`s cannot turn the gateway into a
 *   JWKS-endpoint flooder.
 */

export interface KeySet {
  /** Increments whenever the keys change; verified-token caches are tied to it. */
  generation: number;
  keys: JWK[];
}

export class JwksUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksUnavailableError';
  }
}

export interface RemoteJwksOptions {
  uri: string;
  /** Where to connect (a cluster endpoint); defaults to the URI's own host and port. */
  resolve?: () => { host: string; port: number; tls: boolean } | undefined;
  cacheDurationMs: number;
  timeoutMs: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  unknownKidRefetchIntervalMs?: number;
  /** Largest JWKS document accepted. Default 1 MiB. */
  maxBytes?: number;
  now?: () => number;
  log?: FilterDeps['log'];
  /** Names the provider in log lines. */
  provider?: string;
}

/** Parses a JWKS document; returns the usable keys or an error message. */
export function parseJwks(text: string): { keys: JWK[] } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `JWKS is not JSON: ${(e as Error).message}` };
  }
  if (!doc || typeof doc !== 'object') return { error: 'JWKS must be an object' };
  // A single JWK is accepted too (Envoy does the same for local_jwks).
  const raw = Array.isArray((doc as { keys?: unknown }).keys)
    ? ((doc as { keys: unknown[] }).keys as unknown[])
    : typeof (doc as { kty?: unknown }).kty === 'string'
      ? [doc]
      : undefined;
  if (!raw) return { error: 'JWKS must have a "keys" array' };
  const keys = raw.filter(
    (k): k is JWK => !!k && typeof k === 'object' && typeof (k as { kty?: unknown }).kty === 'string',
  );
  if (keys.length === 0) return { error: 'JWKS has no usable keys' };
  return { keys };
}

/** Common interface of inline and remote sets. */
export interface JwksSource {
  /** Current keys; throws {@link JwksUnavailableError} when there are none. */
  getKeys(): Promise<KeySet>;
  /** The keys on hand right now, without waiting (may start a background refresh). */
  peek(): KeySet | undefined;
  /** Called when a token names an unknown `kid`; may refetch (rate-limited). */
  onUnknownKid(): Promise<KeySet | undefined>;
  close(): Promise<void>;
}

export class InlineJwks implements JwksSource {
  private readonly set: KeySet | undefined;
  readonly error: string | undefined;
  constructor(text: string) {
    const parsed = parseJwks(text);
    if ('error' in parsed) {
      this.error = parsed.error;
    } else {
      this.set = { generation: 1, keys: parsed.keys };
    }
  }
  async getKeys(): Promise<KeySet> {
    if (!this.set) throw new JwksUnavailableError(this.error ?? 'no keys');
    return this.set;
  }
  peek(): KeySet | undefined {
    return this.set;
  }
  async onUnknownKid(): Promise<KeySet | undefined> {
    return undefined;
  }
  async close(): Promise<void> {}
}

/**
 * A remote JWKS with caching, background refresh, stale-on-error and backoff.
 *
 * @example
 * ```ts
 * const jwks = new RemoteJwks({ uri: 'https://issuer.example/.well-known/jwks.json', cacheDurationMs: 600_000, timeoutMs: 1000 });
 * const { keys } = await jwks.getKeys();
 * ```
 */
export class RemoteJwks implements JwksSource {
  /** Counters for tests and metrics. */
  readonly stats = { fetches: 0, failures: 0 };
  private set: KeySet | undefined;
  private fetchedAt = 0;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private lastKidRefetchAt = Number.NEGATIVE_INFINITY;
  private lastError = '';
  private pool: Pool | undefined;
  private poolOrigin = '';
  private readonly now: () => number;
  private readonly throttle = new LogThrottle();

  constructor(private readonly opts: RemoteJwksOptions) {
    this.now = opts.now ?? Date.now;
  }

  peek(): KeySet | undefined {
    if (this.set) {
      const now = this.now();
      if (now - this.fetchedAt >= this.opts.cacheDurationMs && now >= this.nextAttemptAt && !this.inflight) {
        // Stale-while-revalidate: refresh in the background, answer with what we have.
        void this.refresh();
      }
    }
    return this.set;
  }

  async getKeys(): Promise<KeySet> {
    const now = this.now();
    if (this.set) return this.peek() as KeySet;
    if (this.inflight) {
      await this.inflight;
    } else if (now >= this.nextAttemptAt) {
      await this.refresh();
    }
    if (!this.set) {
      throw new JwksUnavailableError(`JWKS ${this.opts.uri} unavailable: ${this.lastError || 'backing off'}`);
    }
    return this.set;
  }

  async onUnknownKid(): Promise<KeySet | undefined> {
    const now = this.now();
    const interval = this.opts.unknownKidRefetchIntervalMs ?? 10_000;
    if (this.inflight) {
      await this.inflight;
      return this.set;
    }
    if (now - this.lastKidRefetchAt < interval || now < this.nextAttemptAt) return undefined;
    this.lastKidRefetchAt = now;
    await this.refresh();
    return this.set;
  }

  /** Fetches now (joins a fetch in flight). Never throws; failures are recorded. */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.fetchOnce().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async fetchOnce(): Promise<void> {
    this.stats.fetches++;
    try {
      const text = await this.download();
      const parsed = parseJwks(text);
      if ('error' in parsed) throw new Error(parsed.error);
      const changed = !this.set || JSON.stringify(this.set.keys) !== JSON.stringify(parsed.keys);
      this.set = changed ? { generation: (this.set?.generation ?? 0) + 1, keys: parsed.keys } : this.set;
      this.fetchedAt = this.now();
      this.failures = 0;
      this.nextAttemptAt = 0;
      this.lastError = '';
    } catch (err) {
      this.stats.failures++;
      this.failures++;
      this.lastError = (err as Error).message;
      const base = this.opts.backoffBaseMs ?? 1000;
      const max = this.opts.backoffMaxMs ?? 60_000;
      this.nextAttemptAt = this.now() + Math.min(max, base * 2 ** Math.min(this.failures - 1, 20));
      if (this.throttle.shouldLog('fetch')) {
        this.opts.log?.warn(
          {
            provider: this.opts.provider,
            uri: this.opts.uri,
            err: this.lastError,
            failures: this.failures,
            servingStaleKeys: !!this.set,
          },
          'JWKS fetch failed',
        );
      }
    }
  }

  private async download(): Promise<string> {
    const url = new URL(this.opts.uri);
    const target = this.opts.resolve?.();
    const tls = target ? target.tls : url.protocol === 'https:';
    const host = target ? target.host : url.hostname;
    const port = target ? target.port : Number(url.port || (tls ? 443 : 80));
    const origin = `${tls ? 'https' : 'http'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    if (!this.pool || this.poolOrigin !== origin) {
      await this.pool?.close();
      this.pool = new Pool(origin, {
        connections: 2,
        connect: tls ? { servername: url.hostname } : undefined,
      });
      this.poolOrigin = origin;
    }
    const res = await this.pool.request({
      method: 'GET',
      path: url.pathname + url.search,
      headers: { host: url.host, accept: 'application/json' },
      signal: AbortSignal.timeout(Math.max(1, this.opts.timeoutMs)),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`JWKS endpoint answered ${res.statusCode}`);
    }
    const body = await readBounded(res.body, this.opts.maxBytes ?? 1024 * 1024);
    return body.toString('utf8');
  }

  async close(): Promise<void> {
    await this.inflight?.catch(() => undefined);
    await this.pool?.close();
    this.pool = undefined;
  }
}

const KEY_TYPES: Record<string, { kty: string; crv?: string[] }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: ['P-256'] },
  ES384: { kty: 'EC', crv: ['P-384'] },
  ES512: { kty: 'EC', crv: ['P-521'] },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
  Ed25519: { kty: 'OKP', crv: ['Ed25519'] },
  HS256: { kty: 'oct' },
  HS384: { kty: 'oct' },
  HS512: { kty: 'oct' },
};

/** The JWK key type (and curve) each algorithm needs; keys of any other type are never tried. */
export function keyTypeFor(alg: string): { kty: string; crv?: string[] } | undefined {
  return Object.hasOwn(KEY_TYPES, alg) ? KEY_TYPES[alg] : undefined;
}

/**
 * The keys of a set that may verify a token with this `alg` and `kid`: the key type must fit the
 * algorithm (so an RSA public key can never be used as an HMAC secret), a key's own `alg` and
 * `use` must agree, and when the token names a `kid` only that key is eligible.
 */
export function candidateKeys(keys: readonly JWK[], alg: string, kid: string | undefined, max = 8): JWK[] {
  const type = keyTypeFor(alg);
  if (!type) return [];
  const out: JWK[] = [];
  for (const k of keys) {
    if (k.kty !== type.kty) continue;
    if (type.crv && !type.crv.includes(String(k.crv))) continue;
    if (k.alg !== undefined && k.alg !== alg) continue;
    if (k.use !== undefined && k.use !== 'sig') continue;
    if (kid !== undefined && k.kid !== kid) continue;
    out.push(k);
    if (out.length >= max) break;
  }
  return out;
}

/** Imports JWKs once per (key set generation, key, alg). */
export class KeyImportCache {
  private generation = -1;
  private readonly cache = new Map<string, Promise<CryptoKey | Uint8Array>>();
  get(set: KeySet, jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
    if (set.generation !== this.generation) {
      this.cache.clear();
      this.generation = set.generation;
    }
    const id = `${alg}|${set.keys.indexOf(jwk)}`;
    let p = this.cache.get(id);
    if (!p) {
      p = importJWK(jwk, alg);
      // A key that fails to import stays failed for this generation.
      this.cache.set(id, p);
    }
    return p;
  }
}
