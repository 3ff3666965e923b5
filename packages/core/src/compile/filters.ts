import type {
  IRAuthorizationPolicy,
  IRAuthorizationRule,
  IRExtAuthz,
  IRJwtProvider,
  IRRateLimitService,
  IRRoute,
  ResourceRef,
} from '../ir/types.js';
import type { AuthService, RateLimitService } from '../model/auth-service.js';
import type { MappingSelectorSpec } from '../model/common.js';
import type { Mapping } from '../model/mapping.js';
import type { AuthorizationPolicy, JwtProvider } from '../model/sdk-auth.js';
import { buildCluster } from './clusters.js';
import type { CompileContext } from './context.js';
import { labelsMatch } from './hosts.js';

const refOf = (r: { kind: string; metadata: { namespace: string; name: string } }): ResourceRef => ({
  kind: r.kind,
  namespace: r.metadata.namespace,
  name: r.metadata.name,
});

/** Keeps the first resource (sorted by namespace/name) of a kind the gateway has one of. */
export function pickOne<T extends AuthService | RateLimitService>(
  list: T[],
  ctx: CompileContext,
): T | undefined {
  const [first, ...rest] = list;
  for (const r of rest)
    ctx.report(
      r,
      '',
      `only one ${r.kind} is supported; using ${first!.metadata.namespace}/${first!.metadata.name} and ignoring this one`,
      'error',
      'duplicate-singleton',
    );
  return first;
}

export function compileAuthService(a: AuthService, ctx: CompileContext): IRExtAuthz | undefined {
  const s = a.spec;
  const grpc = s.proto === 'grpc';
  const cluster = buildCluster(ctx, {
    owner: a,
    path: 'spec.auth_service',
    service: s.authService,
    namespace: a.metadata.namespace,
    marker: 'extauth',
    tls: s.tls,
    resolver: 'kubernetes-service',
    circuitBreakers: s.circuitBreakers,
    grpc,
    statsName: s.statsName,
  });
  if (!cluster) return undefined;
  return {
    source: refOf(a),
    protocol: grpc ? 'grpc' : 'http',
    cluster,
    pathPrefix: s.pathPrefix ?? '',
    timeoutMs: s.timeoutMs ?? 5000,
    allowedRequestHeaders: (s.allowedRequestHeaders ?? []).map((h) => h.toLowerCase()).sort(),
    allowedAuthorizationHeaders: (s.allowedAuthorizationHeaders ?? []).map((h) => h.toLowerCase()).sort(),
    addAuthHeaders: Object.fromEntries(
      Object.keys(s.addAuthHeaders ?? {})
        .sort()
        .map((k) => [k.toLowerCase(), s.addAuthHeaders![k]!]),
    ),
    ...(s.includeBody
      ? { includeBody: { maxBytes: s.includeBody.maxBytes, allowPartial: s.includeBody.allowPartial } }
      : {}),
    failureModeAllow: s.failureModeAllow === true,
    statusOnError: s.statusOnError?.code ?? 403,
  };
}

export function compileRateLimitService(
  r: RateLimitService,
  ctx: CompileContext,
  defaultDomain: string,
): IRRateLimitService | undefined {
  const s = r.spec;
  const cluster = buildCluster(ctx, {
    owner: r,
    path: 'spec.service',
    service: s.service,
    namespace: r.metadata.namespace,
    marker: 'ratelimit',
    tls: s.tls,
    resolver: 'kubernetes-service',
    grpc: true,
    statsName: s.statsName,
  });
  if (!cluster) return undefined;
  return {
    source: refOf(r),
    cluster,
    domain: s.domain ?? defaultDomain,
    timeoutMs: s.timeoutMs ?? 20,
    failureModeDeny: s.failureModeDeny === true,
    useResourceExhaustedCode: s.grpc?.useResourceExhaustedCode === true,
  };
}

const DEFAULT_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
];
export const K8S_SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const K8S_SA_JWKS = 'https://kubernetes.default.svc/openid/v1/jwks';

export function compileJwtProvider(j: JwtProvider, ctx: CompileContext): IRJwtProvider | undefined {
  const s = j.spec;
  const preset = s.kubernetesServiceAccount;
  const issuer = s.issuer ?? preset?.issuer ?? K8S_SA_ISSUER;
  const uri = s.jwksUri ?? (s.jwks === undefined && preset ? (preset.jwksUri ?? K8S_SA_JWKS) : undefined);
  let jwks: IRJwtProvider['jwks'];
  if (uri !== undefined) {
    const url = new URL(uri);
    const cluster = buildCluster(ctx, {
      owner: j,
      path: s.jwksUri !== undefined ? 'spec.jwksUri' : 'spec.kubernetesServiceAccount',
      service: `${url.protocol}//${url.host}`,
      namespace: j.metadata.namespace,
      marker: 'jwks',
      resolver: 'kubernetes-service',
      noQualify: true,
    });
    if (!cluster) return undefined;
    jwks = {
      kind: 'remote',
      uri,
      cluster,
      cacheDurationMs: (s.jwksCacheDurationSeconds ?? 600) * 1000,
      timeoutMs: 5000,
    };
  } else {
    jwks = { kind: 'inline', jwks: typeof s.jwks === 'string' ? s.jwks : JSON.stringify(s.jwks) };
  }
  const from: IRJwtProvider['from'] = (s.from ?? [{ header: 'Authorization', prefix: 'Bearer ' }]).map(
    (loc) => {
      if ('header' in loc && loc.header)
        return {
          kind: 'header',
          name: loc.header.toLowerCase(),
          prefix: loc.prefix ?? (loc.header.toLowerCase() === 'authorization' ? 'Bearer ' : ''),
        };
      if ('query' in loc && loc.query) return { kind: 'query', name: loc.query };
      return { kind: 'cookie', name: (loc as { cookie: string }).cookie };
    },
  );
  return {
    name: `${j.metadata.namespace}/${j.metadata.name}`,
    source: refOf(j),
    issuer,
    audiences: [...(s.audiences ?? [])],
    jwks,
    from,
    claimToHeaders: (s.claimToHeaders ?? []).map((c) => ({ claim: c.claim, header: c.header.toLowerCase() })),
    algorithms: s.algorithms ? [...s.algorithms] : DEFAULT_ALGORITHMS,
    clockSkewSeconds: s.clockSkewSeconds ?? 60,
    forward: s.forward !== false,
    principal: preset ? 'kubernetes-service-account' : 'sub',
  };
}

export function compileAuthorizationPolicy(p: AuthorizationPolicy): IRAuthorizationPolicy {
  const s = p.spec;
  const rules: IRAuthorizationRule[] = (s.rules ?? []).map((r) => {
    const out: IRAuthorizationRule = {};
    const copy = <K extends keyof IRAuthorizationRule>(k: K, v: IRAuthorizationRule[K] | undefined) => {
      if (v !== undefined) out[k] = v;
    };
    copy('principals', r.principals);
    copy('notPrincipals', r.notPrincipals);
    copy('namespaces', r.namespaces);
    copy('sourceIps', r.sourceIPs);
    copy('notSourceIps', r.notSourceIPs);
    copy(
      'hosts',
      r.hosts?.map((h) => h.toLowerCase()),
    );
    copy('methods', r.methods);
    copy('notMethods', r.notMethods);
    copy('paths', r.paths);
    copy('notPaths', r.notPaths);
    if (r.headers)
      out.headers = Object.keys(r.headers)
        .sort()
        .map((name) => {
          const v = r.headers![name]!;
          return { name: name.toLowerCase(), values: Array.isArray(v) ? v : [v] };
        });
    return out;
  });
  return {
    name: `${p.metadata.namespace}/${p.metadata.name}`,
    source: refOf(p),
    action: s.action ?? 'ALLOW',
    rules,
    gatewayWide: s.selector === undefined,
  };
}

/** True when a policy's selector picks a Mapping. */
export function selectorMatches(sel: MappingSelectorSpec, policyNamespace: string, m: Mapping): boolean {
  const byName =
    sel.names === undefined ||
    sel.names.some((n) =>
      n.includes('/')
        ? n === `${m.metadata.namespace}/${m.metadata.name}`
        : m.metadata.namespace === policyNamespace && n === m.metadata.name,
    );
  const byLabels = sel.matchLabels === undefined || labelsMatch(sel.matchLabels, m.metadata.labels ?? {});
  return byName && byLabels;
}

/**
 * Sets per-route JWT providers and authorization policies. A route is selected when any of its
 * source Mappings is. Mutates routes before they are copied into virtual hosts.
 */
export function attachAuth(
  routes: Array<{ route: IRRoute; mappings: Mapping[] }>,
  providers: Array<{ res: JwtProvider; ir: IRJwtProvider }>,
  policies: Array<{ res: AuthorizationPolicy; ir: IRAuthorizationPolicy }>,
): void {
  if (providers.length === 0 && policies.length === 0) return;
  for (const { route, mappings } of routes) {
    if (route.action.kind !== 'forward') continue;
    const jwt: Array<{ name: string; required: boolean }> = [];
    for (const p of providers) {
      const sel = p.res.spec.selector;
      if (!sel || mappings.some((m) => selectorMatches(sel, p.res.metadata.namespace, m)))
        jwt.push({ name: p.ir.name, required: p.res.spec.required !== false });
    }
    route.auth = {
      ...route.auth,
      jwtProviders: jwt.map((j) => j.name).sort(),
      jwtOptional: jwt.length > 0 && jwt.every((j) => !j.required),
    };
    route.authorizationPolicies = policies
      .filter(
        (p) =>
          p.res.spec.selector &&
          mappings.some((m) => selectorMatches(p.res.spec.selector!, p.res.metadata.namespace, m)),
      )
      .map((p) => p.ir.name)
      .sort();
  }
}
