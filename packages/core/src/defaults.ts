/**
 * Facts the core and the adapters share: what an auth configuration means when it leaves
 * something out. One definition here keeps the Envoy emitter and the in-process proxy sending and
 * accepting the same things.
 *
 * @module
 */

/**
 * JWT `alg` values with a public key (RSA, RSA-PSS, ECDSA, EdDSA): what a provider accepts when
 * it lists no algorithms. No HMAC, and never `none`.
 *
 * @example
 * ```ts
 * const algs = provider.algorithms.length > 0 ? provider.algorithms : DEFAULT_JWT_ALGORITHMS;
 * ```
 */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/**
 * Every JWT `alg` a `JwtProvider` may list: the asymmetric defaults plus the HMAC ones (a shared
 * secret must be asked for explicitly).
 *
 * @example
 * ```ts
 * JWT_ALGORITHMS.includes('HS256'); // true
 * ```
 */
export const JWT_ALGORITHMS: readonly string[] = [...DEFAULT_JWT_ALGORITHMS, 'HS256', 'HS384', 'HS512'];

/**
 * Request headers sent to an HTTP auth service (`AuthService`) when it lists none: Emissary's
 * defaults.
 *
 * @example
 * ```ts
 * const headers = cfg.allowedRequestHeaders.length > 0 ? cfg.allowedRequestHeaders : DEFAULT_AUTH_REQUEST_HEADERS;
 * ```
 */
export const DEFAULT_AUTH_REQUEST_HEADERS: readonly string[] = [
  'authorization',
  'cookie',
  'from',
  'proxy-authorization',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
];

/**
 * Request headers an HTTP auth service always gets, on top of the listed or default ones.
 *
 * @example
 * ```ts
 * const sent = [...DEFAULT_AUTH_REQUEST_HEADERS, ...AUTH_ALWAYS_SENT_HEADERS];
 * ```
 */
export const AUTH_ALWAYS_SENT_HEADERS: readonly string[] = [
  'authorization',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
];
