import type { SourceLocation } from '../diagnostics.js';

/**
 * Kubernetes-style object metadata, normalised: loaders and builders always fill every field
 * (`namespace` defaults to the load option `defaultNamespace`, else `default`).
 */
export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The common shape of every resource: a Kubernetes object whose `spec` uses camelCase field
 * names (loaders translate Ambassador's snake_case names).
 */
export interface ResourceOf<K extends string, S> {
  /** The apiVersion the resource was written in, e.g. `getambassador.io/v3alpha1`. */
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  /** Where the resource came from (file, line, column of its document). */
  source?: SourceLocation;
}

/** A reference to a TLS certificate secret (Kubernetes `Secret` of type `kubernetes.io/tls`). */
export interface SecretRef {
  name: string;
  /** Defaults to the referring resource's namespace. */
  namespace?: string;
}

/** Kubernetes label selector (only `matchLabels` is honoured by Ambassador). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/** Circuit-breaker thresholds for one routing priority (Ambassador `circuit_breakers[]`). */
export interface CircuitBreakerSpec {
  /** `default` (the default) or `high`. */
  priority?: 'default' | 'high';
  /** Default 1024. */
  maxConnections?: number;
  /** Default 1024. */
  maxPendingRequests?: number;
  /** Default 1024. */
  maxRequests?: number;
  /** Default 3. */
  maxRetries?: number;
}

/** Retry policy (Ambassador `retry_policy`). */
export interface RetryPolicySpec {
  /** One of `5xx`, `gateway-error`, `connect-failure`, `retriable-4xx`, `refused-stream`, `retriable-status-codes` (or a comma-separated list). */
  retryOn?: string;
  /** Default 1. */
  numRetries?: number;
  /** Duration string such as `"0.5s"` or `"250ms"`; absent = the route timeout. */
  perTryTimeout?: string;
}

/** CORS policy (Ambassador `cors`). */
export interface CorsSpec {
  /** Allowed origins: exact (`https://a.example`), `*`, or globs like `https://*.example.com`. v2 also accepts a comma-separated string. */
  origins?: string[] | string;
  methods?: string[] | string;
  headers?: string[] | string;
  credentials?: boolean;
  exposedHeaders?: string[] | string;
  /** Seconds, as a string or a number. */
  maxAge?: string | number;
}

/** Load-balancer policy (Ambassador `load_balancer`). */
export interface LoadBalancerSpec {
  policy: 'round_robin' | 'least_request' | 'ring_hash' | 'maglev';
  /** Hash on a cookie (ring_hash / maglev only). */
  cookie?: { name: string; path?: string; ttl?: string };
  /** Hash on a request header (ring_hash / maglev only). */
  header?: string;
  /** Hash on the client address (ring_hash / maglev only). */
  sourceIp?: boolean;
}

/** TCP keepalive for upstream connections (Ambassador `keepalive`). */
export interface KeepaliveSpec {
  probes?: number;
  /** Seconds of idleness before the first probe. (Emissary ignores this field; we don't.) */
  idleTime?: number;
  /** Seconds between probes. */
  interval?: number;
}

/** A header value to add: a string, or `{value, append}` (append defaults to true). */
export type AddHeaderValue = string | { value: string; append?: boolean };

/** One rate-limit label specifier (v3alpha1 form). */
export type LabelSpecifier =
  | { sourceCluster: { key?: string } }
  | { destinationCluster: { key?: string } }
  | { remoteAddress: { key?: string } }
  | { genericKey: { value: string; key?: string } }
  | { requestHeaders: { headerName: string; key?: string; omitIfNotPresent?: boolean } };

/**
 * Rate-limit labels: `{ domain: [ { groupName: [specifier, …] } ] }`. Each group becomes one
 * descriptor recipe sent to the RateLimitService.
 */
export type LabelsSpec = Record<string, Array<Record<string, LabelSpecifier[]>>>;

/** Which Mappings an SDK policy applies to. Absent selector = the whole gateway. */
export interface MappingSelectorSpec {
  /** Mapping names: `name` (same namespace as the policy) or `namespace/name`. */
  names?: string[];
  /** Mappings whose `metadata.labels` contain all of these. */
  matchLabels?: Record<string, string>;
}
