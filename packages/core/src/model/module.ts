import type {
  CircuitBreakerSpec,
  CorsSpec,
  KeepaliveSpec,
  LoadBalancerSpec,
  ResourceOf,
  RetryPolicySpec,
} from './common.js';
import type { MappingSpec } from './mapping.js';

/**
 * The `ambassador` Module's `config`: gateway-wide settings and Mapping defaults.
 *
 * @example
 * ```ts
 * const config: ModuleConfig = { clusterRequestTimeoutMs: 5000, cors: { origins: ['*'] } };
 * ```
 */
export interface ModuleConfig {
  /** Default Mapping `timeout_ms` (else 3000). */
  clusterRequestTimeoutMs?: number;
  clusterIdleTimeoutMs?: number;
  clusterMaxConnectionLifetimeMs?: number;
  retryPolicy?: RetryPolicySpec;
  cors?: CorsSpec;
  /** Default circuit breakers for every Mapping (Emissary expects a list). */
  circuitBreakers?: CircuitBreakerSpec[] | CircuitBreakerSpec;
  loadBalancer?: LoadBalancerSpec;
  keepalive?: KeepaliveSpec;
  /** Default resolver name. */
  resolver?: string;
  /** RE2 program-size cap (default 200). */
  regexMaxSize?: number;
  /** Default true. */
  useRemoteAddress?: boolean;
  /** Default 0. */
  xffNumTrustedHops?: number;
  enableIpv4?: boolean;
  enableIpv6?: boolean;
  useAmbassadorNamespaceForServiceResolution?: boolean;
  /** Rate-limit domain for Mapping labels (default `ambassador`). */
  defaultLabelDomain?: string;
  /** Label groups prepended to every Mapping's labels, per domain. */
  defaultLabels?: Record<string, { defaults?: unknown[] }>;
  /** Defaults per resource class, e.g. `{ httpmapping: { add_request_headers: … } }`. */
  defaults?: { httpmapping?: Partial<MappingSpec> } & Record<string, unknown>;
  mergeSlashes?: boolean;
  stripMatchingHostPort?: boolean;
  bufferLimitBytes?: number;
  maxRequestHeadersKb?: number;
  ipAllow?: Array<{ peer?: string; remote?: string }>;
  ipDeny?: Array<{ peer?: string; remote?: string }>;
  suppressEnvoyHeaders?: boolean;
  pruneUnreachableRoutes?: boolean;
  headersWithUnderscoresAction?: 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';
  addLinkerdHeaders?: boolean;
  /** Module-level `diagnostics`, `envoy_log_*`, etc.: accepted and ignored. */
  [key: string]: unknown;
}

/** Ambassador `Module` spec. Only the Module named `ambassador` configures the gateway. */
export interface ModuleSpec {
  config: ModuleConfig;
  ambassadorId?: string[] | string;
}

/** An Ambassador `Module` (name `ambassador`). */
export type Module = ResourceOf<'Module', ModuleSpec>;
