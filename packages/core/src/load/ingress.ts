import type { ResourceRef } from '../ir/types.js';
import type { Host } from '../model/host.js';
import type { Mapping, MappingSpec } from '../model/mapping.js';
import { AMBASSADOR_API_VERSION } from '../model/resource.js';
import { describeValue, isPlainObject } from '../model/schema.js';
import { CONFIG_ANNOTATION, loadConfigAnnotation } from './annotations.js';
import { type DocContext, pushDiag } from './context.js';

/** Annotation marking resources the loader generated (value: the source kind). */
export const GENERATED_ANNOTATION = 'gateway.sdk/generated-from';
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** Precedence of an Ingress `defaultBackend`: below anything a user writes. */
export const DEFAULT_BACKEND_PRECEDENCE = -1_000_000;

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function escapeRe2(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * Converts a `networking.k8s.io/v1` Ingress into Mappings (and Hosts for TLS), with Kubernetes
 * semantics rather than Emissary's: `Prefix` is segment-aware, `Exact` is exact (and ordered
 * before prefixes), paths are never rewritten, `*.example.com` matches exactly one label, and
 * `defaultBackend` is the lowest-priority catch-all.
 */
export function loadIngress(obj: Record<string, unknown>, ctx: DocContext): void {
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' && meta.name ? meta.name : `document-${ctx.index}`;
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : ctx.defaultNamespace;
  const ref: ResourceRef = { kind: 'Ingress', namespace, name };
  const annotations = stringRecord(meta.annotations);
  const labels = stringRecord(meta.labels);
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const cls =
    (typeof spec.ingressClassName === 'string' ? spec.ingressClassName : undefined) ??
    annotations[CLASS_ANNOTATION];
  if (cls !== undefined && cls !== ctx.ingressClass && cls !== 'ambassador') {
    pushDiag(
      ctx,
      ref,
      'spec.ingressClassName',
      `ingress class "${cls}" is not "${ctx.ingressClass}"; ignored`,
      'notice',
      'other-ingress-class',
    );
    return;
  }
  if (annotations[CONFIG_ANNOTATION] !== undefined) loadConfigAnnotation(obj, ctx);

  const generated = { [GENERATED_ANNOTATION]: `Ingress ${namespace}/${name}` };
  const mappings: Mapping[] = [];
  const hosts: Host[] = [];
  const mapping = (mname: string, s: MappingSpec): void => {
    mappings.push({
      apiVersion: AMBASSADOR_API_VERSION,
      kind: 'Mapping',
      metadata: { name: mname, namespace, labels: { ...labels }, annotations: { ...generated } },
      spec: s,
      ...(ctx.source ? { source: ctx.source } : {}),
    });
  };

  const backendService = (b: unknown, path: string): string | undefined => {
    if (!isPlainObject(b)) {
      pushDiag(
        ctx,
        ref,
        path,
        `expected a backend {service: {name, port}}, got ${describeValue(b)}`,
        'error',
        'invalid-backend',
      );
      return undefined;
    }
    if (b.resource !== undefined) {
      pushDiag(
        ctx,
        ref,
        `${path}.resource`,
        'resource backends are not supported; this path is ignored',
        'warning',
        'unsupported-backend',
      );
      return undefined;
    }
    const svc = b.service;
    if (!isPlainObject(svc) || typeof svc.name !== 'string' || svc.name === '') {
      pushDiag(
        ctx,
        ref,
        `${path}.service.name`,
        `expected a Service name, got ${describeValue(isPlainObject(svc) ? svc.name : svc)}`,
        'error',
        'invalid-backend',
      );
      return undefined;
    }
    const port = isPlainObject(svc.port) ? svc.port : {};
    if (
      typeof port.number === 'number' &&
      Number.isInteger(port.number) &&
      port.number >= 1 &&
      port.number <= 65535
    )
      return `${svc.name}:${port.number}`;
    if (typeof port.name === 'string') {
      pushDiag(
        ctx,
        ref,
        `${path}.service.port.name`,
        `named service ports cannot be resolved without the Service; using port 80 for "${port.name}" (use port.number)`,
        'warning',
        'named-port',
      );
      return `${svc.name}:80`;
    }
    pushDiag(
      ctx,
      ref,
      `${path}.service.port`,
      `expected port.number from 1 to 65535 or port.name, got ${describeValue(svc.port)}`,
      'error',
      'invalid-backend',
    );
    return undefined;
  };

  const hostMatch = (host: string | undefined): Partial<MappingSpec> => {
    if (host === undefined || host === '') return { hostname: '*' };
    if (host.startsWith('*.')) {
      // Ingress wildcards cover exactly one DNS label (`*.foo.com` ≠ `a.b.foo.com`).
      return { host: `[^.]+${escapeRe2(host.slice(1))}`, hostRegex: true };
    }
    return { hostname: host };
  };

  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  if (spec.rules !== undefined && !Array.isArray(spec.rules))
    pushDiag(
      ctx,
      ref,
      'spec.rules',
      `expected a list of rules, got ${describeValue(spec.rules)}`,
      'error',
      'invalid-type',
    );
  const ruleHosts = new Set<string>();
  rules.forEach((rule: unknown, ri: number) => {
    const rpath = `spec.rules[${ri}]`;
    if (!isPlainObject(rule)) {
      pushDiag(
        ctx,
        ref,
        rpath,
        `expected a rule object, got ${describeValue(rule)}`,
        'error',
        'invalid-type',
      );
      return;
    }
    const host = typeof rule.host === 'string' ? rule.host : undefined;
    ruleHosts.add(host ?? '*');
    const http = isPlainObject(rule.http) ? rule.http : undefined;
    const paths = http && Array.isArray(http.paths) ? http.paths : [];
    if (paths.length === 0)
      pushDiag(ctx, ref, `${rpath}.http.paths`, 'expected at least one path', 'error', 'invalid-ingress');
    paths.forEach((p: unknown, pi: number) => {
      const ppath = `${rpath}.http.paths[${pi}]`;
      if (!isPlainObject(p)) {
        pushDiag(ctx, ref, ppath, `expected a path object, got ${describeValue(p)}`, 'error', 'invalid-type');
        return;
      }
      const pathType = p.pathType;
      const path = typeof p.path === 'string' ? p.path : '';
      if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
        pushDiag(
          ctx,
          ref,
          `${ppath}.pathType`,
          `expected one of Exact, Prefix, ImplementationSpecific, got ${describeValue(pathType)}`,
          'error',
          'invalid-ingress',
        );
        return;
      }
      if ((pathType !== 'ImplementationSpecific' || path !== '') && !path.startsWith('/')) {
        pushDiag(
          ctx,
          ref,
          `${ppath}.path`,
          `expected a path starting with "/", got ${describeValue(p.path)}`,
          'error',
          'invalid-ingress',
        );
        return;
      }
      const service = backendService(p.backend, `${ppath}.backend`);
      if (!service) return;
      const base: MappingSpec = { prefix: path || '/', service, rewrite: '', ...hostMatch(host) };
      if (pathType === 'Exact') Object.assign(base, { prefixExact: true, precedence: 1 });
      else if (pathType === 'Prefix')
        Object.assign(base, {
          prefix: path.length > 1 ? path.replace(/\/+$/, '') || '/' : '/',
          gatewaySdk: { prefixMatch: 'segment' },
        });
      mapping(`${name}-${ri}-${pi}`, base);
    });
  });

  if (spec.defaultBackend !== undefined) {
    const service = backendService(spec.defaultBackend, 'spec.defaultBackend');
    if (service)
      mapping(`${name}-default-backend`, {
        prefix: '/',
        service,
        rewrite: '',
        hostname: '*',
        precedence: DEFAULT_BACKEND_PRECEDENCE,
      });
    ruleHosts.add('*');
  }
  if (rules.length === 0 && spec.defaultBackend === undefined)
    pushDiag(
      ctx,
      ref,
      'spec',
      "either 'defaultBackend' or 'rules' must be specified",
      'error',
      'invalid-ingress',
    );

  const tlsList = Array.isArray(spec.tls) ? spec.tls : [];
  const tlsHosts = new Set<string>();
  tlsList.forEach((t: unknown, ti: number) => {
    if (!isPlainObject(t)) return;
    const secretName = typeof t.secretName === 'string' && t.secretName ? t.secretName : undefined;
    const hostsOf = Array.isArray(t.hosts) ? t.hosts.filter((h): h is string => typeof h === 'string') : [];
    if (!secretName) {
      pushDiag(
        ctx,
        ref,
        `spec.tls[${ti}].secretName`,
        'TLS entry without secretName: no certificate to serve; ignored',
        'warning',
        'tls-without-secret',
      );
      return;
    }
    (hostsOf.length > 0 ? hostsOf : ['*']).forEach((h, hi) => {
      tlsHosts.add(h);
      hosts.push({
        apiVersion: AMBASSADOR_API_VERSION,
        kind: 'Host',
        metadata: {
          name: `${name}-tls-${ti}-${hi}`,
          namespace,
          labels: { ...labels },
          annotations: { ...generated },
        },
        spec: { hostname: h, tlsSecret: { name: secretName } },
        ...(ctx.source ? { source: ctx.source } : {}),
      });
    });
  });
  if (hosts.length > 0) {
    // Once any Host exists, Mappings only serve hostnames some Host covers: add plain Hosts for
    // the Ingress's other hostnames so they keep working over cleartext, as the Ingress says.
    [...ruleHosts]
      .filter((h) => !tlsHosts.has(h))
      .forEach((h) => {
        hosts.push({
          apiVersion: AMBASSADOR_API_VERSION,
          kind: 'Host',
          metadata: {
            name: `${name}-host-${h === '*' ? 'any' : h.replace(/[^a-z0-9]+/gi, '-')}`,
            namespace,
            labels: { ...labels },
            annotations: { ...generated },
          },
          spec: { hostname: h, requestPolicy: { insecure: { action: 'Route' } } },
          ...(ctx.source ? { source: ctx.source } : {}),
        });
      });
  }
  // Generated resources point at the Ingress document (their field paths are not the Ingress's).
  ctx.resources.push(...mappings, ...hosts);
}
