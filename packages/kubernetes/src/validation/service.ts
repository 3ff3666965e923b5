import type { Diagnostic } from '@gateway/core';
import type { Service } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateLabels, validateObjectMeta } from './metadata.js';
import {
  isCIDR,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isIPv4,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
} from './names.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** The API server's default `--service-node-port-range`. */
export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** MetalLB's Service annotations (v0.13+; the `metallb.universe.tf/` prefix is the legacy form). */
export const METALLB_ANNOTATIONS = {
  addressPool: 'metallb.io/address-pool',
  loadBalancerIPs: 'metallb.io/loadBalancerIPs',
  allowSharedIP: 'metallb.io/allow-shared-ip',
} as const;

export interface ServiceValidationOptions {
  /** NodePort range to check against; default 30000–32767. */
  nodePortRange?: { min: number; max: number };
}

/**
 * Port of the API server's `ValidateService` (the parts that apply to objects we write) plus the
 * MetalLB controller's checks of its annotations: name (DNS-1035), type, ports (names required
 * with several ports, DNS-1123 labels, unique; numbers; protocols; `targetPort` number or
 * IANA name; `nodePort` range, uniqueness, not on ClusterIP), ExternalName, selector labels,
 * LoadBalancer-only fields, and `metallb.io/loadBalancerIPs` (≤ 2 IPs, one per family, not
 * together with `spec.loadBalancerIP`).
 *
 * @example
 * ```ts
 * validateService({ metadata: { name: 'web' }, spec: { ports: [] } });
 * // spec.ports: Required value
 * ```
 */
export function validateService(svc: Service, opts: ServiceValidationOptions = {}): Diagnostic[] {
  const errs = new FieldErrors(objectRef(svc, 'Service'));
  validateObjectMeta(svc, errs, { nameRule: isDNS1035Label });
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const range = opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  if (!SERVICE_TYPES.includes(type))
    errs.notSupported('spec.type', type, SERVICE_TYPES, 'invalid-service-type');
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.required('spec.ports', '', 'no-ports');

  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !port.name) errs.required(`${path}.name`, '', 'port-name-required');
    else if (port.name) {
      for (const msg of isDNS1123Label(port.name))
        errs.invalid(`${path}.name`, port.name, msg, 'invalid-port-name');
      if (names.has(port.name)) errs.duplicate(`${path}.name`, port.name, 'duplicate-port-name');
      names.add(port.name);
    }
    for (const msg of isValidPortNum(port.port)) errs.invalid(`${path}.port`, port.port, msg, 'invalid-port');
    const protocol = port.protocol ?? 'TCP';
    if (!PROTOCOLS.includes(protocol))
      errs.notSupported(`${path}.protocol`, protocol, PROTOCOLS, 'invalid-protocol');
    const key = `${protocol}/${port.port}`;
    if (portKeys.has(key)) errs.duplicate(path, { port: port.port, protocol }, 'duplicate-port');
    portKeys.add(key);
    if (typeof port.targetPort === 'number') {
      // 0 means "same as port" and is defaulted before validation.
      if (port.targetPort !== 0) {
        for (const msg of isValidPortNum(port.targetPort))
          errs.invalid(`${path}.targetPort`, port.targetPort, msg, 'invalid-target-port');
      }
    } else if (typeof port.targetPort === 'string') {
      for (const msg of isValidPortName(port.targetPort)) {
        errs.invalid(`${path}.targetPort`, port.targetPort, msg, 'invalid-target-port');
      }
    }
    if (port.nodePort !== undefined && port.nodePort !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        errs.forbidden(
          `${path}.nodePort`,
          `may not be used when \`type\` is '${type}'`,
          'node-port-forbidden',
        );
      } else {
        const msgs = isValidPortNum(port.nodePort);
        for (const msg of msgs) errs.invalid(`${path}.nodePort`, port.nodePort, msg, 'invalid-node-port');
        if (msgs.length === 0 && (port.nodePort < range.min || port.nodePort > range.max)) {
          errs.invalid(
            `${path}.nodePort`,
            port.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`,
            'node-port-range',
          );
        }
        const npKey = `${protocol}/${port.nodePort}`;
        if (nodePorts.has(npKey)) errs.duplicate(`${path}.nodePort`, port.nodePort, 'duplicate-node-port');
        nodePorts.add(npKey);
      }
    }
    if (port.appProtocol) {
      for (const msg of isQualifiedName(port.appProtocol))
        errs.invalid(`${path}.appProtocol`, port.appProtocol, msg);
    }
  });

  if (type === 'ExternalName') {
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (!cname) errs.required('spec.externalName', '', 'external-name-required');
    else
      for (const msg of isDNS1123Subdomain(cname))
        errs.invalid('spec.externalName', cname, msg, 'invalid-external-name');
    if ((spec.clusterIPs ?? []).length > 0)
      errs.forbidden('spec.clusterIPs', 'may not be set for ExternalName services');
  }
  validateLabels(spec.selector, 'spec.selector', errs);

  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer';
  if (spec.externalTrafficPolicy !== undefined) {
    if (!externallyAccessible) {
      errs.invalid(
        'spec.externalTrafficPolicy',
        spec.externalTrafficPolicy,
        'may only be set for externally-accessible services',
        'traffic-policy-forbidden',
      );
    } else if (!['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) {
      errs.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']);
    }
  }
  if (spec.sessionAffinity !== undefined && !['ClientIP', 'None'].includes(spec.sessionAffinity)) {
    errs.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']);
  }
  if (type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined) {
      errs.forbidden(
        'spec.allocateLoadBalancerNodePorts',
        "may only be used when `type` is 'LoadBalancer'",
        'lb-only',
      );
    }
    if (spec.loadBalancerClass !== undefined) {
      errs.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'", 'lb-only');
    }
    if ((spec.loadBalancerSourceRanges ?? []).length > 0) {
      errs.forbidden(
        'spec.loadBalancerSourceRanges',
        "may only be used when `type` is 'LoadBalancer'",
        'lb-only',
      );
    }
  }
  if (spec.loadBalancerClass !== undefined) {
    for (const msg of isQualifiedName(spec.loadBalancerClass))
      errs.invalid('spec.loadBalancerClass', spec.loadBalancerClass, msg);
  }
  (spec.loadBalancerSourceRanges ?? []).forEach((cidr, i) => {
    if (!isCIDR(cidr)) {
      errs.invalid(
        `spec.loadBalancerSourceRanges[${i}]`,
        cidr,
        'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ',
        'invalid-source-range',
      );
    }
  });
  if (spec.loadBalancerIP && !isIP(spec.loadBalancerIP)) {
    errs.invalid(
      'spec.loadBalancerIP',
      spec.loadBalancerIP,
      'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'invalid-lb-ip',
    );
  }
  validateMetalLBAnnotations(svc, errs);
  return errs.list;
}

/** MetalLB's own checks of its Service annotations (`controller/service.go`). */
function validateMetalLBAnnotations(svc: Service, errs: FieldErrors): void {
  const annotations = svc.metadata?.annotations ?? {};
  const path = (key: string) => `metadata.annotations.${key}`;
  const ips = annotations[METALLB_ANNOTATIONS.loadBalancerIPs];
  if (ips !== undefined) {
    const list = ips.split(',').map((s) => s.trim());
    const p = path(METALLB_ANNOTATIONS.loadBalancerIPs);
    for (const ip of list)
      if (!isIP(ip)) errs.invalid(p, ip, 'must be a valid IP address', 'metallb-invalid-ip');
    if (list.length > 2)
      errs.invalid(
        p,
        ips,
        'at most two addresses (one per IP family) may be requested',
        'metallb-too-many-ips',
      );
    else if (list.length === 2 && list.every(isIP) && isIPv4(list[0]!) === isIPv4(list[1]!)) {
      errs.invalid(p, ips, 'two addresses must be of different IP families', 'metallb-same-family');
    }
    if (svc.spec?.loadBalancerIP) {
      errs.invalid(p, ips, 'cannot be set together with spec.loadBalancerIP', 'metallb-ip-conflict');
    }
    if ((svc.spec?.type ?? 'ClusterIP') !== 'LoadBalancer') {
      errs.invalid(p, ips, "only applies to Services of type 'LoadBalancer'", 'metallb-not-lb');
    }
  }
  const pool = annotations[METALLB_ANNOTATIONS.addressPool];
  if (pool !== undefined) {
    for (const msg of isDNS1123Subdomain(pool))
      errs.invalid(path(METALLB_ANNOTATIONS.addressPool), pool, msg, 'metallb-invalid-pool');
  }
  const shared = annotations[METALLB_ANNOTATIONS.allowSharedIP];
  if (shared !== undefined && shared.length === 0) {
    errs.invalid(
      path(METALLB_ANNOTATIONS.allowSharedIP),
      shared,
      'sharing key must not be empty',
      'metallb-empty-sharing-key',
    );
  }
}
