import type { MappingSelectorSpec, ResourceOf } from './common.js';

/** Where a JWT is read from. */
export type TokenLocation = { header: string; prefix?: string } | { query: string } | { cookie: string };

/**
 * `JwtProvider` (apiVersion `gateway.sdk/v1alpha1`, our kind): validates JSON Web Tokens on the
 * selected routes. Compiles to IR `filters.jwt` plus per-route `auth.jwtProviders`.
 *
 * @example
 * ```ts
 * const spec: JwtProviderSpec = {
 *   issuer: 'https://issuer.example', audiences: ['api'], jwksUri: 'https://issuer.example/.well-known/jwks.json',
 * };
 * ```
 */
export interface JwtProviderSpec {
  /** Required `iss` (absent only with the `kubernetesServiceAccount` preset). */
  issuer?: string;
  /** Accepted `aud` values; empty = any. */
  audiences?: string[];
  /** Remote JWKS (https). Exactly one of `jwksUri` / `jwks` unless the preset supplies it. */
  jwksUri?: string;
  /** Inline JWKS (JSON text or object). */
  jwks?: string | { keys: unknown[] };
  /** JWKS cache duration in seconds (default 600). */
  jwksCacheDurationSeconds?: number;
  /** Token locations, in order. Default `Authorization: Bearer`. */
  from?: TokenLocation[];
  /** Copy claims into upstream request headers. */
  claimToHeaders?: Array<{ claim: string; header: string }>;
  /** Allowed algorithms (default RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA). `none` is never allowed. */
  algorithms?: string[];
  /** Allowed clock skew, default 60. */
  clockSkewSeconds?: number;
  /** Forward the token upstream (default true). */
  forward?: boolean;
  /** When false, requests without a token pass (a present token must still be valid). Default true. */
  required?: boolean;
  /** Which routes require this provider; absent = every route. */
  selector?: MappingSelectorSpec;
  /**
   * Preset for Kubernetes ServiceAccount tokens (projected, audience-bound). Fills `issuer`
   * (default `https://kubernetes.default.svc.cluster.local`) and `jwksUri` (default
   * `https://kubernetes.default.svc/openid/v1/jwks`); principals become
   * `system:serviceaccount:<namespace>:<name>`. `audiences` must be set.
   */
  kubernetesServiceAccount?: { issuer?: string; jwksUri?: string };
}

/** A `JwtProvider` resource. */
export type JwtProvider = ResourceOf<'JwtProvider', JwtProviderSpec>;

/** One rule of an AuthorizationPolicy: every present condition must hold (AND); rules are OR-ed. */
export interface AuthorizationRuleSpec {
  /** Authenticated principals (`sub` or `system:serviceaccount:ns:name`); `*` = any authenticated. */
  principals?: string[];
  notPrincipals?: string[];
  /** Namespaces of Kubernetes ServiceAccount principals. */
  namespaces?: string[];
  /** Client IPs or CIDRs. */
  sourceIPs?: string[];
  notSourceIPs?: string[];
  /** Request hosts (globs). */
  hosts?: string[];
  methods?: string[];
  notMethods?: string[];
  /** Exact `/a`, prefix `/a/*`, suffix `*.json`, or `*`. */
  paths?: string[];
  notPaths?: string[];
  /** Header name → accepted values. */
  headers?: Record<string, string[] | string>;
}

/**
 * `AuthorizationPolicy` (apiVersion `gateway.sdk/v1alpha1`, our kind, modelled on Istio's):
 * ALLOW or DENY requests matching any rule. Compiles to IR `filters.authorization` plus per-route
 * `authorizationPolicies`.
 *
 * @example
 * ```ts
 * const spec: AuthorizationPolicySpec = { action: 'ALLOW', rules: [{ principals: ['system:serviceaccount:ops:deployer'], methods: ['POST'] }] };
 * ```
 */
export interface AuthorizationPolicySpec {
  /** Default ALLOW. */
  action?: 'ALLOW' | 'DENY';
  rules: AuthorizationRuleSpec[];
  /** Which routes the policy applies to; absent = the whole gateway. */
  selector?: MappingSelectorSpec;
}

/** An `AuthorizationPolicy` resource. */
export type AuthorizationPolicy = ResourceOf<'AuthorizationPolicy', AuthorizationPolicySpec>;
