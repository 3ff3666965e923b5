import type { AuthService, RateLimitService } from './auth-service.js';
import type { Host } from './host.js';
import type { Listener } from './listener.js';
import type { Mapping, TCPMapping } from './mapping.js';
import type { Module } from './module.js';
import type { AuthorizationPolicy, JwtProvider } from './sdk-auth.js';
import type { TLSContext } from './tls-context.js';

/** Every resource kind the core understands, discriminated on `kind`. */
export type Resource =
  | Mapping
  | Host
  | Listener
  | Module
  | AuthService
  | RateLimitService
  | TLSContext
  | TCPMapping
  | JwtProvider
  | AuthorizationPolicy;

/** The `kind` values of {@link Resource}. */
export type ResourceKind = Resource['kind'];

/** Resource kinds in a fixed order (used for deterministic output). */
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'Module',
  'Listener',
  'Host',
  'TLSContext',
  'AuthService',
  'RateLimitService',
  'JwtProvider',
  'AuthorizationPolicy',
  'Mapping',
  'TCPMapping',
];

/** The apiVersion of the SDK's own kinds. */
export const SDK_API_VERSION = 'gateway.sdk/v1alpha1';
/** The apiVersion resources are normalised to. */
export const AMBASSADOR_API_VERSION = 'getambassador.io/v3alpha1';
