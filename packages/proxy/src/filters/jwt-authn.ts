import { DEFAULT_JWT_ALGORITHMS, type IRJwtProvider } from '@gateway/core';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { headerValue, localReply, named } from './filter-util.js';
import { deriveIdentity } from './identity.js';
import {
  candidateKeys,
  InlineJwks,
  type JwksSource,
  JwksUnavailableError,
  KeyImportCache,
  RemoteJwks,
} from './jwks-cache.js';
import type {
  FilterContext,
  FilterDeps,
  FilterOutcome,
  FilterRequest,
  HttpFilter,
  HttpFilterFactory,
} from './types.js';

export const JWT_AUTHN_FILTER_NAME = 'envoy.filters.http.jwt_authn';

const CONTINUE: FilterOutcome = { kind: 'continue' };

/** Tokens longer than this are rejected before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;

export interface JwtAuthnOptions {
  /** Clock in ms (JWKS cache and exp/nbf checks); tests inject one. */
  now?: () => number;
  /** Minimum time between refetches caused by unknown `kid`s. Default 10 s. */
  unknownKidRefetchIntervalMs?: number;
  /** JWKS fetch failure backoff: first delay and cap. Defaults 1 s and 60 s. */
  jwksBackoffBaseMs?: number;
  jwksBackoffMaxMs?: number;
  /**
   * Verified tokens remembered per provider (the signature is checked once; exp/nbf on every
   * use; the cache empties when the key set changes), like Envoy's `jwt_cache_config`.
   * Default 10000; 0 disables.
   */
  verifiedCacheSize?: number;
}

/** Why a token was not accepted; the text is the 401 body (Envoy's wording). */
export type JwtFailure =
  | 'Jwt is expired'
  | 'Jwt not yet valid'
  | 'Jwt verification fails'
  | 'Jwt issuer is not configured'
  | 'Audiences in Jwt are not allowed'
  | 'Jwt header is an invalid JSON'
  | 'Jwt algorithm is not allowed'
  | 'Jwks remote fetch is failed'
  | "Jwks doesn't have key to match kid or alg from Jwt"
  | 'Jwt is not in the form of Header.Payload.Signature';

export type VerifyResult = { ok: true; payload: JWTPayload } | { ok: false; reason: JwtFailure };

interface CachedToken {
  payload: JWTPayload;
  generation: number;
}

/**
 * Verifies tokens for one {@link IRJwtProvider}: algorithm allow-list (never chosen by the
 * token; `none` always refused), key type bound to the algorithm, issuer, audiences, exp/nbf
 * with the provider's clock skew.
 *
 * @example
 * ```ts
 * const v = new JwtProviderVerifier(provider, new InlineJwks(provider.jwks.jwks));
 * const r = await v.verify(token);
 * if (r.ok) console.log(r.payload.sub);
 * ```
 */
export class JwtProviderVerifier {
  private readonly algorithms: Set<string>;
  private readonly imports = new KeyImportCache();
  private readonly verified = new Map<string, CachedToken>();
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(
    readonly provider: IRJwtProvider,
    readonly jwks: JwksSource,
    opts: JwtAuthnOptions = {},
  ) {
    const algs = provider.algorithms.length > 0 ? provider.algorithms : DEFAULT_JWT_ALGORITHMS;
    this.algorithms = new Set(algs.filter((a) => a !== 'none'));
    this.cacheSize = opts.verifiedCacheSize ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Answers from the verified-token cache without waiting, or undefined when the token needs a
   * full verification (not cached, or the key set changed since).
   */
  verifyCached(token: string): VerifyResult | undefined {
    const cached = this.verified.get(token);
    if (!cached) return undefined;
    const set = this.jwks.peek();
    if (!set || set.generation !== cached.generation) {
      this.verified.delete(token);
      return undefined;
    }
    const timeProblem = this.checkTimes(cached.payload, this.now());
    if (timeProblem) return { ok: false, reason: timeProblem };
    // Refresh LRU position.
    this.verified.delete(token);
    this.verified.set(token, cached);
    return { ok: true, payload: cached.payload };
  }

  async verify(token: string): Promise<VerifyResult> {
    if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
      return { ok: false, reason: 'Jwt is not in the form of Header.Payload.Signature' };
    }
    const nowMs = this.now();
    const fromCache = this.verifyCached(token);
    if (fromCache) return fromCache;

    let header: { alg?: unknown; kid?: unknown };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { ok: false, reason: 'Jwt header is an invalid JSON' };
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || alg === 'none' || !this.algorithms.has(alg)) {
      return { ok: false, reason: 'Jwt algorithm is not allowed' };
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;

    let set: Awaited<ReturnType<JwksSource['getKeys']>>;
    try {
      set = await this.jwks.getKeys();
    } catch (err) {
      if (err instanceof JwksUnavailableError) return { ok: false, reason: 'Jwks remote fetch is failed' };
      throw err;
    }
    let candidates = candidateKeys(set.keys, alg, kid);
    if (candidates.length === 0 && kid !== undefined) {
      // Unknown kid: the issuer may have rotated keys. Refetch (rate-limited) and retry once.
      const refreshed = await this.jwks.onUnknownKid();
      if (refreshed) {
        set = refreshed;
        candidates = candidateKeys(set.keys, alg, kid);
      }
    }
    if (candidates.length === 0)
      return { ok: false, reason: "Jwks doesn't have key to match kid or alg from Jwt" };

    const p = this.provider;
    for (const jwk of candidates) {
      let key: Awaited<ReturnType<KeyImportCache['get']>>;
      try {
        key = await this.imports.get(set, jwk, alg);
      } catch {
        continue;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          ...(p.issuer ? { issuer: p.issuer } : {}),
          ...(p.audiences.length > 0 ? { audience: p.audiences } : {}),
          clockTolerance: p.clockSkewSeconds,
          currentDate: new Date(nowMs),
        });
        this.remember(token, payload, set.generation);
        return { ok: true, payload };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') continue; // try the next candidate key
        if (code === 'ERR_JWT_EXPIRED') return { ok: false, reason: 'Jwt is expired' };
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
          const claim = (err as { claim?: string }).claim;
          if (claim === 'iss') return { ok: false, reason: 'Jwt issuer is not configured' };
          if (claim === 'aud') return { ok: false, reason: 'Audiences in Jwt are not allowed' };
          if (claim === 'nbf') return { ok: false, reason: 'Jwt not yet valid' };
        }
        return { ok: false, reason: 'Jwt verification fails' };
      }
    }
    return { ok: false, reason: 'Jwt verification fails' };
  }

  /** Same exp/nbf rules as jose, for tokens served from the verified cache. */
  private checkTimes(payload: JWTPayload, nowMs: number): JwtFailure | undefined {
    const now = Math.floor(nowMs / 1000);
    const skew = this.provider.clockSkewSeconds;
    if (typeof payload.exp === 'number' && payload.exp <= now - skew) return 'Jwt is expired';
    if (typeof payload.nbf === 'number' && payload.nbf > now + skew) return 'Jwt not yet valid';
    return undefined;
  }

  private remember(token: string, payload: JWTPayload, generation: number): void {
    if (this.cacheSize <= 0) return;
    if (this.verified.size >= this.cacheSize) {
      const oldest = this.verified.keys().next().value as string;
      this.verified.delete(oldest);
    }
    this.verified.set(token, { payload, generation });
  }
}

/** Where a token was found; header tokens can be removed before forwarding. */
export interface FoundToken {
  token: string;
  from: IRJwtProvider['from'][number];
}

/** Envoy's default locations when a provider lists none. */
const DEFAULT_FROM: IRJwtProvider['from'] = [
  { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
  { kind: 'query', name: 'access_token' },
];

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The tokens a provider finds in a request, in the provider's location order. */
export function extractTokens(
  provider: Pick<IRJwtProvider, 'from'>,
  request: Pick<FilterRequest, 'headers' | 'query'>,
): FoundToken[] {
  const out: FoundToken[] = [];
  const from = provider.from.length > 0 ? provider.from : DEFAULT_FROM;
  let query: URLSearchParams | undefined;
  for (const loc of from) {
    let token: string | undefined;
    if (loc.kind === 'header') {
      const v = headerValue(request.headers, loc.name.toLowerCase());
      if (v === undefined) continue;
      const value = v.trim();
      if (loc.prefix) {
        // Authorization schemes are case-insensitive (RFC 9110 §11.1); compare prefixes that way.
        if (value.length <= loc.prefix.length) continue;
        if (value.slice(0, loc.prefix.length).toLowerCase() !== loc.prefix.toLowerCase()) continue;
        token = value.slice(loc.prefix.length).trim();
      } else {
        token = value;
      }
    } else if (loc.kind === 'query') {
      if (!request.query) continue;
      query ??= new URLSearchParams(request.query);
      token = query.get(loc.name) ?? undefined;
    } else {
      token = cookieValue(headerValue(request.headers, 'cookie'), loc.name);
    }
    if (token) out.push({ token, from: loc });
  }
  return out;
}

/** A claim value as a header value: strings, numbers, booleans, and arrays of them (joined by `,`). */
export function claimHeaderValue(value: unknown): string | undefined {
  let s: string | undefined;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean') s = String(value);
  else if (Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
    s = value.join(',');
  }
  if (s === undefined) return undefined;
  // Never let a claim inject header syntax.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
  }
  return s;
}

/**
 * Reads a claim by name; dots address nested objects (`kubernetes.io.namespace` finds
 * `{"kubernetes.io": {"namespace": ...}}`), and a literal key containing dots wins.
 */
export function readClaim(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  const parts = name.split('.');
  const walk = (cur: unknown, i: number): unknown => {
    if (i === parts.length) return cur;
    if (!cur || typeof cur !== 'object') return undefined;
    for (let j = parts.length; j > i; j--) {
      const key = parts.slice(i, j).join('.');
      if (Object.hasOwn(cur, key)) {
        const found = walk((cur as Record<string, unknown>)[key], j);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(payload, 0);
}

function unauthorized(request: FilterRequest, body: string, invalid: boolean): FilterOutcome {
  return localReply(
    request,
    401,
    body,
    { 'www-authenticate': invalid ? 'Bearer error="invalid_token"' : 'Bearer', 'content-type': 'text/plain' },
    invalid ? 'jwt-invalid' : 'jwt-missing',
  );
}

/**
 * JWT authentication (`ir.filters.jwt` providers, required per route by
 * `route.auth.jwtProviders`, any-of). A route with providers needs one valid token from one of
 * them; with `jwtOptional` a request without any token passes, but a present invalid token is
 * still rejected (Envoy's `allow_missing`). On success the filter sets `ctx.principal`
 * (see {@link deriveIdentity}), `ctx.claims[provider]`, the provider's claim headers (stripping
 * client-sent copies of every claim header the route's providers own), and removes header tokens
 * when `forward` is false. Failures are `401` with `www-authenticate: Bearer error="invalid_token"`
 * (or plain `Bearer` when no token was sent).
 *
 * @example
 * ```ts
 * const factory = createJwtAuthnFilterFactory({ unknownKidRefetchIntervalMs: 5000 });
 * const filter = factory(ir, deps); // undefined when the IR has no providers
 * ```
 */
export function createJwtAuthnFilterFactory(opts: JwtAuthnOptions = {}): HttpFilterFactory {
  return (ir, deps: FilterDeps) => {
    if (ir.filters.jwt.length === 0) return undefined;
    const verifiers = new Map<string, JwtProviderVerifier>();
    for (const p of ir.filters.jwt) {
      let jwks: JwksSource;
      if (p.jwks.kind === 'inline') {
        const inline = new InlineJwks(p.jwks.jwks);
        if (inline.error) {
          deps.log.error(
            { filter: JWT_AUTHN_FILTER_NAME, provider: p.name, path: 'jwks.jwks' },
            `invalid inline JWKS (${inline.error}); every token for this provider will be rejected`,
          );
        }
        jwks = inline;
      } else {
        const remote = p.jwks;
        jwks = new RemoteJwks({
          uri: remote.uri,
          resolve: () => deps.resolveCluster(remote.cluster),
          cacheDurationMs: remote.cacheDurationMs,
          timeoutMs: remote.timeoutMs,
          provider: p.name,
          log: deps.log,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.unknownKidRefetchIntervalMs !== undefined
            ? { unknownKidRefetchIntervalMs: opts.unknownKidRefetchIntervalMs }
            : {}),
          ...(opts.jwksBackoffBaseMs !== undefined ? { backoffBaseMs: opts.jwksBackoffBaseMs } : {}),
          ...(opts.jwksBackoffMaxMs !== undefined ? { backoffMaxMs: opts.jwksBackoffMaxMs } : {}),
        });
      }
      verifiers.set(p.name, new JwtProviderVerifier(p, jwks, opts));
    }
    const warnedUnknown = new Set<string>();

    const stripClaimHeaders = (ctx: FilterContext, except: ReadonlySet<string>) => {
      for (const name of ctx.route.auth.jwtProviders) {
        const v = verifiers.get(name);
        if (!v) continue;
        for (const c of v.provider.claimToHeaders) {
          const h = c.header.toLowerCase();
          if (!except.has(h)) ctx.upstreamHeadersToRemove.add(h);
        }
      }
    };

    const accept = (
      ctx: FilterContext,
      c: { name: string; v: JwtProviderVerifier; found: FoundToken },
      payload: JWTPayload,
    ) => {
      const claims = payload as Record<string, unknown>;
      const identity = deriveIdentity(c.v.provider, claims);
      if (identity.principal !== undefined) ctx.principal = identity.principal;
      ctx.claims = { ...(ctx.claims ?? {}), [c.name]: claims };
      const set = new Set<string>();
      for (const h of c.v.provider.claimToHeaders) {
        const value = claimHeaderValue(readClaim(claims, h.claim));
        if (value === undefined) continue;
        const header = h.header.toLowerCase();
        ctx.upstreamHeaders.set(header, value);
        set.add(header);
      }
      stripClaimHeaders(ctx, set);
      if (!c.v.provider.forward && c.found.from.kind === 'header') {
        ctx.upstreamHeadersToRemove.add(c.found.from.name.toLowerCase());
      }
    };

    // Tries the tokens in order; stays synchronous while answers come from the verified-token
    // cache, so a request with a known token costs no promise at all.
    const check = (
      ctx: FilterContext,
      candidates: Array<{ name: string; v: JwtProviderVerifier; found: FoundToken }>,
      from: number,
      failure: JwtFailure | undefined,
    ): FilterOutcome | Promise<FilterOutcome> => {
      for (let i = from; i < candidates.length; i++) {
        const c = candidates[i] as (typeof candidates)[number];
        const cached = c.v.verifyCached(c.found.token);
        if (cached === undefined) {
          return c.v.verify(c.found.token).then((r) => {
            if (r.ok) {
              accept(ctx, c, r.payload);
              return CONTINUE;
            }
            return check(ctx, candidates, i + 1, failure ?? r.reason);
          });
        }
        if (cached.ok) {
          accept(ctx, c, cached.payload);
          return CONTINUE;
        }
        failure ??= cached.reason;
      }
      return unauthorized(ctx.request, failure ?? 'Jwt verification fails', true);
    };

    const filter: HttpFilter = {
      name: JWT_AUTHN_FILTER_NAME,
      onRequest(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome> {
        const required = ctx.route.auth.jwtProviders;
        if (required.length === 0) return CONTINUE;
        const candidates: Array<{ name: string; v: JwtProviderVerifier; found: FoundToken }> = [];
        for (const name of required) {
          const v = verifiers.get(name);
          if (!v) {
            if (!warnedUnknown.has(name)) {
              warnedUnknown.add(name);
              deps.log.error(
                { filter: JWT_AUTHN_FILTER_NAME, route: ctx.route.name, provider: name },
                'route requires an unknown JWT provider; it never verifies',
              );
            }
            continue;
          }
          for (const found of extractTokens(v.provider, ctx.request)) candidates.push({ name, v, found });
        }
        if (candidates.length === 0) {
          if (ctx.route.auth.jwtOptional) {
            stripClaimHeaders(ctx, new Set());
            return CONTINUE;
          }
          return unauthorized(ctx.request, 'Jwt is missing', false);
        }
        return check(ctx, candidates, 0, undefined);
      },
      async close(): Promise<void> {
        await Promise.all([...verifiers.values()].map((v) => v.jwks.close()));
      },
    };
    return filter;
  };
}

/** The default jwt_authn factory. */
export const jwtAuthnFilterFactory: HttpFilterFactory = named('jwt_authn', createJwtAuthnFilterFactory());
