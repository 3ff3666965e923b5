/**
 * GatewayIR: the one intermediate representation every adapter consumes.
 *
 * Rules that keep both data planes honest:
 * - Plain, JSON-serialisable data only (no Maps, classes, functions, `undefined` values or
 *   non-finite numbers). Optional fields are omitted, never `undefined`.
 * - Deterministic: the compiler emits arrays in a defined order and objects with a fixed key
 *   order, so the same input produces byte-identical `JSON.stringify(ir)`.
 * - Every value is already defaulted and resolved: adapters never re-apply Ambassador defaults,
 *   never look at Modules, never parse `service` strings. If an adapter needs to guess, the IR is
 *   missing a field.
 * - Durations are integer milliseconds (`...Ms`), sizes integer bytes. `0` means "disabled"
 *   where the field's doc says so.
 *
 * @module
 */

/** Names a user resource, for diagnostics and provenance. */
export interface ResourceRef {
  kind: string;
  namespace: string;
  name: string;
}

/** The whole compiled gateway. */
export interface GatewayIR {
  /** IR schema version; bumped on incompatible changes. */
  schema: 'gateway.ir/v1';
  /** Content hash of everything below (sha256 hex, first 16 chars). Same input, same version. */
  version: string;
  /** Connection-manager settings shared by every listener (from the `ambassador` Module). */
  settings: IRSettings;
  /** Listeners in ascending port order. */
  listeners: IRListener[];
  /** Every cluster referenced by a route, a mirror, or a filter, sorted by name. */
  clusters: IRCluster[];
  /** TLS material referenced by listeners and clusters, sorted by name. */
  secrets: IRSecret[];
  /** Gateway-wide HTTP filters (auth, JWT, RBAC, rate limits), in execution order semantics. */
  filters: IRFilters;
  /** TCP (L4) routes from TCPMappings, sorted by port then name. */
  tcpRoutes: IRTcpRoute[];
}

// ---------------------------------------------------------------------------------------------
// Settings

export interface IRSettings {
  /** Trust X-Forwarded-For only for this many hops from the right (Module `xff_num_trusted_hops`). */
  xffNumTrustedHops: number;
  /** Use the socket peer as the client address (Module `use_remote_address`, default true). */
  useRemoteAddress: boolean;
  /** RFC 3986 dot-segment normalisation before matching (default true). */
  normalizePath: boolean;
  /** Merge `//` into `/` before matching (Module `merge_slashes`, default true here). */
  mergeSlashes: boolean;
  /** What to do with `%2F`, `%5C` in paths (default 'reject'). */
  escapedSlashesAction: 'reject' | 'keep' | 'unescape-and-redirect' | 'unescape-and-forward';
  /** Reject header names with underscores, drop them, or allow (Module `headers_with_underscores_action`). */
  headersWithUnderscoresAction: 'allow' | 'reject' | 'drop';
  /** Request header size limit in KiB (Module `max_request_headers_kb`, default 60). 431 above it. */
  maxRequestHeadersKb: number;
  /** Max request body in bytes; 0 = unlimited (Module `buffer_limit_bytes`). 413 above it. */
  maxRequestBodyBytes: number;
  /** Time allowed to receive all request headers (slowloris guard). Default 10000. */
  requestHeadersTimeoutMs: number;
  /** Stream idle timeout. Default 300000. */
  streamIdleTimeoutMs: number;
  /** Downstream connection idle timeout. Default 3600000. */
  connectionIdleTimeoutMs: number;
  /** Drain period on shutdown or listener removal. Default 5000. */
  drainTimeoutMs: number;
  /** Strip `:port` from Host before vhost matching (Module `strip_matching_host_port`). */
  stripHostPort: boolean;
  /** Max concurrent HTTP/2 streams per connection (rapid-reset guard). Default 100. */
  http2MaxConcurrentStreams: number;
  /** Program-size cap for RE2 regexes (Module `regex_max_size`, default 200). */
  regexMaxProgramSize: number;
  /** Suppress `x-envoy-*` style gateway headers on responses. */
  suppressGatewayHeaders: boolean;
  /** Source-IP allow/deny lists (Module `ip_allow` / `ip_deny`), CIDR strings. */
  ipAllow: string[];
  ipDeny: string[];
}

// ---------------------------------------------------------------------------------------------
// Listeners and virtual hosts

export interface IRListener {
  /** Unique, stable name, e.g. `listener-8080`. */
  name: string;
  address: string;
  port: number;
  /** `http`: cleartext HTTP/1.1 + h2c; `https`: TLS with ALPN h2/http1.1; `tcp`/`tls`: L4 only. */
  protocol: 'http' | 'https' | 'tcp' | 'tls';
  /** Emissary securityModel: how to decide whether a request is "secure". */
  securityModel: 'XFP' | 'SECURE' | 'INSECURE';
  /** Stats prefix for metrics. */
  statsPrefix: string;
  /**
   * Virtual hosts served on this listener. Domains are unique across the listener; at most one
   * vhost has the `*` domain and it is last. Order: exact domains, then longer wildcards first.
   */
  virtualHosts: IRVirtualHost[];
  /**
   * TLS server names for `https` listeners: one entry per SNI name (certificate per Host).
   * The entry with `serverNames: []` (if any) is the default certificate.
   */
  tls: IRListenerTls[];
}

export interface IRListenerTls {
  /** SNI names (exact or `*.suffix`); empty = default chain. */
  serverNames: string[];
  /** Name of an {@link IRSecret} holding the certificate and key. */
  secret: string;
  minVersion?: 'v1.0' | 'v1.1' | 'v1.2' | 'v1.3';
  maxVersion?: 'v1.0' | 'v1.1' | 'v1.2' | 'v1.3';
  alpnProtocols: string[];
  cipherSuites?: string[];
  ecdhCurves?: string[];
  /** Require and verify client certificates against this CA secret. */
  clientCaSecret?: string;
  requireClientCertificate: boolean;
}

export interface IRVirtualHost {
  /** Unique within the listener, e.g. `listener-8080/example.com`. */
  name: string;
  /** Host globs: exact `a.example`, suffix `*.example`, prefix `api.*`, or `*`. */
  domains: string[];
  /** What to do with requests that are not secure (per securityModel). */
  insecure: 'route' | 'redirect' | 'reject';
  /** Routes in match order; the first match wins. */
  routes: IRRoute[];
}

// ---------------------------------------------------------------------------------------------
// Routes

/** A string matcher with RE2 semantics for `regex` (full match). */
export type IRStringMatch =
  | { exact: string; ignoreCase?: boolean }
  | { prefix: string; ignoreCase?: boolean }
  | { suffix: string; ignoreCase?: boolean }
  | { contains: string; ignoreCase?: boolean }
  | { regex: string };

export interface IRHeaderMatch {
  /** Lower-case header name; `:method` and `:authority` are allowed pseudo-headers. */
  name: string;
  /** Absent = the header must be present (any value). */
  match?: IRStringMatch;
  /** Match when the header is absent / does not match. */
  invert?: boolean;
}

export interface IRQueryMatch {
  name: string;
  /** Absent = the parameter must be present. */
  match?: IRStringMatch;
}

export type IRPathMatch =
  /** Plain string prefix (Ambassador `prefix`): `/foo` matches `/foobar`. */
  | { kind: 'prefix'; value: string }
  /** Segment-aware prefix (Ingress `Prefix`, Gateway API PathPrefix): `/foo` matches `/foo`, `/foo/x`, not `/foobar`. */
  | { kind: 'segment-prefix'; value: string }
  /** Exact path, query excluded. */
  | { kind: 'exact'; value: string }
  /** RE2 full match of the path (query excluded). */
  | { kind: 'regex'; value: string };

export interface IRRouteMatch {
  path: IRPathMatch;
  /** Default true. */
  caseSensitive: boolean;
  /** All must match (AND). Method matches appear as `:method` headers; host_regex as `:authority`. */
  headers: IRHeaderMatch[];
  /** All must match (AND). */
  queryParams: IRQueryMatch[];
  /**
   * Cumulative runtime fraction in percent (0–100], used only when canary members differ in
   * route-level attributes and cannot share one weighted route. Per request the data plane draws
   * one number r in [0, 100) and this route matches only if r < fraction. Same semantics as
   * Envoy's runtime_fraction with a shared random value. Absent = always.
   */
  fraction?: number;
  /** Only match when the request is (true) or is not (false) secure. Absent = either. */
  secure?: boolean;
}

export interface IRHeaderValue {
  name: string;
  value: string;
  /** true: append to existing values; false: overwrite. */
  append: boolean;
}

export interface IRHeaderOps {
  add: IRHeaderValue[];
  remove: string[];
}

export interface IRWeightedCluster {
  /** Name of an {@link IRCluster}. */
  cluster: string;
  /** Integer share. The weights of one route sum to 100 (or are all 0 = no traffic). */
  weight: number;
  /** Per-backend host rewrite (canary members may differ). */
  hostRewrite?: string;
  /** Per-backend request headers (canary members may differ). */
  requestHeaders?: IRHeaderOps;
  /** Which resource contributed this backend. */
  source?: ResourceRef;
}

export type IRPathRewrite =
  /** Replace the matched prefix with `value` (Ambassador `rewrite`). */
  | { kind: 'prefix'; value: string }
  /** RE2 regex substitution over the whole path (Ambassador `regex_rewrite`); `\1` backrefs in substitution. */
  | { kind: 'regex'; pattern: string; substitution: string }
  /** Replace the whole path. */
  | { kind: 'full'; value: string };

export interface IRRetryPolicy {
  /** Conditions: 5xx, gateway-error, connect-failure, retriable-4xx, refused-stream, reset, retriable-status-codes, and gRPC ones. */
  retryOn: string[];
  numRetries: number;
  /** 0 = use the route timeout. */
  perTryTimeoutMs: number;
  retriableStatusCodes: number[];
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Retry non-idempotent methods too (off by default in the proxy). */
  retryNonIdempotent: boolean;
}

export interface IRMirror {
  cluster: string;
  /** 0–100. */
  percent: number;
}

export type IRHashPolicy =
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string; path?: string; ttlMs?: number }
  | { kind: 'source-ip' };

export interface IRCorsPolicy {
  /** Origin matchers; `{exact: '*'}` means any origin. */
  allowOrigins: IRStringMatch[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  /** Seconds; absent = not sent. */
  maxAgeSeconds?: number;
}

/** One rate-limit descriptor recipe, from Mapping `labels`. */
export interface IRRateLimitAction {
  /** Rate-limit domain (Module `default_label_domain`, default `ambassador`). */
  domain: string;
  /** Descriptor entries, in order. */
  entries: IRRateLimitEntry[];
}

export type IRRateLimitEntry =
  | { kind: 'source-cluster' }
  | { kind: 'destination-cluster' }
  | { kind: 'remote-address' }
  | { kind: 'request-header'; header: string; key: string; omitIfNotPresent: boolean }
  | { kind: 'generic'; key: string; value: string };

export interface IRRouteAuth {
  /** Skip external authorization for this route (`bypass_auth`). */
  bypassExtAuthz: boolean;
  /** Extra context passed to the auth service (`auth_context_extensions`), sorted by key. */
  contextExtensions: Record<string, string>;
  /** JWT providers required on this route (names of {@link IRJwtProvider}); empty = none. */
  jwtProviders: string[];
  /** JWT optional: verify if present, allow if absent. */
  jwtOptional: boolean;
}

export interface IRRouteActionForward {
  kind: 'forward';
  /** One or more backends with integer weights summing to 100. */
  clusters: IRWeightedCluster[];
  rewrite?: IRPathRewrite;
  /** Literal authority to send upstream (`host_rewrite`). */
  hostRewrite?: string;
  /** Use the upstream endpoint's hostname as authority (`auto_host_rewrite`). */
  autoHostRewrite: boolean;
  /** Whole-request timeout including retries; 0 = none. */
  timeoutMs: number;
  /** Per-stream idle timeout; 0 = listener default. */
  idleTimeoutMs: number;
  retry?: IRRetryPolicy;
  mirrors: IRMirror[];
  /** Upgrade protocols allowed on this route, e.g. `websocket`. */
  upgrades: string[];
  hashPolicy?: IRHashPolicy;
  /** Upstream is gRPC (HTTP/2, trailers, gRPC-style errors). */
  grpc: boolean;
  /** Routing priority class. */
  priority: 'default' | 'high';
}

export interface IRRouteActionRedirect {
  kind: 'redirect';
  /** Replace the authority. */
  host?: string;
  scheme?: 'http' | 'https';
  port?: number;
  path?: IRPathRewrite;
  /** 301, 302, 303, 307, 308. */
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface IRRouteActionDirect {
  kind: 'direct';
  status: number;
  body?: string;
  contentType?: string;
}

export type IRRouteAction = IRRouteActionForward | IRRouteActionRedirect | IRRouteActionDirect;

export interface IRRoute {
  /** Unique, stable name, e.g. `default/quote-backend` or `default/quote-backend#1` for split canaries. */
  name: string;
  /** Mapping group id (sha1 of the match, as Emissary computes it). */
  group: string;
  /** The user resources this route was compiled from. */
  sources: ResourceRef[];
  match: IRRouteMatch;
  action: IRRouteAction;
  requestHeaders: IRHeaderOps;
  responseHeaders: IRHeaderOps;
  cors?: IRCorsPolicy;
  auth: IRRouteAuth;
  /** Global rate-limit descriptor recipes (sent to the RateLimitService). */
  rateLimits: IRRateLimitAction[];
  /** Local rate limit for this route, if any. */
  localRateLimit?: IRLocalRateLimit;
  /** Names of authorization policies (in {@link IRFilters.authorization}) that apply to this route. */
  authorizationPolicies: string[];
  /** Stats name for per-route metrics. */
  statsName: string;
}

// ---------------------------------------------------------------------------------------------
// Clusters

export interface IREndpoint {
  /** IP literal or hostname. */
  address: string;
  port: number;
  /** Default 1. */
  weight: number;
  /** Zone/locality label, '' when unknown. */
  zone: string;
  health: 'unknown' | 'healthy' | 'unhealthy' | 'draining';
}

export type IRDiscovery =
  /** Endpoints are known (from EndpointSlices, `--resolve`, or IP-literal services). */
  | { kind: 'static'; endpoints: IREndpoint[] }
  /** Resolve a DNS name: strict = every address is an endpoint; logical = first address per connection. */
  | { kind: 'dns'; host: string; port: number; mode: 'strict' | 'logical'; respectDnsTtl: boolean }
  /** Endpoints arrive later from discovery (Kubernetes endpoints); the IR lists what is known now. */
  | { kind: 'eds'; serviceName: string; endpoints: IREndpoint[] };

export interface IRCircuitBreaker {
  priority: 'default' | 'high';
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

export interface IRHealthCheck {
  timeoutMs: number;
  intervalMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  check:
    | { kind: 'http'; path: string; host?: string; expectedStatuses: Array<[number, number]> }
    | { kind: 'grpc'; serviceName?: string; authority?: string }
    | { kind: 'tcp' };
}

export interface IROutlierDetection {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
}

export interface IRUpstreamTls {
  /** SNI to send; default the service host. */
  sni?: string;
  /** Client certificate secret (mTLS origination). */
  clientSecret?: string;
  /** CA secret to verify the upstream; absent = system trust store. */
  caSecret?: string;
  /** Verify the upstream certificate (default true). */
  verify: boolean;
  alpnProtocols: string[];
}

export interface IRCluster {
  /** Emissary-style cluster name, e.g. `cluster_quote_default`. Unique. */
  name: string;
  /** The service as written, after namespace qualification, e.g. `quote.default:80`. */
  service: string;
  discovery: IRDiscovery;
  /** Upstream protocol: http1, http2 (gRPC), or auto (ALPN on TLS, else http1). */
  protocol: 'http1' | 'http2' | 'auto';
  tls?: IRUpstreamTls;
  lbPolicy: 'round_robin' | 'least_request' | 'ring_hash' | 'maglev' | 'random';
  connectTimeoutMs: number;
  /** Upstream connection idle timeout; 0 = default. */
  idleTimeoutMs: number;
  /** Max upstream connection lifetime; 0 = unlimited. */
  maxConnectionLifetimeMs: number;
  circuitBreakers: IRCircuitBreaker[];
  healthChecks: IRHealthCheck[];
  outlierDetection?: IROutlierDetection;
  tcpKeepalive?: { probes?: number; idleTimeS?: number; intervalS?: number };
  dnsLookupFamily: 'v4' | 'v6' | 'auto' | 'all';
  statsName: string;
}

export interface IRSecret {
  /** Unique name, e.g. `default/example-com-tls`. */
  name: string;
  /** PEM certificate chain, inline or file path. */
  certificateChain?: { inline: string } | { file: string };
  privateKey?: { inline: string } | { file: string };
  /** PEM CA bundle for validating peers. */
  trustedCa?: { inline: string } | { file: string };
  /** When the material lives in a Kubernetes Secret the IR could not read. */
  kubernetesSecret?: { namespace: string; name: string };
}

// ---------------------------------------------------------------------------------------------
// Gateway-wide filters

export interface IRFilters {
  extAuthz?: IRExtAuthz;
  jwt: IRJwtProvider[];
  authorization: IRAuthorizationPolicy[];
  rateLimitService?: IRRateLimitService;
  /** Gateway-wide local rate limit (applies before per-route ones). */
  localRateLimit?: IRLocalRateLimit;
}

export interface IRExtAuthz {
  /** Source AuthService. */
  source: ResourceRef;
  protocol: 'http' | 'grpc';
  cluster: string;
  /** HTTP mode: prepended to the original path. */
  pathPrefix: string;
  timeoutMs: number;
  /** Request headers sent to the auth service (lower-case). Empty = defaults. */
  allowedRequestHeaders: string[];
  /** Auth-response headers copied to the upstream request on success. */
  allowedAuthorizationHeaders: string[];
  /** Headers added to the auth request. */
  addAuthHeaders: Record<string, string>;
  includeBody?: { maxBytes: number; allowPartial: boolean };
  failureModeAllow: boolean;
  /** Status returned when the auth service fails or times out; default 403. */
  statusOnError: number;
}

export interface IRJwtProvider {
  name: string;
  source: ResourceRef;
  issuer: string;
  audiences: string[];
  jwks:
    | { kind: 'remote'; uri: string; cluster: string; cacheDurationMs: number; timeoutMs: number }
    | { kind: 'inline'; jwks: string };
  /** Where tokens are read from, in order. */
  from: Array<
    | { kind: 'header'; name: string; prefix: string }
    | { kind: 'query'; name: string }
    | { kind: 'cookie'; name: string }
  >;
  /** Claim name -> upstream request header. */
  claimToHeaders: Array<{ claim: string; header: string }>;
  /** Allowed `alg` values; default the asymmetric set. */
  algorithms: string[];
  clockSkewSeconds: number;
  /** Forward the token upstream (default true). */
  forward: boolean;
  /** Principal derivation: `sub` claim, or Kubernetes ServiceAccount (`system:serviceaccount:ns:name`). */
  principal: 'sub' | 'kubernetes-service-account';
}

export interface IRAuthorizationPolicy {
  name: string;
  source: ResourceRef;
  action: 'ALLOW' | 'DENY';
  /** Rules are OR-ed; within a rule every present condition must hold. */
  rules: IRAuthorizationRule[];
  /** Applies to every route (true) or only routes listing it. */
  gatewayWide: boolean;
}

export interface IRAuthorizationRule {
  principals?: string[];
  notPrincipals?: string[];
  namespaces?: string[];
  sourceIps?: string[];
  notSourceIps?: string[];
  hosts?: string[];
  methods?: string[];
  notMethods?: string[];
  /** Path patterns: exact `/a`, prefix `/a/*`, suffix `*.json`, or `*`. */
  paths?: string[];
  notPaths?: string[];
  headers?: Array<{ name: string; values: string[] }>;
}

export interface IRRateLimitService {
  source: ResourceRef;
  cluster: string;
  domain: string;
  timeoutMs: number;
  failureModeDeny: boolean;
  useResourceExhaustedCode: boolean;
}

export interface IRLocalRateLimit {
  /** Token bucket: `tokensPerFill` every `fillIntervalMs`, up to `maxTokens`. */
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
  /** Per-descriptor buckets keyed by these entries; empty = one bucket. */
  descriptors: IRRateLimitEntry[];
  /**
   * Share the bucket across replicas via Redis (proxy only). `failureModeDeny`: limit requests
   * while Redis is unreachable (absent/false = allow them, logged and counted).
   */
  shared?: { backend: 'redis'; url: string; prefix: string; failureModeDeny?: boolean };
  /** Send x-ratelimit-* headers. */
  responseHeaders: boolean;
}

// ---------------------------------------------------------------------------------------------
// TCP

export interface IRTcpRoute {
  name: string;
  sources: ResourceRef[];
  port: number;
  /** SNI match for TLS passthrough/termination; absent = any. */
  sniHost?: string;
  clusters: IRWeightedCluster[];
  idleTimeoutMs: number;
  tlsSecret?: string;
}
