/**
 * Schema and CEL rules shared by Gateway API kinds (`apis/v1/shared_types.go`,
 * `httproute_types.go`): hostnames, parentRefs, header modifiers, backend references, mirrors.
 * Messages are the CRDs' own (`x-kubernetes-validations[].message`), printed the way the API
 * server prints CEL failures: `<path>: Invalid value: "object": <message>`.
 *
 * @module
 */

import type {
  BackendObjectReference,
  HeaderModifier,
  HTTPBackendRef,
  HTTPRouteFilter,
  KubeObject,
  ParentReference,
} from '../types.js';
import type { FieldErrors } from './field.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Subdomain, matchesDns1123Label, matchesDns1123Subdomain } from './names.js';

export const HOSTNAME_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const PRECISE_HOSTNAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const NAMESPACE_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The structural-schema message for a pattern mismatch. */
export function patternError(
  errs: FieldErrors,
  path: string,
  value: string,
  pattern: string,
  code: string,
): void {
  errs.invalid(path, value, `${path} in body should match '${pattern}'`, code);
}

export function lengthErrors(
  errs: FieldErrors,
  path: string,
  value: string,
  min: number,
  max: number,
): boolean {
  if (value.length < min) {
    errs.invalid(path, value, `${path} in body should be at least ${min} chars long`, 'too-short');
    return false;
  }
  if (value.length > max) {
    errs.tooLong(path, max);
    return false;
  }
  return true;
}

export function isGatewayHostname(value: string): boolean {
  return matchesDns1123Subdomain(value.startsWith('*.') ? value.slice(2) : value);
}

/** `spec.hostnames`: ≤ 16, 1–253 characters, optional leading `*.` label. */
export function validateHostnames(hostnames: string[] | undefined, errs: FieldErrors): void {
  const list = hostnames ?? [];
  if (list.length > 16) errs.tooMany('spec.hostnames', list.length, 16);
  list.forEach((h, i) => {
    const path = `spec.hostnames[${i}]`;
    if (lengthErrors(errs, path, h, 1, 253) && !isGatewayHostname(h))
      patternError(errs, path, h, HOSTNAME_PATTERN, 'invalid-hostname');
  });
}

/** `spec.parentRefs`: ≤ 32, names, and the two uniqueness rules for several refs to one parent. */
export function validateParentRefs(refs: ParentReference[] | undefined, errs: FieldErrors): void {
  const list = refs ?? [];
  if (list.length > 32) errs.tooMany('spec.parentRefs', list.length, 32);
  list.forEach((ref, i) => {
    const path = `spec.parentRefs[${i}]`;
    lengthErrors(errs, `${path}.name`, ref.name ?? '', 1, 253);
    if (ref.namespace !== undefined && !matchesDns1123Label(ref.namespace)) {
      patternError(errs, `${path}.namespace`, ref.namespace, NAMESPACE_PATTERN, 'invalid-namespace');
    }
    if (ref.port !== undefined && (ref.port < 1 || ref.port > 65535)) {
      errs.invalid(`${path}.port`, ref.port, 'should be between 1 and 65535', 'invalid-port');
    }
  });
  const parentKey = (p: ParentReference) =>
    `${p.group ?? GATEWAY_GROUP}|${p.kind ?? 'Gateway'}|${p.namespace ?? ''}|${p.name}`;
  const hasSection = (p: ParentReference) => !!p.sectionName;
  const hasPort = (p: ParentReference) => !!p.port;
  let mixed = false;
  let duplicated = false;
  for (const a of list) {
    for (const b of list) {
      if (parentKey(a) !== parentKey(b)) continue;
      if (hasSection(a) !== hasSection(b) || hasPort(a) !== hasPort(b)) mixed = true;
    }
    const same = list.filter(
      (b) =>
        parentKey(a) === parentKey(b) &&
        (a.sectionName ?? '') === (b.sectionName ?? '') &&
        (a.port ?? 0) === (b.port ?? 0),
    );
    if (same.length !== 1) duplicated = true;
  }
  if (mixed) {
    errs.cel(
      'spec.parentRefs',
      'array',
      'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent',
      'parent-ref-ambiguous',
    );
  }
  if (duplicated) {
    errs.cel(
      'spec.parentRefs',
      'array',
      'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent',
      'parent-ref-duplicate',
    );
  }
}

/** Request/ResponseHeaderModifier: ≤ 16 entries each, valid names, unique names per list. */
export function validateHeaderModifier(mod: HeaderModifier, path: string, errs: FieldErrors): void {
  for (const listName of ['set', 'add'] as const) {
    const list = mod[listName] ?? [];
    if (list.length > 16) errs.tooMany(`${path}.${listName}`, list.length, 16);
    const seen = new Set<string>();
    list.forEach((h, i) => {
      validateHeaderName(h.name, `${path}.${listName}[${i}].name`, errs);
      const key = h.name.toLowerCase();
      if (seen.has(key)) errs.duplicate(`${path}.${listName}[${i}]`, { name: h.name }, 'duplicate-header');
      seen.add(key);
      lengthErrors(errs, `${path}.${listName}[${i}].value`, h.value ?? '', 0, 4096);
    });
  }
  const remove = mod.remove ?? [];
  if (remove.length > 16) errs.tooMany(`${path}.remove`, remove.length, 16);
  const seen = new Set<string>();
  remove.forEach((name, i) => {
    if (seen.has(name)) errs.duplicate(`${path}.remove[${i}]`, name, 'duplicate-header');
    seen.add(name);
  });
}

export function validateHeaderName(name: string, path: string, errs: FieldErrors): void {
  if (lengthErrors(errs, path, name ?? '', 1, 256) && !HEADER_NAME_RE.test(name)) {
    patternError(errs, path, name, HEADER_NAME_PATTERN, 'invalid-header-name');
  }
}

/** A backend reference: name, namespace, port range, and "Must have port for Service reference". */
export function validateBackendObjectRef(ref: BackendObjectReference, path: string, errs: FieldErrors): void {
  lengthErrors(errs, `${path}.name`, ref.name ?? '', 1, 253);
  if (ref.namespace !== undefined && !matchesDns1123Label(ref.namespace)) {
    patternError(errs, `${path}.namespace`, ref.namespace, NAMESPACE_PATTERN, 'invalid-namespace');
  }
  if (ref.port !== undefined && (ref.port < 1 || ref.port > 65535)) {
    errs.invalid(`${path}.port`, ref.port, 'should be between 1 and 65535', 'invalid-port');
  }
  const isService = (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';
  if (isService && ref.port === undefined)
    errs.cel(path, 'object', 'Must have port for Service reference', 'service-port-required');
}

/**
 * What HTTPRoute and GRPCRoute check alike before their rules: metadata, `parentRefs`,
 * `hostnames`, at most 16 rules and at most 128 matches across them. Returns the rules.
 */
export function validateRouteBasics<Rule extends { matches?: unknown[] }>(
  route: KubeObject & {
    spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: Rule[] };
  },
  errs: FieldErrors,
): Rule[] {
  validateObjectMeta(route, errs, { nameRule: isDNS1123Subdomain });
  const spec = route.spec ?? {};
  validateParentRefs(spec.parentRefs, errs);
  validateHostnames(spec.hostnames, errs);
  const rules = spec.rules ?? [];
  if (rules.length > 16) errs.tooMany('spec.rules', rules.length, 16);
  const totalMatches = rules.reduce((n, r) => n + (r.matches ?? []).length, 0);
  if (totalMatches > 128) {
    errs.cel(
      'spec.rules',
      'array',
      'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
      'too-many-matches',
    );
  }
  return rules;
}

/**
 * A route rule's `backendRefs` (HTTPRoute and GRPCRoute alike): at most 16, each a backend
 * reference with a weight from 0 to 1000000, and its filters checked by the route's own
 * `validateFilters`.
 */
export function validateBackendRefs(
  refs: HTTPBackendRef[],
  path: string,
  errs: FieldErrors,
  validateFilters: (filters: HTTPRouteFilter[] | undefined, path: string, errs: FieldErrors) => void,
): void {
  if (refs.length > 16) errs.tooMany(path, refs.length, 16);
  refs.forEach((ref, k) => {
    const refPath = `${path}[${k}]`;
    validateBackendObjectRef(ref, refPath, errs);
    if (
      ref.weight !== undefined &&
      (!Number.isInteger(ref.weight) || ref.weight < 0 || ref.weight > 1_000_000)
    ) {
      errs.invalid(
        `${refPath}.weight`,
        ref.weight,
        'should be an integer between 0 and 1000000',
        'invalid-weight',
      );
    }
    validateFilters(ref.filters, `${refPath}.filters`, errs);
  });
}

/** RequestMirror: backendRef, percent XOR fraction, numerator ≤ denominator. */
export function validateMirror(
  mirror: NonNullable<HTTPRouteFilter['requestMirror']>,
  path: string,
  errs: FieldErrors,
): void {
  validateBackendObjectRef(mirror.backendRef ?? { name: '' }, `${path}.backendRef`, errs);
  if (mirror.percent !== undefined && mirror.fraction !== undefined) {
    errs.cel(
      path,
      'object',
      'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
      'mirror-percent-and-fraction',
    );
  }
  if (
    mirror.percent !== undefined &&
    (mirror.percent < 0 || mirror.percent > 100 || !Number.isInteger(mirror.percent))
  ) {
    errs.invalid(
      `${path}.percent`,
      mirror.percent,
      'should be an integer between 0 and 100',
      'invalid-percent',
    );
  }
  if (mirror.fraction) {
    const denominator = mirror.fraction.denominator ?? 100;
    if (mirror.fraction.numerator < 0)
      errs.invalid(
        `${path}.fraction.numerator`,
        mirror.fraction.numerator,
        'should be greater than or equal to 0',
      );
    if (denominator < 1)
      errs.invalid(`${path}.fraction.denominator`, denominator, 'should be greater than or equal to 1');
    if (mirror.fraction.numerator > denominator) {
      errs.cel(
        `${path}.fraction`,
        'object',
        'numerator must be less than or equal to denominator',
        'mirror-fraction',
      );
    }
  }
}

/** The filter union: the member named by `type` is set and no other member is. */
export function validateFilterUnion(
  filter: HTTPRouteFilter,
  path: string,
  errs: FieldErrors,
  members: ReadonlyArray<[type: string, field: keyof HTTPRouteFilter]>,
): void {
  for (const [type, field] of members) {
    if (filter[field] !== undefined && filter.type !== type) {
      errs.cel(
        path,
        'object',
        `filter.${field} must be nil if the filter.type is not ${type}`,
        'filter-union',
      );
    }
    if (filter[field] === undefined && filter.type === type) {
      errs.cel(path, 'object', `filter.${field} must be specified for ${type} filter.type`, 'filter-union');
    }
  }
  if (!members.some(([type]) => type === filter.type)) {
    errs.notSupported(
      `${path}.type`,
      filter.type,
      members.map(([t]) => t),
      'invalid-filter-type',
    );
  }
}

/** Counts filters of each type, for the "cannot be repeated" rules. */
export function countFilters(filters: HTTPRouteFilter[] | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of filters ?? []) counts.set(f.type, (counts.get(f.type) ?? 0) + 1);
  return counts;
}
