import { type IPAddress, parseIP } from '../net/ip.js';

/**
 * The parts of a Kubernetes `v1 Service` the allocator reads. Plain data, so a Service parsed
 * from YAML or fetched with @kubernetes/client-node fits as is.
 */
export interface ServiceInput {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    type?: string;
    loadBalancerIP?: string;
    loadBalancerClass?: string;
    ports?: { port: number; protocol?: string; name?: string }[];
    selector?: Record<string, string>;
    externalTrafficPolicy?: string;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    clusterIP?: string;
    clusterIPs?: string[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** A namespace and its labels, for pools with `serviceAllocation.namespaceSelectors`. */
export interface NamespaceInput {
  name: string;
  labels?: Record<string, string>;
}

/** `namespace/name` of a Service. */
export interface ServiceRef {
  namespace: string;
  name: string;
}

export const ANNOTATION_PREFIX = 'metallb.io/';
export const DEPRECATED_ANNOTATION_PREFIX = 'metallb.universe.tf/';
export const ANNOTATION_ADDRESS_POOL = 'metallb.io/address-pool';
export const ANNOTATION_LOADBALANCER_IPS = 'metallb.io/loadBalancerIPs';
export const ANNOTATION_ALLOW_SHARED_IP = 'metallb.io/allow-shared-ip';
/** Set by MetalLB's controller on allocated Services. */
export const ANNOTATION_IP_ALLOCATED_FROM_POOL = 'metallb.io/ip-allocated-from-pool';

export function serviceRef(svc: ServiceInput): ServiceRef {
  return { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name };
}

export function serviceKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}`;
}

const ANNOTATION_KEYS = new Map<string, readonly [string, string]>();

/** The value of `metallb.io/<name>`, else of `metallb.universe.tf/<name>`; the stable key wins even when empty. */
export function annotation(svc: ServiceInput, name: string): { key: string; value: string } | undefined {
  const annotations = svc.metadata.annotations;
  if (!annotations) return undefined;
  let keys = ANNOTATION_KEYS.get(name);
  if (!keys) {
    keys = [ANNOTATION_PREFIX + name, DEPRECATED_ANNOTATION_PREFIX + name];
    ANNOTATION_KEYS.set(name, keys);
  }
  for (const key of keys) {
    if (Object.hasOwn(annotations, key)) return { key, value: annotations[key] as string };
  }
  return undefined;
}

/** The sharing key (`allow-shared-ip`); '' means the Service does not share. */
export function sharingKeyOf(svc: ServiceInput): string {
  return annotation(svc, 'allow-shared-ip')?.value ?? '';
}

/**
 * The backend key: with `externalTrafficPolicy: Local` traffic only reaches local endpoints, so
 * Services sharing an IP must select the same pods; the key is the selector as `k=v,…`.
 */
export function backendKeyOf(svc: ServiceInput): string {
  if (svc.spec?.externalTrafficPolicy !== 'Local') return '';
  return Object.entries(svc.spec.selector ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** `PROTOCOL/port` for every Service port (protocol defaults to TCP, as the API server sets it). */
export function portsOf(svc: ServiceInput): string[] {
  return (svc.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
}

export type ServiceFamily = 'ipv4' | 'ipv6' | 'dual';

export interface FamilyInfo {
  family: ServiceFamily;
  /** The preferred family for dual-stack choices (`ipFamilies[0]`). */
  primary: 4 | 6;
  policy: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  error?: string;
}

function familyOfAddresses(ips: string[]): ServiceFamily | undefined {
  const parsed = ips.map(parseIP);
  if (parsed.some((p) => !p)) return undefined;
  if (parsed.length === 1) return parsed[0]?.family === 6 ? 'ipv6' : 'ipv4';
  if (parsed.length === 2 && parsed[0]?.family !== parsed[1]?.family) return 'dual';
  return undefined;
}

/**
 * The IP family a Service needs. MetalLB derives it from `clusterIPs`; Services written by hand
 * often have none, so then `ipFamilies` decides, and with neither, `PreferDualStack` and
 * `RequireDualStack` mean dual stack and anything else IPv4.
 */
export function serviceFamily(svc: ServiceInput): FamilyInfo {
  const spec = svc.spec ?? {};
  const rawPolicy = spec.ipFamilyPolicy ?? 'SingleStack';
  const policy: FamilyInfo['policy'] =
    rawPolicy === 'PreferDualStack' || rawPolicy === 'RequireDualStack' ? rawPolicy : 'SingleStack';
  const primary: 4 | 6 = spec.ipFamilies?.[0] === 'IPv6' ? 6 : 4;
  const clusterIPs = (spec.clusterIPs ?? []).filter((ip) => ip !== '' && ip !== 'None');
  const clusterIP = spec.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  if (clusterIPs.length > 0 || clusterIP) {
    const ips = clusterIPs.length > 0 ? clusterIPs : [clusterIP as string];
    const family = familyOfAddresses(ips);
    if (!family)
      return {
        family: 'ipv4',
        primary,
        policy,
        error: `invalid clusterIPs ${JSON.stringify(ips)}: cannot determine the IP family`,
      };
    if (policy === 'RequireDualStack' && family !== 'dual') {
      return {
        family,
        primary,
        policy,
        error: `Service requires dual stack but not enough clusterIPs ${JSON.stringify(ips)}`,
      };
    }
    return {
      family,
      primary: clusterIPs.length > 0 && parseIP(ips[0] as string)?.family === 6 ? 6 : primary,
      policy,
    };
  }
  const families = spec.ipFamilies ?? [];
  if (families.length >= 2) return { family: 'dual', primary, policy };
  if (families.length === 1) {
    if (policy === 'RequireDualStack') return { family: 'dual', primary, policy };
    return { family: families[0] === 'IPv6' ? 'ipv6' : 'ipv4', primary, policy };
  }
  if (policy !== 'SingleStack') return { family: 'dual', primary, policy };
  return { family: 'ipv4', primary, policy };
}

/** The addresses a Service asks for, from `metallb.io/loadBalancerIPs` or `spec.loadBalancerIP`. */
export type DesiredIPs =
  | { kind: 'none' }
  | { kind: 'ok'; ips: IPAddress[]; texts: string[]; family: ServiceFamily; path: string }
  | { kind: 'error'; message: string; path: string };

export function desiredIPsOf(svc: ServiceInput): DesiredIPs {
  const ann = annotation(svc, 'loadBalancerIPs');
  const annText = ann?.value ?? '';
  const specIP = svc.spec?.loadBalancerIP ?? '';
  const annPath = `metadata.annotations[${JSON.stringify(ann?.key ?? ANNOTATION_LOADBALANCER_IPS)}]`;
  if (annText === '' && specIP === '') return { kind: 'none' };
  if (annText !== '' && specIP !== '') {
    return {
      kind: 'error',
      path: 'spec.loadBalancerIP',
      message: `service can not have both ${ANNOTATION_LOADBALANCER_IPS} and spec.loadBalancerIP: expected only the annotation`,
    };
  }
  const texts = annText !== '' ? annText.split(',').map((s) => s.trim()) : [specIP];
  const path = annText !== '' ? annPath : 'spec.loadBalancerIP';
  const ips: IPAddress[] = [];
  for (const t of texts) {
    const ip = parseIP(t);
    if (!ip) {
      return {
        kind: 'error',
        path,
        message: `invalid ${annText !== '' ? ann?.key : 'spec.loadBalancerIP'} ${JSON.stringify(annText || specIP)}: expected IP addresses separated by commas`,
      };
    }
    ips.push(ip);
  }
  if (ips.length > 2) {
    return {
      kind: 'error',
      path,
      message: `more than two addresses ${JSON.stringify(texts)}: expected at most one IPv4 and one IPv6 address`,
    };
  }
  if (ips.length === 2 && ips[0]?.family === ips[1]?.family) {
    return {
      kind: 'error',
      path,
      message: `${JSON.stringify(texts)} have the same IP family: expected one IPv4 and one IPv6 address`,
    };
  }
  const family: ServiceFamily = ips.length === 2 ? 'dual' : ips[0]?.family === 6 ? 'ipv6' : 'ipv4';
  return { kind: 'ok', ips, texts, family, path };
}
