import type { Diagnostic } from '@gateway/core';
import type { GRPCRoute, GRPCRouteMatch, HTTPRouteFilter } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import {
  countFilters,
  lengthErrors,
  validateBackendRefs,
  validateFilterUnion,
  validateHeaderModifier,
  validateHeaderName,
  validateMirror,
  validateRouteBasics,
} from './gateway-common.js';

const GRPC_FILTER_MEMBERS: ReadonlyArray<[string, keyof HTTPRouteFilter]> = [
  ['RequestHeaderModifier', 'requestHeaderModifier'],
  ['ResponseHeaderModifier', 'responseHeaderModifier'],
  ['RequestMirror', 'requestMirror'],
  ['ExtensionRef', 'extensionRef'],
];
const SERVICE_PATTERN = '^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$';
const SERVICE_RE = /^\.?[a-z_][a-z_0-9]*(?:\.[a-z_][a-z_0-9]*)*$/i;
const METHOD_PATTERN = '^[A-Za-z_][A-Za-z_0-9]*$';
const METHOD_RE = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * Port of the GRPCRoute CRD's schema bounds and CEL rules: hostnames, parentRefs, rules, method
 * matches (`service` or `method` required; Exact values must be valid proto names), header
 * matches, filters (header modifiers at most once each, mirrors, extension refs) and backends.
 *
 * @example
 * ```ts
 * validateGRPCRoute({ metadata: { name: 'r' }, spec: { rules: [{ matches: [{ method: { type: 'Exact' } }] }] } });
 * // spec.rules[0].matches[0].method: Invalid value: "object": One or both of 'service' or 'method' must be specified
 * ```
 */
export function validateGRPCRoute(route: GRPCRoute): Diagnostic[] {
  const errs = new FieldErrors(objectRef(route, 'GRPCRoute'));
  const rules = validateRouteBasics(route, errs);
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const matches = rule.matches ?? [];
    if (matches.length > 64) errs.tooMany(`${path}.matches`, matches.length, 64);
    matches.forEach((m, j) => {
      validateMatch(m, `${path}.matches[${j}]`, errs);
    });
    validateFilters(rule.filters, `${path}.filters`, errs);
    validateBackendRefs(rule.backendRefs ?? [], `${path}.backendRefs`, errs, validateFilters);
  });
  return errs.list;
}

function validateMatch(match: GRPCRouteMatch, path: string, errs: FieldErrors): void {
  if (match.method) {
    const m = match.method;
    const mp = `${path}.method`;
    const type = m.type ?? 'Exact';
    if (type !== 'Exact' && type !== 'RegularExpression')
      errs.notSupported(`${mp}.type`, type, ['Exact', 'RegularExpression']);
    if (m.service === undefined && m.method === undefined) {
      errs.cel(mp, 'object', "One or both of 'service' or 'method' must be specified", 'grpc-method-empty');
    }
    if (type === 'Exact' && m.service !== undefined && !SERVICE_RE.test(m.service)) {
      errs.cel(
        mp,
        'object',
        `service must only contain valid characters (matching ${SERVICE_PATTERN})`,
        'grpc-invalid-service',
      );
    }
    if (type === 'Exact' && m.method !== undefined && !METHOD_RE.test(m.method)) {
      errs.cel(
        mp,
        'object',
        `method must only contain valid characters (matching ${METHOD_PATTERN})`,
        'grpc-invalid-method',
      );
    }
    if (m.service !== undefined && m.service.length > 1024) errs.tooLong(`${mp}.service`, 1024);
    if (m.method !== undefined && m.method.length > 1024) errs.tooLong(`${mp}.method`, 1024);
  }
  const headers = match.headers ?? [];
  if (headers.length > 16) errs.tooMany(`${path}.headers`, headers.length, 16);
  const seen = new Set<string>();
  headers.forEach((h, k) => {
    const hp = `${path}.headers[${k}]`;
    validateHeaderName(h.name, `${hp}.name`, errs);
    if (seen.has(h.name.toLowerCase())) errs.duplicate(hp, { name: h.name }, 'duplicate-match');
    seen.add(h.name.toLowerCase());
    lengthErrors(errs, `${hp}.value`, h.value ?? '', 1, 4096);
  });
}

function validateFilters(filters: HTTPRouteFilter[] | undefined, path: string, errs: FieldErrors): void {
  const list = filters ?? [];
  if (list.length > 16) errs.tooMany(path, list.length, 16);
  const counts = countFilters(list);
  for (const type of ['RequestHeaderModifier', 'ResponseHeaderModifier']) {
    if ((counts.get(type) ?? 0) > 1)
      errs.cel(path, 'array', `${type} filter cannot be repeated`, 'filter-repeated');
  }
  list.forEach((f, i) => {
    const fp = `${path}[${i}]`;
    validateFilterUnion(f, fp, errs, GRPC_FILTER_MEMBERS);
    if (f.requestHeaderModifier)
      validateHeaderModifier(f.requestHeaderModifier, `${fp}.requestHeaderModifier`, errs);
    if (f.responseHeaderModifier)
      validateHeaderModifier(f.responseHeaderModifier, `${fp}.responseHeaderModifier`, errs);
    if (f.requestMirror) validateMirror(f.requestMirror, `${fp}.requestMirror`, errs);
  });
}
