import type { CircuitBreakerSpec, ResourceOf } from './common.js';

/**
 * Ambassador `AuthService` spec: an external authorization service (Envoy ext_authz).
 *
 * @example
 * ```ts
 * const spec: AuthServiceSpec = { authService: 'auth:3000', pathPrefix: '/extauth', allowedRequestHeaders: ['x-user'] };
 * ```
 */
export interface AuthServiceSpec {
  /** `[scheme://]host[:port]`. Required. */
  authService: string;
  /** `http` (default) or `grpc`. */
  proto?: 'http' | 'grpc';
  /** Must be `v3` for gRPC. */
  protocolVersion?: 'v2' | 'v3';
  /** Prepended to the original path in HTTP mode. */
  pathPrefix?: string;
  /** Default 5000. */
  timeoutMs?: number;
  allowedRequestHeaders?: string[];
  allowedAuthorizationHeaders?: string[];
  addAuthHeaders?: Record<string, string>;
  /** Send the request body (up to `maxBytes`). */
  includeBody?: { maxBytes: number; allowPartial: boolean };
  /** Status when the auth service fails (default 403). */
  statusOnError?: { code: number };
  /** Allow the request when the auth service is unreachable. */
  failureModeAllow?: boolean;
  /** TLSContext name, or true to originate TLS. */
  tls?: string | boolean;
  circuitBreakers?: CircuitBreakerSpec[];
  statsName?: string;
  addLinkerdHeaders?: boolean;
  ambassadorId?: string[] | string;
}

/** An Ambassador `AuthService`. */
export type AuthService = ResourceOf<'AuthService', AuthServiceSpec>;

/**
 * Ambassador `RateLimitService` spec: a gRPC rate-limit service (Envoy RLS v3).
 *
 * @example
 * ```ts
 * const spec: RateLimitServiceSpec = { service: 'ratelimit:8081', protocolVersion: 'v3' };
 * ```
 */
export interface RateLimitServiceSpec {
  /** `host[:port]`. Required. */
  service: string;
  /** Descriptor domain; default Module `default_label_domain`, else `ambassador`. */
  domain?: string;
  /** Must be `v3`. */
  protocolVersion?: 'v2' | 'v3';
  /** Default 20. */
  timeoutMs?: number;
  /** Reject requests when the service is unreachable (default false = allow). */
  failureModeDeny?: boolean;
  grpc?: { useResourceExhaustedCode?: boolean };
  tls?: string | boolean;
  statsName?: string;
  ambassadorId?: string[] | string;
}

/** An Ambassador `RateLimitService`. */
export type RateLimitService = ResourceOf<'RateLimitService', RateLimitServiceSpec>;
