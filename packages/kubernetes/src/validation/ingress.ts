import type { Diagnostic } from '@gateway/core';
import type { Ingress, IngressBackend } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateObjectMeta } from './metadata.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isIP,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from './names.js';

/** The legacy class annotation; still honoured by controllers (including ours). */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const SUPPORTED_PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/**
 * Port of the API server's Ingress validation (`pkg/apis/networking/validation`, create path):
 * object name, `defaultBackend`/`rules` presence, hosts (no IPs, wildcard form), paths per
 * `pathType`, backends (service XOR resource, Service name DNS-1035, port name XOR number), TLS
 * hosts and secret names, `ingressClassName`, and the class annotation/field agreement.
 *
 * @example
 * ```ts
 * validateIngress({ metadata: { name: 'web' }, spec: {} });
 * // [{ path: 'spec', message: 'Invalid value: "null": either `defaultBackend` or `rules` must be specified', ... }]
 * ```
 */
export function validateIngress(ingress: Ingress): Diagnostic[] {
  const errs = new FieldErrors(objectRef(ingress, 'Ingress'));
  validateObjectMeta(ingress, errs, { nameRule: isDNS1123Subdomain });
  const spec = ingress.spec ?? {};
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.invalid('spec', null, 'either `defaultBackend` or `rules` must be specified', 'no-rules');
  }
  if (spec.defaultBackend) validateBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    if (rule.host) {
      if (isIP(rule.host))
        errs.invalid(`${path}.host`, rule.host, 'must be a DNS name, not an IP address', 'host-is-ip');
      const msgs = rule.host.includes('*')
        ? isWildcardDNS1123Subdomain(rule.host)
        : isDNS1123Subdomain(rule.host);
      for (const msg of msgs) errs.invalid(`${path}.host`, rule.host, msg, 'invalid-host');
    }
    if (rule.http) {
      const paths = rule.http.paths ?? [];
      if (paths.length === 0) errs.required(`${path}.http.paths`, '', 'no-paths');
      paths.forEach((p, j) => {
        const pp = `${path}.http.paths[${j}]`;
        if (!p.pathType) {
          errs.required(`${pp}.pathType`, 'pathType must be specified', 'no-path-type');
          return;
        }
        const value = p.path ?? '';
        if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
          if (!value.startsWith('/'))
            errs.invalid(`${pp}.path`, value, 'must be an absolute path', 'path-not-absolute');
          if (value.length > 0) {
            for (const seq of INVALID_PATH_SEQUENCES) {
              if (value.includes(seq))
                errs.invalid(`${pp}.path`, value, `must not contain '${seq}'`, 'path-invalid-sequence');
            }
            for (const suffix of INVALID_PATH_SUFFIXES) {
              if (value.endsWith(suffix))
                errs.invalid(`${pp}.path`, value, `cannot end with '${suffix}'`, 'path-invalid-suffix');
            }
          }
        } else if (p.pathType === 'ImplementationSpecific') {
          if (value.length > 0 && !value.startsWith('/')) {
            errs.invalid(`${pp}.path`, value, 'must be an absolute path', 'path-not-absolute');
          }
        } else {
          errs.notSupported(`${pp}.pathType`, p.pathType, SUPPORTED_PATH_TYPES, 'invalid-path-type');
        }
        validateBackend(p.backend ?? {}, `${pp}.backend`, errs);
      });
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((host, j) => {
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const msg of msgs) errs.invalid(`spec.tls[${i}].hosts[${j}]`, host, msg, 'invalid-tls-host');
    });
    if (tls.secretName) {
      for (const msg of isDNS1123Subdomain(tls.secretName)) {
        errs.invalid(`spec.tls[${i}].secretName`, tls.secretName, msg, 'invalid-secret-name');
      }
    }
  });
  if (spec.ingressClassName) {
    for (const msg of isDNS1123Subdomain(spec.ingressClassName)) {
      errs.invalid('spec.ingressClassName', spec.ingressClassName, msg, 'invalid-class-name');
    }
  }
  const annotation = ingress.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (
    annotation !== undefined &&
    spec.ingressClassName !== undefined &&
    annotation !== spec.ingressClassName
  ) {
    errs.invalid(
      `metadata.annotations.${INGRESS_CLASS_ANNOTATION}`,
      annotation,
      'must match `ingressClassName` when both are specified',
      'class-mismatch',
    );
  }
  return errs.list;
}

function validateBackend(backend: IngressBackend, path: string, errs: FieldErrors): void {
  if (backend.resource && backend.service) {
    errs.invalid(path, '', 'cannot set both resource and service backends', 'backend-both');
    return;
  }
  if (backend.resource) {
    const r = backend.resource;
    if (r.apiGroup) {
      for (const msg of isDNS1123Subdomain(r.apiGroup))
        errs.invalid(`${path}.resource.apiGroup`, r.apiGroup, msg);
    }
    if (!r.kind) errs.required(`${path}.resource.kind`);
    else for (const msg of pathSegmentErrors(r.kind)) errs.invalid(`${path}.resource.kind`, r.kind, msg);
    if (!r.name) errs.required(`${path}.resource.name`);
    else for (const msg of pathSegmentErrors(r.name)) errs.invalid(`${path}.resource.name`, r.name, msg);
    return;
  }
  if (!backend.service) {
    errs.invalid(path, '', 'resource or service backend is required', 'backend-missing');
    return;
  }
  const svc = backend.service;
  if (!svc.name) errs.required(`${path}.service.name`, '', 'service-name-missing');
  else
    for (const msg of isDNS1035Label(svc.name))
      errs.invalid(`${path}.service.name`, svc.name, msg, 'invalid-service-name');
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  if (portName && portNumber) {
    errs.invalid(path, '', 'cannot set both port name & port number', 'port-both');
  } else if (portName) {
    for (const msg of isValidPortName(portName))
      errs.invalid(`${path}.service.port.name`, portName, msg, 'invalid-port-name');
  } else if (portNumber) {
    for (const msg of isValidPortNum(portNumber))
      errs.invalid(`${path}.service.port.number`, portNumber, msg, 'invalid-port');
  } else {
    errs.required(path, 'port name or number is required', 'port-missing');
  }
}

/** `ValidatePathSegmentName`: names used as URL path segments. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  return errs;
}
