// Synthetic GatewayIR for the xDS benchmarks, built directly (plain data, no compiler needed).
// Routes spread over `vhosts` virtual hosts (one `*` vhost when vhosts = 1, else exact domains
// svc-<j>.example.com, which also get gRPC api_listeners); every 5th route matches a header,
// every 8th is a 90/10 canary, every 10th has a retry policy.

const settings = {
  xffNumTrustedHops: 0,
  useRemoteAddress: true,
  normalizePath: true,
  mergeSlashes: true,
  escapedSlashesAction: 'reject',
  headersWithUnderscoresAction: 'allow',
  maxRequestHeadersKb: 60,
  maxRequestBodyBytes: 0,
  requestHeadersTimeoutMs: 10000,
  streamIdleTimeoutMs: 300000,
  connectionIdleTimeoutMs: 3600000,
  drainTimeoutMs: 5000,
  stripHostPort: true,
  http2MaxConcurrentStreams: 100,
  regexMaxProgramSize: 200,
  suppressGatewayHeaders: false,
  ipAllow: [],
  ipDeny: [],
};

function cluster(i) {
  return {
    name: `cluster_svc_${i}_default`,
    service: `svc-${i}.default:80`,
    discovery: {
      kind: 'static',
      endpoints: [1, 2].map((k) => ({
        address: `10.${(i >> 8) & 255}.${i & 255}.${k}`,
        port: 8080,
        weight: 1,
        zone: '',
        health: 'unknown',
      })),
    },
    protocol: 'http1',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 3000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: `svc_${i}`,
  };
}

function route(k, nClusters, changed) {
  const c = (x) => `cluster_svc_${x % nClusters}_default`;
  const clusters =
    k % 8 === 7
      ? [
          { cluster: c(k), weight: 90 },
          { cluster: c(k + 1), weight: 10 },
        ]
      : [{ cluster: c(k), weight: 100 }];
  return {
    name: `team-${k % 13}/m-${k}`,
    group: `g${k}`,
    sources: [{ kind: 'Mapping', namespace: `team-${k % 13}`, name: `m-${k}` }],
    match: {
      path: { kind: 'prefix', value: changed ? `/svc-${k}/v2/` : `/svc-${k}/` },
      caseSensitive: true,
      headers: k % 5 === 0 ? [{ name: 'x-tenant', match: { exact: `t${k % 11}` } }] : [],
      queryParams: [],
    },
    action: {
      kind: 'forward',
      clusters,
      rewrite: { kind: 'prefix', value: '/' },
      autoHostRewrite: false,
      timeoutMs: 3000,
      idleTimeoutMs: 0,
      ...(k % 10 === 0
        ? {
            retry: {
              retryOn: ['5xx', 'connect-failure'],
              numRetries: 2,
              perTryTimeoutMs: 1000,
              retriableStatusCodes: [],
              backoffBaseMs: 25,
              backoffMaxMs: 250,
              retryNonIdempotent: false,
            },
          }
        : {}),
      mirrors: [],
      upgrades: [],
      grpc: false,
      priority: 'default',
    },
    requestHeaders: { add: [], remove: [] },
    responseHeaders: { add: [], remove: [] },
    auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
    rateLimits: [],
    authorizationPolicies: [],
    statsName: `m-${k}`,
  };
}

/**
 * @param {{ routes: number, vhosts?: number, clusters?: number, changeRoute?: number, version?: string }} o
 */
export function benchIR(o) {
  const nVhosts = o.vhosts ?? 1;
  const nClusters = o.clusters ?? 100;
  const vhosts = Array.from({ length: nVhosts }, (_, j) => {
    const domain = nVhosts === 1 ? '*' : `svc-${j}.example.com`;
    return { name: `listener-8080/${domain}`, domains: [domain], insecure: 'route', routes: [] };
  });
  for (let k = 0; k < o.routes; k++)
    vhosts[k % nVhosts].routes.push(route(k, nClusters, k === o.changeRoute));
  return {
    schema: 'gateway.ir/v1',
    version: o.version ?? `bench-${o.routes}-${o.changeRoute ?? 'base'}`,
    settings,
    listeners: [
      {
        name: 'listener-8080',
        address: '0.0.0.0',
        port: 8080,
        protocol: 'http',
        securityModel: 'XFP',
        statsPrefix: 'ingress-8080',
        virtualHosts: vhosts,
        tls: [],
      },
    ],
    clusters: Array.from({ length: nClusters }, (_, i) => cluster(i)).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ),
    secrets: [],
    filters: { jwt: [], authorization: [] },
    tcpRoutes: [],
  };
}
