import { createHash } from 'node:crypto';
import type { IRCircuitBreaker, IRCluster, IRDiscovery, IRHealthCheck, IRUpstreamTls } from '../ir/types.js';
import type { CircuitBreakerSpec, KeepaliveSpec, LoadBalancerSpec } from '../model/common.js';
import type { HealthCheckSpec } from '../model/mapping.js';
import type { Resource } from '../model/resource.js';
import type { TLSContext } from '../model/tls-context.js';
import { parseDurationMs } from '../util/duration.js';
import { type ParsedService, parseService } from '../util/service.js';
import type { CompileContext } from './context.js';
import { tlsContextSecrets } from './secrets.js';

/** Everything that decides one upstream cluster. */
export interface ClusterRequest {
  owner: Resource;
  /** Field path of the service string (for diagnostics). */
  path: string;
  service: string;
  namespace: string;
  /** `shadow`, `extauth`, … or a user cluster_tag. */
  marker?: string;
  /** TLSContext name for origination, or true for "TLS without a context". */
  tls?: string | boolean;
  hostRewrite?: string;
  resolver: string;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxConnectionLifetimeMs?: number;
  circuitBreakers?: CircuitBreakerSpec[];
  loadBalancer?: LoadBalancerSpec;
  keepalive?: KeepaliveSpec;
  grpc?: boolean;
  dnsType?: 'strict_dns' | 'logical_dns';
  respectDnsTtl?: boolean;
  enableIpv4?: boolean;
  enableIpv6?: boolean;
  statsName?: string;
  healthChecks?: HealthCheckSpec[];
  /** Skip namespace qualification (Consul-like names, AuthService hosts written in full). */
  noQualify?: boolean;
}

const SANITIZE = /[^0-9A-Za-z_]/g;

/** Shared (frozen) empty list for clusters without breakers or health checks. */
const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];

/**
 * Sanitised name pieces that repeat across clusters (markers, `_<namespace>` suffixes): each
 * distinct string runs the regex once. Capped so adversarial input cannot grow it without bound.
 */
const sanitizedShort = new Map<string, string>();

function sanitizeShort(s: string): string {
  let out = sanitizedShort.get(s);
  if (out === undefined) {
    out = s.replace(SANITIZE, '_');
    if (sanitizedShort.size < 10_000) sanitizedShort.set(s, out);
  }
  return out;
}

/** Emissary's circuit-breaker name fragment, e.g. `cbdc100p10r50t3`. */
export function breakerName(cb: CircuitBreakerSpec): string {
  let name = 'cb';
  name += cb.priority ? cb.priority.toLowerCase()[0] : 'n';
  if (cb.maxConnections !== undefined) name += `c${cb.maxConnections}`;
  if (cb.maxPendingRequests !== undefined) name += `p${cb.maxPendingRequests}`;
  if (cb.maxRequests !== undefined) name += `r${cb.maxRequests}`;
  if (cb.maxRetries !== undefined) name += `t${cb.maxRetries}`;
  return name;
}

/**
 * Qualifies a bare service host with the resource's namespace when that differs from the
 * gateway's (Emissary `normalize_service_name`): `backend:8080` in `other` → `backend.other:8080`.
 */
export function qualifyService(
  service: string,
  namespace: string,
  gatewayNamespace: string,
  skip: boolean,
): string {
  if (skip || namespace === gatewayNamespace) return service;
  const parsed = parseService(service);
  if (!parsed.ok) return service;
  return qualifyParsed(service, parsed.value, namespace);
}

function qualifyParsed(service: string, parsed: ParsedService, namespace: string): string {
  const { host, isIp } = parsed;
  if (isIp || host.includes('.') || host === 'localhost') return service;
  // Insert `.namespace` right after the host, keeping scheme and port as written.
  const schemeEnd = service.indexOf('://');
  const start = schemeEnd >= 0 ? schemeEnd + 3 : 0;
  const hostStart = service.indexOf(host, start);
  return service.slice(0, hostStart + host.length) + `.${namespace}` + service.slice(hostStart + host.length);
}

/**
 * Builds (or reuses) the cluster for a service and returns its name. Naming follows Emissary
 * (`ircluster.py`): `cluster[_marker]_<service as written>[_otls[_ctx]][_hr-<host>]_<namespace>[_<breakers>][_er-<lb>]`
 * with every non-alphanumeric character replaced by `_`.
 */
export function buildCluster(ctx: CompileContext, req: ClusterRequest): string | undefined {
  const skipQualify = req.noQualify || ctx.module.useAmbassadorNamespaceForServiceResolution === true;
  // qualifyService, parsing each string once (the qualified form is parsed only when it differs).
  const written = req.service.trim();
  let service = written;
  let parsed = parseService(written);
  if (!skipQualify && req.namespace !== ctx.gatewayNamespace && parsed.ok) {
    const q = qualifyParsed(written, parsed.value, req.namespace);
    if (q !== written) {
      service = q;
      parsed = parseService(q);
    }
  }
  if (!parsed.ok) {
    ctx.report(req.owner, req.path, parsed.message, 'error', 'invalid-service');
    return undefined;
  }
  const svc = parsed.value;
  // Name fields after the service (joined with `_`); sanitising is per character, so the
  // pieces are sanitised separately and the service part is shared with the stats name.
  const suffix: string[] = [];
  let tlsCtx: TLSContext | undefined;
  if (typeof req.tls === 'string') {
    tlsCtx = ctx.tlsContexts.get(req.tls);
    if (!tlsCtx) {
      ctx.report(
        req.owner,
        'spec.tls',
        `TLSContext "${req.tls}" is not defined`,
        'error',
        'unknown-tls-context',
      );
      return undefined;
    }
  }
  let originate = false;
  if (svc.scheme === 'https') {
    originate = true;
    suffix.push('otls');
  } else if (svc.scheme === 'http') {
    if (tlsCtx || req.tls === true) {
      ctx.report(
        req.owner,
        'spec.tls',
        `service ${req.service} says http:// but a TLS context is set; originating TLS anyway (drop the scheme or the context)`,
        'warning',
        'tls-scheme-conflict',
      );
      originate = true;
      suffix.push('otls');
    }
  } else if (tlsCtx || req.tls === true) {
    originate = true;
    suffix.push('otls');
    if (tlsCtx) suffix.push(tlsCtx.metadata.name);
  }
  if (originate && req.hostRewrite) suffix.push(`hr-${req.hostRewrite}`);
  suffix.push(req.namespace);
  const breakers = req.circuitBreakers ?? [];
  for (let i = 0; i < breakers.length; i++) suffix.push(breakerName(breakers[i]!));
  const endpoint = req.resolver === 'kubernetes-endpoint';
  const lb = req.loadBalancer;
  if (endpoint && lb) {
    const key = ['er', lb.policy.toLowerCase()];
    if (lb.header) key.push('hdr', lb.header);
    if (lb.cookie) key.push('cookie', lb.cookie.name);
    if (lb.sourceIp) key.push('srcip');
    suffix.push(key.join('-'));
  }
  // The stats name is the service without its scheme, sanitised (Emissary): compute it once.
  const schemeEnd = svc.scheme === undefined ? -1 : service.indexOf('://');
  const serviceStats = (schemeEnd < 0 ? service : service.slice(schemeEnd + 3)).replace(SANITIZE, '_');
  const serviceName = schemeEnd < 0 ? serviceStats : `${service.slice(0, schemeEnd)}___${serviceStats}`;
  const name = `cluster${req.marker ? `_${sanitizeShort(req.marker)}` : ''}_${serviceName}_${sanitizeShort(suffix.length === 1 ? suffix[0]! : suffix.join('_'))}`;
  const port = svc.port ?? (originate ? 443 : 80);

  let discovery: IRDiscovery;
  if (svc.isIp) {
    discovery = {
      endpoints: [{ address: svc.host, health: 'unknown', port, weight: 1, zone: '' }],
      kind: 'static',
    };
  } else if (endpoint) {
    const [svcName = svc.host, ns = req.namespace] = svc.host.split('.');
    discovery = { endpoints: [], kind: 'eds', serviceName: `k8s/${ns}/${svcName}/${port}` };
  } else {
    discovery = {
      host: svc.host,
      kind: 'dns',
      mode: req.dnsType === 'logical_dns' ? 'logical' : 'strict',
      port,
      respectDnsTtl: req.respectDnsTtl === true,
    };
  }

  let tls: IRUpstreamTls | undefined;
  if (originate) {
    const secrets = tlsCtx ? tlsContextSecrets(ctx, tlsCtx) : {};
    const sni = tlsCtx?.spec.sni || (svc.isIp ? undefined : svc.host);
    tls = {
      alpnProtocols: splitAlpn(tlsCtx?.spec.alpnProtocols),
      ...(secrets.ca ? { caSecret: secrets.ca } : {}),
      ...(secrets.certificate ? { clientSecret: secrets.certificate } : {}),
      ...(sni ? { sni } : {}),
      verify: true,
    };
  }

  const v4 = req.enableIpv4 ?? ctx.module.enableIpv4 ?? true;
  const v6 = req.enableIpv6 ?? ctx.module.enableIpv6 ?? false;
  // Keys in sorted order (see stableStringify's fast path).
  const cluster: IRCluster = {
    circuitBreakers: breakers.length === 0 ? NO_ITEMS : breakers.map(toIRBreaker),
    connectTimeoutMs: req.connectTimeoutMs ?? 3000,
    discovery,
    dnsLookupFamily: v4 && v6 ? 'auto' : v6 ? 'v6' : 'v4',
    healthChecks:
      endpoint && req.healthChecks && req.healthChecks.length > 0
        ? req.healthChecks.map(toIRHealthCheck)
        : NO_ITEMS,
    idleTimeoutMs: req.idleTimeoutMs ?? 0,
    lbPolicy: endpoint && lb ? lb.policy : 'round_robin',
    maxConnectionLifetimeMs: req.maxConnectionLifetimeMs ?? 0,
    name,
    protocol: req.grpc ? 'http2' : 'http1',
    service: `${svc.ipv6 ? `[${svc.host}]` : svc.host}:${port}`,
    statsName: req.statsName ?? serviceStats,
  };
  if (req.keepalive) cluster.tcpKeepalive = toKeepalive(req.keepalive);
  if (tls) cluster.tls = tls;
  return ctx.addCluster(cluster, req.owner, req.path);
}

function splitAlpn(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : v.split(',');
  return list.map((x) => x.trim()).filter((x) => x !== '');
}

function toIRBreaker(cb: CircuitBreakerSpec): IRCircuitBreaker {
  return {
    maxConnections: cb.maxConnections ?? 1024,
    maxPendingRequests: cb.maxPendingRequests ?? 1024,
    maxRequests: cb.maxRequests ?? 1024,
    maxRetries: cb.maxRetries ?? 3,
    priority: cb.priority === 'high' ? 'high' : 'default',
  };
}

function toKeepalive(k: KeepaliveSpec): { probes?: number; idleTimeS?: number; intervalS?: number } {
  const out: { probes?: number; idleTimeS?: number; intervalS?: number } = {};
  // Emissary reads `time` here and silently drops `idle_time`; we honour the documented field.
  if (k.idleTime !== undefined) out.idleTimeS = k.idleTime;
  if (k.interval !== undefined) out.intervalS = k.interval;
  if (k.probes !== undefined) out.probes = k.probes;
  return out;
}

function toIRHealthCheck(h: HealthCheckSpec): IRHealthCheck {
  const hc = h.healthCheck as Record<string, Record<string, unknown> | undefined>;
  let check: IRHealthCheck['check'];
  if (hc.http) {
    const statuses = (hc.http.expectedStatuses as Array<{ min: number; max: number }> | undefined) ?? [];
    check = {
      expectedStatuses:
        statuses.length > 0 ? statuses.map((s) => [s.min, s.max] as [number, number]) : [[200, 299]],
      ...(typeof hc.http.hostname === 'string' ? { host: hc.http.hostname } : {}),
      kind: 'http',
      path: String(hc.http.path),
    };
  } else if (hc.grpc) {
    check = {
      ...(typeof hc.grpc.authority === 'string' ? { authority: hc.grpc.authority } : {}),
      kind: 'grpc',
      serviceName: String(hc.grpc.upstreamName),
    };
  } else check = { kind: 'tcp' };
  return {
    check,
    healthyThreshold: h.healthyThreshold ?? 1,
    intervalMs: parseDurationMs(h.interval) ?? 5000,
    timeoutMs: parseDurationMs(h.timeout) ?? 3000,
    unhealthyThreshold: h.unhealthyThreshold ?? 2,
  };
}

/**
 * Emissary shortens cluster names over 60 characters to `name[0:40]-<SHA1[0:16] upper>-<i>`,
 * `i` numbering names that share a short form (in sorted order). Returns old → new names.
 */
export function shortenClusterNames(names: Iterable<string>): Map<string, string> {
  const long: string[] = [];
  for (const n of names) if (n.length > 60) long.push(n);
  long.sort();
  const byShort = new Map<string, string[]>();
  for (const n of long) {
    const short = `${n.slice(0, 40)}-${createHash('sha1').update(n).digest('hex').slice(0, 16).toUpperCase()}`;
    const list = byShort.get(short) ?? [];
    list.push(n);
    byShort.set(short, list);
  }
  const out = new Map<string, string>();
  for (const [short, list] of byShort) {
    list.forEach((n, i) => {
      out.set(n, `${short}-${i}`);
    });
  }
  return out;
}
