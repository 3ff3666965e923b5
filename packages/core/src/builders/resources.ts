import type {
  AuthService,
  AuthServiceSpec,
  RateLimitService,
  RateLimitServiceSpec,
} from '../model/auth-service.js';
import type { ResourceOf } from '../model/common.js';
import type { Host, HostSpec } from '../model/host.js';
import type { Listener, ListenerSpec } from '../model/listener.js';
import type { TCPMapping, TCPMappingSpec } from '../model/mapping.js';
import type { Module, ModuleConfig } from '../model/module.js';
import { AMBASSADOR_API_VERSION, SDK_API_VERSION } from '../model/resource.js';
import type {
  AuthorizationPolicy,
  AuthorizationPolicySpec,
  JwtProvider,
  JwtProviderSpec,
} from '../model/sdk-auth.js';
import type { TLSContext, TLSContextSpec } from '../model/tls-context.js';
import type { MetaOptions } from './mapping.js';

function make<K extends string, S>(
  apiVersion: string,
  kind: K,
  name: string,
  spec: S,
  meta: MetaOptions,
): ResourceOf<K, S> {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: meta.namespace ?? 'default',
      labels: { ...meta.labels },
      annotations: { ...meta.annotations },
    },
    spec: structuredClone(spec),
  };
}

/** Host TLS is a certificate secret, or a TLSContext, or inline settings with a secret; never tls + tlsContext. */
export type HostInit = Omit<HostSpec, 'tls' | 'tlsContext' | 'selector'> &
  ({ tlsContext?: { name: string }; tls?: never } | { tls?: HostSpec['tls']; tlsContext?: never });

/**
 * A typed `Host`.
 *
 * @example
 * ```ts
 * host('example', { hostname: 'example.com', tlsSecret: { name: 'example-com-tls' } });
 * ```
 */
export function host(name: string, spec: HostInit, meta: MetaOptions = {}): Host {
  return make(AMBASSADOR_API_VERSION, 'Host', name, spec as HostSpec, meta);
}

/** Listener protocol is either `protocol` or `protocolStack`, not both. */
export type ListenerInit = Omit<ListenerSpec, 'protocol' | 'protocolStack'> &
  (
    | { protocol: NonNullable<ListenerSpec['protocol']>; protocolStack?: never }
    | { protocolStack: string[]; protocol?: never }
  );

/**
 * A typed `Listener`.
 *
 * @example
 * ```ts
 * listener('http', { port: 8080, protocol: 'HTTP', securityModel: 'XFP', hostBinding: { namespace: { from: 'ALL' } } });
 * ```
 */
export function listener(name: string, spec: ListenerInit, meta: MetaOptions = {}): Listener {
  return make(AMBASSADOR_API_VERSION, 'Listener', name, spec as ListenerSpec, meta);
}

/**
 * The `ambassador` Module.
 *
 * @example
 * ```ts
 * module({ clusterRequestTimeoutMs: 5000 });
 * ```
 */
export function module(config: ModuleConfig, meta: MetaOptions = {}): Module {
  return make(AMBASSADOR_API_VERSION, 'Module', 'ambassador', { config }, meta);
}

/**
 * A typed `AuthService`.
 *
 * @example
 * ```ts
 * authService('auth', { authService: 'auth:3000', pathPrefix: '/extauth' });
 * ```
 */
export function authService(name: string, spec: AuthServiceSpec, meta: MetaOptions = {}): AuthService {
  return make(AMBASSADOR_API_VERSION, 'AuthService', name, spec, meta);
}

/**
 * A typed `RateLimitService`.
 *
 * @example
 * ```ts
 * rateLimitService('ratelimit', { service: 'ratelimit:8081', protocolVersion: 'v3' });
 * ```
 */
export function rateLimitService(
  name: string,
  spec: RateLimitServiceSpec,
  meta: MetaOptions = {},
): RateLimitService {
  return make(AMBASSADOR_API_VERSION, 'RateLimitService', name, spec, meta);
}

/**
 * A typed `TLSContext`.
 *
 * @example
 * ```ts
 * tlsContext('upstream', { caSecret: 'internal-ca', sni: 'backend.internal' });
 * ```
 */
export function tlsContext(name: string, spec: TLSContextSpec, meta: MetaOptions = {}): TLSContext {
  return make(AMBASSADOR_API_VERSION, 'TLSContext', name, spec, meta);
}

/**
 * A typed `TCPMapping`.
 *
 * @example
 * ```ts
 * tcpMapping('postgres', { port: 5432, service: 'postgres:5432' });
 * ```
 */
export function tcpMapping(name: string, spec: TCPMappingSpec, meta: MetaOptions = {}): TCPMapping {
  return make(AMBASSADOR_API_VERSION, 'TCPMapping', name, spec, meta);
}

/** JWKS comes from exactly one place: a URI, inline keys, or the Kubernetes preset. */
export type JwtProviderInit = Omit<JwtProviderSpec, 'jwksUri' | 'jwks' | 'kubernetesServiceAccount'> &
  (
    | { jwksUri: string; jwks?: never; kubernetesServiceAccount?: never }
    | { jwks: JwtProviderSpec['jwks']; jwksUri?: never; kubernetesServiceAccount?: never }
    | {
        kubernetesServiceAccount: NonNullable<JwtProviderSpec['kubernetesServiceAccount']>;
        audiences: string[];
        jwksUri?: never;
        jwks?: never;
      }
  );

/**
 * A `JwtProvider` (gateway.sdk/v1alpha1).
 *
 * @example
 * ```ts
 * jwtProvider('cluster-sa', { kubernetesServiceAccount: {}, audiences: ['https://gateway.example'] });
 * ```
 */
export function jwtProvider(name: string, spec: JwtProviderInit, meta: MetaOptions = {}): JwtProvider {
  return make(SDK_API_VERSION, 'JwtProvider', name, spec as JwtProviderSpec, meta);
}

/**
 * An `AuthorizationPolicy` (gateway.sdk/v1alpha1).
 *
 * @example
 * ```ts
 * authorizationPolicy('deployers-only', { action: 'ALLOW', rules: [{ principals: ['system:serviceaccount:ci:deployer'] }],
 *   selector: { matchLabels: { tier: 'admin' } } });
 * ```
 */
export function authorizationPolicy(
  name: string,
  spec: AuthorizationPolicySpec,
  meta: MetaOptions = {},
): AuthorizationPolicy {
  return make(SDK_API_VERSION, 'AuthorizationPolicy', name, spec, meta);
}
