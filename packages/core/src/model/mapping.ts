import type {
  AddHeaderValue,
  CircuitBreakerSpec,
  CorsSpec,
  KeepaliveSpec,
  LabelSpecifier,
  LabelsSpec,
  LoadBalancerSpec,
  ResourceOf,
  RetryPolicySpec,
} from './common.js';

/** Health check for an upstream (endpoint resolver only). */
export interface HealthCheckSpec {
  healthCheck:
    | { http: { path: string; hostname?: string; expectedStatuses?: Array<{ min: number; max: number }> } }
    | { grpc: { upstreamName: string; authority?: string } };
  /** Duration string, default `3s`. */
  timeout?: string;
  /** Duration string, default `5s`. */
  interval?: string;
  /** Default 2. */
  unhealthyThreshold?: number;
  /** Default 1. */
  healthyThreshold?: number;
}

/**
 * Our extension (not part of Ambassador): per-Mapping settings only `@gateway` understands.
 * YAML key `gateway_sdk` (or `gatewaySdk`).
 */
export interface MappingSdkExtension {
  /**
   * A local (per gateway replica) token-bucket rate limit for this Mapping's route. `requestsPerUnit`
   * requests per `unit`, bursts up to `burst` (default `requestsPerUnit`).
   */
  rateLimit?: {
    requestsPerUnit: number;
    unit: 'second' | 'minute' | 'hour';
    burst?: number;
    responseHeaders?: boolean;
    /**
     * Key the bucket by request values, with the same specifiers as `labels`
     * (`remote_address`, `request_headers`, `generic_key`): one bucket per distinct descriptor.
     * Absent: one bucket for the route.
     */
    by?: LabelSpecifier[];
    /**
     * Share the limit across gateway replicas through Redis (in-process proxy only; Envoy keeps a
     * per-instance bucket). `failureModeDeny`: refuse requests while Redis is unreachable
     * (default false: allow them and log).
     */
    shared?: { redisUrl: string; prefix?: string; failureModeDeny?: boolean };
  };
  /**
   * Path matching semantics for `prefix` (used by the Ingress loader): `segment` makes `/foo`
   * match `/foo` and `/foo/x` but not `/foobar`.
   */
  prefixMatch?: 'string' | 'segment';
}

/**
 * Ambassador `Mapping` spec (getambassador.io/v3alpha1), camelCase. Field defaults are the ones
 * Emissary applies; see docs/ir.md for where `@gateway` deliberately differs.
 *
 * @example
 * ```ts
 * const spec: MappingSpec = { prefix: '/backend/', service: 'quote:80' };
 * ```
 */
export interface MappingSpec {
  /** URL path prefix to match. Required. */
  prefix: string;
  /** Treat `prefix` as an RE2 regex matched against the whole path. */
  prefixRegex?: boolean;
  /** Treat `prefix` as an exact path. */
  prefixExact?: boolean;
  /** Default true. */
  caseSensitive?: boolean;
  /** Upstream: `[http://|https://]name[.namespace][:port]`. Required. */
  service: string;
  /**
   * Replacement for the matched prefix. Default `"/"` for `prefix` matches (`/foo/bar` → `/bar`);
   * `""` disables rewriting. Exact and regex matches get no default rewrite.
   */
  rewrite?: string;
  /** RE2 substitution over the whole path; wins over `rewrite`. */
  regexRewrite?: { pattern: string; substitution: string };
  /** DNS glob (`*`, `*.example.com`, `api.*`, exact) matched against `:authority`; also selects Hosts. */
  hostname?: string;
  /** Deprecated in v3 (use `hostname`): exact `:authority` match, or regex with `hostRegex`. */
  host?: string;
  hostRegex?: boolean;
  /** HTTP method to match (exact, or regex with `methodRegex`). */
  method?: string;
  methodRegex?: boolean;
  /** Exact header matches; the value `true` (v2) means "present". */
  headers?: Record<string, string | boolean>;
  /** RE2 header matches. */
  regexHeaders?: Record<string, string>;
  /** Exact query-parameter matches; `true` means "present". */
  queryParameters?: Record<string, string | boolean>;
  /** RE2 query-parameter matches. */
  regexQueryParameters?: Record<string, string>;
  /** First ordering key: higher precedence routes are tried first. Default 0. */
  precedence?: number;
  /** Canary weight 0–100 among Mappings with the same match. */
  weight?: number;
  /** Mirror traffic to `service`; `weight` is the mirrored percentage (default 100). */
  shadow?: boolean;
  /** Redirect to `service` (as the new host) instead of proxying. */
  hostRedirect?: boolean;
  /** With `hostRedirect`: replace the whole path. */
  pathRedirect?: string;
  /** With `hostRedirect`: replace the matched prefix. */
  prefixRedirect?: string;
  /** With `hostRedirect`: RE2 substitution over the path. */
  regexRedirect?: { pattern: string; substitution: string };
  /** 301 (default), 302, 303, 307 or 308. */
  redirectResponseCode?: number;
  /** Literal `Host`/`:authority` sent upstream. */
  hostRewrite?: string;
  /** Use the upstream's hostname as `Host`. */
  autoHostRewrite?: boolean;
  /** Request timeout in ms; default Module `cluster_request_timeout_ms`, else 3000; 0 disables. */
  timeoutMs?: number;
  /** Stream idle timeout in ms. */
  idleTimeoutMs?: number;
  /** Upstream connect timeout in ms (default 3000). */
  connectTimeoutMs?: number;
  clusterIdleTimeoutMs?: number;
  clusterMaxConnectionLifetimeMs?: number;
  retryPolicy?: RetryPolicySpec;
  cors?: CorsSpec;
  circuitBreakers?: CircuitBreakerSpec[];
  loadBalancer?: LoadBalancerSpec;
  keepalive?: KeepaliveSpec;
  /** Skip the AuthService for this Mapping. */
  bypassAuth?: boolean;
  /** Extra context passed to the AuthService. */
  authContextExtensions?: Record<string, string>;
  /** Rate-limit descriptor recipes sent to the RateLimitService. */
  labels?: LabelsSpec;
  addRequestHeaders?: Record<string, AddHeaderValue>;
  addResponseHeaders?: Record<string, AddHeaderValue>;
  removeRequestHeaders?: string[] | string;
  removeResponseHeaders?: string[] | string;
  /** Upstream speaks gRPC (HTTP/2). */
  grpc?: boolean;
  /** Upgrade protocols to allow, e.g. `websocket`. */
  allowUpgrade?: string[];
  /** v2: same as `allowUpgrade: [websocket]`. */
  useWebsocket?: boolean;
  /** Name of a TLSContext used to originate TLS to the upstream (v2 also: boolean). */
  tls?: string | boolean;
  /** `kubernetes-service` (default) or `kubernetes-endpoint`. */
  resolver?: string;
  dnsType?: 'strict_dns' | 'logical_dns';
  respectDnsTtl?: boolean;
  /** Default true. */
  enableIpv4?: boolean;
  /** Default false. */
  enableIpv6?: boolean;
  /** Forces a distinct cluster (appears in its name). */
  clusterTag?: string;
  /** Upstream stats name (default: service with non-alphanumerics → `_`). */
  statsName?: string;
  /** Needs the `kubernetes-endpoint` resolver. */
  healthChecks?: HealthCheckSpec[];
  /** Add `l5d-dst-override: host:port`. */
  addLinkerdHeaders?: boolean;
  /** Routing priority: `default` or `high`. */
  priority?: string;
  /** Dev Portal only; ignored. */
  docs?: unknown;
  /** Not supported (rejected). */
  envoyOverride?: unknown;
  /** Not supported (rejected). */
  modules?: unknown;
  /** Not supported (rejected). */
  errorResponseOverrides?: unknown;
  bypassErrorResponseOverrides?: boolean;
  /** Not supported (rejected). */
  outlierDetection?: unknown;
  /** Which gateway instances read this resource; default `["default"]`. */
  ambassadorId?: string[] | string;
  /** v2→v3 round-trip bookkeeping; ignored. */
  v2ExplicitTLS?: unknown;
  v2BoolHeaders?: string[];
  v2BoolQueryParameters?: string[];
  /** Our extension (see {@link MappingSdkExtension}). */
  gatewaySdk?: MappingSdkExtension;
}

/** An Ambassador `Mapping`: one HTTP route (or one canary member of a route). */
export type Mapping = ResourceOf<'Mapping', MappingSpec>;

/** Ambassador `TCPMapping` spec. */
export interface TCPMappingSpec {
  /** Listener port. Required. */
  port: number;
  /** SNI host to match (TLS). */
  host?: string;
  /** Bind address. */
  address?: string;
  /** Upstream `name[.ns]:port`. Required. */
  service: string;
  /** Canary weight among TCPMappings on the same port/host. */
  weight?: number;
  /** TLSContext name (terminate) or `true` to originate. */
  tls?: string | boolean;
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  circuitBreakers?: CircuitBreakerSpec[];
  resolver?: string;
  clusterTag?: string;
  statsName?: string;
  enableIpv4?: boolean;
  enableIpv6?: boolean;
  ambassadorId?: string[] | string;
}

/** An Ambassador `TCPMapping`: a raw TCP route on a port. */
export type TCPMapping = ResourceOf<'TCPMapping', TCPMappingSpec>;
