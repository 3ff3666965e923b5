import { JWT_ALGORITHMS } from '../defaults.js';
import type { AuthService, RateLimitService } from '../model/auth-service.js';
import type { Host } from '../model/host.js';
import type { Listener } from '../model/listener.js';
import type { Module } from '../model/module.js';
import type { AuthorizationPolicy, JwtProvider } from '../model/sdk-auth.js';
import type { TLSContext } from '../model/tls-context.js';
import { checkHostGlob } from '../util/globs.js';
import { isIPv4, isIPv6, parseService } from '../util/service.js';
import {
  validateCircuitBreakers,
  validateCors,
  validateLoadBalancer,
  validateRetryPolicy,
} from './mapping.js';
import type { Reporter } from './report.js';

export function validateHost(h: Host, rep: Reporter): void {
  const s = h.spec;
  if (typeof s.hostname === 'string') {
    const err = checkHostGlob(s.hostname);
    if (err) rep.error('spec.hostname', err);
  }
  if (s.acmeProvider !== undefined)
    rep.notice(
      'spec.acmeProvider',
      'ACME is an Edge Stack feature; ignored (provide tlsSecret instead)',
      'ignored-field',
    );
  if (s.tlsContext && s.tls)
    rep.error('spec.tls', 'tls and tlsContext are mutually exclusive; set at most one');
}

export function validateListener(l: Listener, rep: Reporter): void {
  const s = l.spec;
  if (s.protocol === undefined && s.protocolStack === undefined)
    rep.error(
      'spec.protocol',
      'required field is missing (expected one of HTTP, HTTPS, HTTPPROXY, HTTPSPROXY, TCP, TLS, UDP, or protocolStack)',
    );
  if (s.protocol !== undefined && s.protocolStack !== undefined)
    rep.error('spec.protocolStack', 'protocol and protocolStack are mutually exclusive; set at most one');
  if (s.hostBinding === undefined)
    rep.error(
      'spec.hostBinding',
      'required field is missing (expected {namespace: {from: ALL|SELF}} or {selector: …})',
    );
  if (s.protocol === 'UDP' || s.protocolStack?.includes('UDP'))
    rep.error(
      'spec.protocol',
      'UDP listeners are not supported (HTTP/3 is not implemented)',
      'unsupported-field',
    );
}

export function validateModule(m: Module, rep: Reporter): void {
  if (m.metadata.name !== 'ambassador') {
    rep.notice(
      'metadata.name',
      `only the Module named "ambassador" configures the gateway; Module "${m.metadata.name}" ignored`,
      'ignored-module',
    );
    return;
  }
  const c = m.spec.config ?? {};
  if (c.retryPolicy) validateRetryPolicy(c.retryPolicy, 'spec.config.retry_policy', rep);
  if (c.cors) validateCors(c.cors, 'spec.config.cors', rep);
  if (Array.isArray(c.circuitBreakers))
    validateCircuitBreakers(c.circuitBreakers, 'spec.config.circuit_breakers', rep);
  if (c.loadBalancer)
    validateLoadBalancer(
      c.loadBalancer,
      'spec.config.load_balancer',
      String(c.resolver ?? 'kubernetes-service'),
      rep,
    );
  if (
    typeof c.resolver === 'string' &&
    c.resolver !== 'kubernetes-service' &&
    c.resolver !== 'kubernetes-endpoint'
  )
    rep.error(
      'spec.config.resolver',
      `unknown resolver "${c.resolver}" (expected kubernetes-service or kubernetes-endpoint)`,
    );
  for (const f of ['ipAllow', 'ipDeny'] as const) {
    const list = c[f];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const cidr = p?.peer ?? p?.remote;
      if (typeof cidr === 'string' && !isCidr(cidr))
        rep.error(
          `spec.config.${f === 'ipAllow' ? 'ip_allow' : 'ip_deny'}[${i}]`,
          `expected an IP address or CIDR, got "${cidr}"`,
        );
    });
  }
}

export function isCidr(s: string): boolean {
  const [ip, bits, extra] = s.split('/');
  if (extra !== undefined || ip === undefined) return false;
  const v6 = isIPv6(ip);
  if (!v6 && !isIPv4(ip)) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (v6 ? 128 : 32);
}

export function validateAuthService(a: AuthService, rep: Reporter): void {
  const s = a.spec;
  if (typeof s.authService === 'string') {
    const p = parseService(s.authService);
    if (!p.ok) rep.error('spec.auth_service', p.message, 'invalid-service');
  }
  if (s.proto === 'grpc' && s.protocolVersion !== 'v3')
    rep.error(
      'spec.protocol_version',
      `gRPC auth services must use protocol_version: v3, got ${s.protocolVersion ?? 'nothing (v2)'}`,
    );
  if (s.proto !== 'grpc' && s.protocolVersion === 'v2')
    rep.notice('spec.protocol_version', 'protocol_version v2 is obsolete; treated as v3');
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, 'spec.circuit_breakers', rep);
}

export function validateRateLimitService(r: RateLimitService, rep: Reporter): void {
  const s = r.spec;
  if (typeof s.service === 'string') {
    const p = parseService(s.service);
    if (!p.ok) rep.error('spec.service', p.message, 'invalid-service');
  }
  if (s.protocolVersion === 'v2')
    rep.error(
      'spec.protocol_version',
      'expected protocol_version: v3 (the v2 rate-limit protocol is gone from Envoy)',
    );
}

export function validateTLSContext(t: TLSContext, rep: Reporter): void {
  const s = t.spec;
  const hasCert = s.secret !== undefined || s.certChainFile !== undefined;
  if (s.hosts && s.hosts.length > 0 && !hasCert)
    rep.error(
      'spec.secret',
      'a TLSContext that terminates TLS for hosts needs certificate material (secret or cert_chain_file + private_key_file)',
    );
  if ((s.certChainFile === undefined) !== (s.privateKeyFile === undefined))
    rep.error(
      s.certChainFile ? 'spec.private_key_file' : 'spec.cert_chain_file',
      'cert_chain_file and private_key_file must be set together',
    );
  if (s.certRequired && !s.caSecret && !s.cacertChainFile)
    rep.error(
      'spec.cert_required',
      'cert_required needs ca_secret or cacert_chain_file to verify client certificates',
    );
  s.hosts?.forEach((h, i) => {
    const err = checkHostGlob(h);
    if (err) rep.error(`spec.hosts[${i}]`, err);
  });
}

const ALLOWED_ALGS = new Set(JWT_ALGORITHMS);

export function validateJwtProvider(j: JwtProvider, rep: Reporter): void {
  const s = j.spec;
  const preset = s.kubernetesServiceAccount !== undefined;
  if (!preset && s.issuer === undefined)
    rep.error(
      'spec.issuer',
      'required field is missing (expected the token issuer URL, or use kubernetesServiceAccount)',
    );
  if (!preset && s.jwksUri === undefined && s.jwks === undefined)
    rep.error('spec.jwksUri', 'expected one of jwksUri or jwks (or the kubernetesServiceAccount preset)');
  if (s.jwksUri !== undefined && s.jwks !== undefined)
    rep.error('spec.jwks', 'jwksUri and jwks are mutually exclusive; set one');
  const uri = s.jwksUri ?? s.kubernetesServiceAccount?.jwksUri;
  if (uri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(uri);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      rep.error(
        s.jwksUri !== undefined ? 'spec.jwksUri' : 'spec.kubernetesServiceAccount.jwksUri',
        `expected an http(s) URL, got "${uri}"`,
      );
    else if (url.protocol === 'http:')
      rep.warn(
        'spec.jwksUri',
        'the JWKS is fetched over cleartext http; keys can be tampered with in transit',
      );
  }
  if (typeof s.jwks === 'string') {
    try {
      const parsed = JSON.parse(s.jwks) as { keys?: unknown };
      if (!Array.isArray(parsed?.keys))
        rep.error('spec.jwks', 'expected a JWKS JSON object with a "keys" list');
    } catch {
      rep.error('spec.jwks', 'expected JWKS JSON text, got text that is not JSON');
    }
  }
  if (preset && (!s.audiences || s.audiences.length === 0))
    rep.error(
      'spec.audiences',
      'kubernetesServiceAccount tokens must be audience-bound: set audiences (e.g. the gateway URL)',
    );
  s.algorithms?.forEach((a, i) => {
    if (a.toLowerCase() === 'none')
      rep.error(`spec.algorithms[${i}]`, 'the "none" algorithm is never allowed');
    else if (!ALLOWED_ALGS.has(a))
      rep.error(`spec.algorithms[${i}]`, `expected one of ${[...ALLOWED_ALGS].join(', ')}, got "${a}"`);
  });
  s.from?.forEach((loc, i) => {
    const n = ['header', 'query', 'cookie'].filter(
      (k) => (loc as Record<string, unknown>)[k] !== undefined,
    ).length;
    if (n !== 1) rep.error(`spec.from[${i}]`, `expected exactly one of header, query or cookie, got ${n}`);
  });
}

export function validateAuthorizationPolicy(p: AuthorizationPolicy, rep: Reporter): void {
  const s = p.spec;
  s.rules?.forEach((r, i) => {
    for (const f of ['paths', 'notPaths'] as const)
      r[f]?.forEach((path, j) => {
        const stars = path.split('*').length - 1;
        if (path !== '*' && (stars > 1 || (stars === 1 && !path.startsWith('*') && !path.endsWith('*'))))
          rep.error(
            `spec.rules[${i}].${f}[${j}]`,
            `expected an exact path, a prefix "/a/*", a suffix "*.json" or "*", got "${path}"`,
          );
        else if (stars === 0 && !path.startsWith('/'))
          rep.error(`spec.rules[${i}].${f}[${j}]`, `expected a path starting with "/", got "${path}"`);
      });
    for (const f of ['sourceIPs', 'notSourceIPs'] as const)
      r[f]?.forEach((ip, j) => {
        if (!isCidr(ip))
          rep.error(`spec.rules[${i}].${f}[${j}]`, `expected an IP address or CIDR, got "${ip}"`);
      });
    for (const f of ['methods', 'notMethods'] as const)
      r[f]?.forEach((m, j) => {
        if (!/^[A-Z]+$/.test(m))
          rep.error(`spec.rules[${i}].${f}[${j}]`, `expected an upper-case HTTP method, got "${m}"`);
      });
    r.hosts?.forEach((h, j) => {
      const err = checkHostGlob(h);
      if (err) rep.error(`spec.rules[${i}].hosts[${j}]`, err);
    });
  });
  if (s.rules && s.rules.length === 0 && (s.action ?? 'ALLOW') === 'ALLOW')
    rep.notice('spec.rules', 'an ALLOW policy without rules denies every request it applies to', 'deny-all');
}
