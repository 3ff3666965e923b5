import type { ResourceKind } from './resource.js';
import { any, bool, dep, int, list, num, obj, oneOf, rec, req, type Schema, str, union } from './schema.js';

/** The runtime schemas of every kind's `spec` (camelCase). Kept next to the TS types in model/. */

const ambassadorId = union(str(), list(str()));
const stringList = list(str());
const stringOrList = union(str(), list(str()));
const circuitBreakers = list(
  obj({
    priority: oneOf('default', 'high'),
    maxConnections: int(0),
    maxPendingRequests: int(0),
    maxRequests: int(0),
    maxRetries: int(0),
  }),
);
const retryPolicy = obj({ retryOn: str(), numRetries: int(0), perTryTimeout: union(str(), num(0)) });
const cors = obj({
  origins: stringOrList,
  methods: stringOrList,
  headers: stringOrList,
  credentials: bool(),
  exposedHeaders: stringOrList,
  maxAge: union(str(), int(0)),
});
const loadBalancer = obj({
  policy: req(oneOf('round_robin', 'least_request', 'ring_hash', 'maglev')),
  cookie: obj({ name: req(str(true)), path: str(), ttl: str() }),
  header: str(true),
  sourceIp: bool(),
});
const keepalive = obj({ probes: int(0), idleTime: int(0), interval: int(0) });
const addHeaders = rec(union(str(), obj({ value: req(str()), append: bool() })));
const labelSpecifier = obj({
  sourceCluster: obj({ key: str() }),
  destinationCluster: obj({ key: str() }),
  remoteAddress: obj({ key: str() }),
  genericKey: obj({ value: req(str()), key: str() }),
  requestHeaders: obj({ headerName: req(str(true)), key: str(), omitIfNotPresent: bool() }),
});
/** `{domain: [{group: [specifier]}]}` (the loader normalises v2 shorthands first). */
export const labelsSchema: Schema = rec(list(rec(list(labelSpecifier))));
const regexSub = obj({ pattern: req(str(true)), substitution: req(str()) });
const healthChecks = list(
  obj({
    healthCheck: req(
      obj({
        http: obj({
          path: req(str(true)),
          hostname: str(),
          expectedStatuses: list(obj({ min: req(int(100, 599)), max: req(int(100, 599)) })),
          addRequestHeaders: addHeaders,
          removeRequestHeaders: stringList,
        }),
        grpc: obj({ upstreamName: req(str(true)), authority: str() }),
      }),
    ),
    timeout: str(),
    interval: str(),
    unhealthyThreshold: int(0),
    healthyThreshold: int(0),
  }),
);

export const mappingSchema = obj({
  prefix: req(str(true)),
  prefixRegex: bool(),
  prefixExact: bool(),
  caseSensitive: bool(),
  service: req(str(true)),
  rewrite: str(),
  regexRewrite: regexSub,
  hostname: str(true),
  host: dep(str(true), 'host is deprecated in getambassador.io/v3alpha1; use hostname'),
  hostRegex: bool(),
  method: str(true),
  methodRegex: bool(),
  headers: rec(union(str(), bool())),
  regexHeaders: rec(str()),
  queryParameters: rec(union(str(), bool())),
  regexQueryParameters: rec(str()),
  precedence: int(),
  weight: int(0, 100),
  shadow: bool(),
  hostRedirect: bool(),
  pathRedirect: str(true),
  prefixRedirect: str(true),
  regexRedirect: regexSub,
  redirectResponseCode: int(),
  hostRewrite: str(true),
  autoHostRewrite: bool(),
  timeoutMs: int(0),
  idleTimeoutMs: int(0),
  connectTimeoutMs: int(0),
  clusterIdleTimeoutMs: int(0),
  clusterMaxConnectionLifetimeMs: int(0),
  retryPolicy,
  cors,
  circuitBreakers,
  loadBalancer,
  keepalive,
  bypassAuth: bool(),
  authContextExtensions: rec(str()),
  labels: labelsSchema,
  addRequestHeaders: addHeaders,
  addResponseHeaders: addHeaders,
  removeRequestHeaders: stringOrList,
  removeResponseHeaders: stringOrList,
  grpc: bool(),
  allowUpgrade: stringList,
  useWebsocket: dep(bool(), 'use_websocket is deprecated; use allow_upgrade: [websocket]'),
  tls: union(str(), bool()),
  resolver: str(true),
  dnsType: oneOf('strict_dns', 'logical_dns'),
  respectDnsTtl: bool(),
  enableIpv4: bool(),
  enableIpv6: bool(),
  clusterTag: str(),
  statsName: str(true),
  healthChecks,
  addLinkerdHeaders: bool(),
  priority: str(),
  docs: any(),
  envoyOverride: any(),
  modules: any(),
  errorResponseOverrides: any(),
  bypassErrorResponseOverrides: bool(),
  outlierDetection: any(),
  ambassadorId,
  v2ExplicitTLS: any(),
  v2BoolHeaders: stringList,
  v2BoolQueryParameters: stringList,
  gatewaySdk: obj({
    rateLimit: obj({
      requestsPerUnit: req(int(1)),
      unit: req(oneOf('second', 'minute', 'hour')),
      burst: int(1),
      responseHeaders: bool(),
      by: list(labelSpecifier),
      shared: obj({ redisUrl: req(str(true)), prefix: str(), failureModeDeny: bool() }),
    }),
    prefixMatch: oneOf('string', 'segment'),
  }),
});

export const tcpMappingSchema = obj({
  port: req(int(1, 65535)),
  host: str(true),
  address: str(true),
  service: req(str(true)),
  weight: int(0, 100),
  tls: union(str(), bool()),
  idleTimeoutMs: int(0),
  connectTimeoutMs: int(0),
  circuitBreakers,
  resolver: str(true),
  clusterTag: str(),
  statsName: str(true),
  enableIpv4: bool(),
  enableIpv6: bool(),
  ambassadorId,
});

const labelSelector = obj({
  matchLabels: rec(str()),
  matchExpressions: list(
    obj({
      key: req(str(true)),
      operator: req(oneOf('In', 'NotIn', 'Exists', 'DoesNotExist')),
      values: stringList,
    }),
  ),
});
const tlsVersion = oneOf('v1.0', 'v1.1', 'v1.2', 'v1.3');

export const hostSchema = obj({
  hostname: str(true),
  mappingSelector: labelSelector,
  selector: dep(labelSelector, 'selector is deprecated; use mappingSelector'),
  tlsSecret: obj({ name: req(str(true)), namespace: str(true) }),
  tlsContext: obj({ name: req(str(true)) }),
  tls: obj({
    minTlsVersion: tlsVersion,
    maxTlsVersion: tlsVersion,
    alpnProtocols: stringOrList,
    cipherSuites: stringList,
    ecdhCurves: stringList,
    caSecret: str(true),
    certRequired: bool(),
    sni: str(),
    certChainFile: str(),
    privateKeyFile: str(),
    cacertChainFile: str(),
    redirectCleartextFrom: int(),
  }),
  requestPolicy: obj({
    insecure: obj({ action: oneOf('Redirect', 'Route', 'Reject'), additionalPort: int(-1, 65535) }),
  }),
  acmeProvider: any(),
  tlsContextSecret: any(),
  previewUrl: any(),
  ambassadorId,
});

export const listenerSchema = obj({
  port: req(int(1, 65535)),
  protocol: oneOf('HTTP', 'HTTPS', 'HTTPPROXY', 'HTTPSPROXY', 'TCP', 'TLS', 'UDP'),
  protocolStack: list(oneOf('HTTP', 'PROXY', 'TLS', 'TCP', 'UDP')),
  securityModel: req(oneOf('XFP', 'SECURE', 'INSECURE')),
  hostBinding: obj({ namespace: obj({ from: req(oneOf('SELF', 'ALL')) }), selector: labelSelector }),
  statsPrefix: str(),
  l7Depth: int(0),
  http2MaxConcurrentStreams: int(1),
  ambassadorId,
});

const ipPrincipal = obj({ peer: str(true), remote: str(true) });
export const moduleConfigSchema = obj(
  {
    clusterRequestTimeoutMs: int(0),
    clusterIdleTimeoutMs: int(0),
    clusterMaxConnectionLifetimeMs: int(0),
    retryPolicy,
    cors,
    circuitBreakers: union(
      circuitBreakers,
      obj({
        priority: oneOf('default', 'high'),
        maxConnections: int(0),
        maxPendingRequests: int(0),
        maxRequests: int(0),
        maxRetries: int(0),
      }),
    ),
    loadBalancer,
    keepalive,
    resolver: str(true),
    regexMaxSize: int(1),
    useRemoteAddress: bool(),
    xffNumTrustedHops: int(0),
    enableIpv4: bool(),
    enableIpv6: bool(),
    useAmbassadorNamespaceForServiceResolution: bool(),
    defaultLabelDomain: str(true),
    defaultLabels: rec(obj({ defaults: list(any()) }, true)),
    defaults: obj({ httpmapping: any() }, true),
    mergeSlashes: bool(),
    stripMatchingHostPort: bool(),
    bufferLimitBytes: int(0),
    maxRequestHeadersKb: int(1, 8192),
    ipAllow: list(ipPrincipal),
    ipDeny: list(ipPrincipal),
    suppressEnvoyHeaders: bool(),
    pruneUnreachableRoutes: bool(),
    headersWithUnderscoresAction: oneOf('ALLOW', 'REJECT_REQUEST', 'DROP_HEADER'),
    addLinkerdHeaders: bool(),
  },
  true,
);

export const moduleSchema = obj({ config: moduleConfigSchema, ambassadorId });

export const authServiceSchema = obj({
  authService: req(str(true)),
  proto: oneOf('http', 'grpc'),
  protocolVersion: oneOf('v2', 'v3'),
  pathPrefix: str(),
  timeoutMs: int(0),
  allowedRequestHeaders: stringList,
  allowedAuthorizationHeaders: stringList,
  addAuthHeaders: rec(str()),
  includeBody: obj({ maxBytes: req(int(0)), allowPartial: req(bool()) }),
  statusOnError: obj({ code: req(int(100, 599)) }),
  failureModeAllow: bool(),
  tls: union(str(), bool()),
  circuitBreakers,
  statsName: str(true),
  addLinkerdHeaders: bool(),
  allowRequestBody: dep(bool(), 'allow_request_body is deprecated; use include_body'),
  v3StatusOnError: any(),
  v3FailureModeAllow: any(),
  ambassadorId,
});

export const rateLimitServiceSchema = obj({
  service: req(str(true)),
  domain: str(true),
  protocolVersion: oneOf('v2', 'v3'),
  timeoutMs: int(0),
  failureModeDeny: bool(),
  grpc: obj({ useResourceExhaustedCode: bool() }),
  tls: union(str(), bool()),
  statsName: str(true),
  ambassadorId,
});

export const tlsContextSchema = obj({
  hosts: stringList,
  secret: str(true),
  certChainFile: str(true),
  privateKeyFile: str(true),
  caSecret: str(true),
  cacertChainFile: str(true),
  crlSecret: str(true),
  certRequired: bool(),
  minTlsVersion: tlsVersion,
  maxTlsVersion: tlsVersion,
  cipherSuites: stringList,
  ecdhCurves: stringList,
  alpnProtocols: str(),
  sni: str(),
  secretNamespacing: bool(),
  redirectCleartextFrom: int(),
  ambassadorId,
});

const mappingSelector = obj({ names: stringList, matchLabels: rec(str()) });

export const jwtProviderSchema = obj({
  issuer: str(true),
  audiences: stringList,
  jwksUri: str(true),
  jwks: union(str(true), obj({ keys: req(list(any())) }, true)),
  jwksCacheDurationSeconds: int(0),
  from: list(obj({ header: str(true), prefix: str(), query: str(true), cookie: str(true) })),
  claimToHeaders: list(obj({ claim: req(str(true)), header: req(str(true)) })),
  algorithms: stringList,
  clockSkewSeconds: int(0, 3600),
  forward: bool(),
  required: bool(),
  selector: mappingSelector,
  kubernetesServiceAccount: obj({ issuer: str(true), jwksUri: str(true) }),
});

const ruleSchema = obj({
  principals: stringList,
  notPrincipals: stringList,
  namespaces: stringList,
  sourceIPs: stringList,
  notSourceIPs: stringList,
  hosts: stringList,
  methods: stringList,
  notMethods: stringList,
  paths: stringList,
  notPaths: stringList,
  headers: rec(stringOrList),
});

export const authorizationPolicySchema = obj({
  action: oneOf('ALLOW', 'DENY'),
  rules: req(list(ruleSchema)),
  selector: mappingSelector,
});

/** Spec schema per kind. */
export const SPEC_SCHEMAS: Record<ResourceKind, Schema> = {
  Mapping: mappingSchema,
  TCPMapping: tcpMappingSchema,
  Host: hostSchema,
  Listener: listenerSchema,
  Module: moduleSchema,
  AuthService: authServiceSchema,
  RateLimitService: rateLimitServiceSchema,
  TLSContext: tlsContextSchema,
  JwtProvider: jwtProviderSchema,
  AuthorizationPolicy: authorizationPolicySchema,
};
