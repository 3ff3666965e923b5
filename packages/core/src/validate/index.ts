import type { Diagnostic } from '../diagnostics.js';
import type { Module } from '../model/module.js';
import type { Resource } from '../model/resource.js';
import { checkValue, displayPath, isPlainObject, type SchemaIssue } from '../model/schema.js';
import { SPEC_SCHEMAS } from '../model/schemas.js';
import { stableStringify } from '../util/stable-json.js';
import {
  validateAuthorizationPolicy,
  validateAuthService,
  validateHost,
  validateJwtProvider,
  validateListener,
  validateModule,
  validateRateLimitService,
  validateTLSContext,
} from './kinds.js';
import { type ValidationContext, validateMapping, validateTCPMapping } from './mapping.js';
import { DEFAULT_REGEX_MAX_SIZE } from './regex.js';
import { diagFor, Reporter } from './report.js';

/** Result of validating a resource set: diagnostics plus which resources must not compile. */
export interface ValidationResult {
  diagnostics: Diagnostic[];
  /** Resources with at least one error (left out of compilation). */
  invalid: Set<Resource>;
  /** The active `ambassador` Module, if any. */
  module?: Module;
}

const KEY = (r: Resource) => `${r.kind}\u0000${r.metadata?.namespace}\u0000${r.metadata?.name}`;

/**
 * Validates resources. Every problem comes back as a {@link Diagnostic}; nothing throws.
 *
 * @example
 * ```ts
 * const diagnostics = validateResources(loadYaml(text).resources);
 * const ok = !diagnostics.some((d) => d.severity === 'error');
 * ```
 */
export function validateResources(resources: Resource[]): Diagnostic[] {
  return validateAll(resources).diagnostics;
}

/** Validation with the extra information the compiler needs. */
export function validateAll(resources: Resource[]): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const invalid = new Set<Resource>();
  const list = Array.isArray(resources) ? resources : [];

  // Module first: it sets the regex cap and the default resolver for everything else.
  const modules = list.filter(
    (r): r is Module =>
      isPlainObject(r) && r.kind === 'Module' && isResourceLike(r) && r.metadata.name === 'ambassador',
  );
  const sortedModules = [...modules].sort((a, b) =>
    a.metadata.namespace < b.metadata.namespace ? -1 : a.metadata.namespace > b.metadata.namespace ? 1 : 0,
  );
  const module = sortedModules[0];
  for (const extra of sortedModules.slice(1)) {
    diagnostics.push(
      diagFor(
        extra,
        '',
        `more than one ambassador Module; using the one in namespace "${module!.metadata.namespace}" and ignoring this one`,
        'error',
        'duplicate-module',
      ),
    );
    invalid.add(extra);
  }
  const config = isPlainObject(module?.spec?.config) ? module!.spec.config : {};
  const ctx: ValidationContext = {
    regexMaxSize:
      typeof config.regexMaxSize === 'number' && config.regexMaxSize > 0
        ? config.regexMaxSize
        : DEFAULT_REGEX_MAX_SIZE,
    defaultResolver: typeof config.resolver === 'string' ? config.resolver : 'kubernetes-service',
  };

  // Duplicates (same kind/namespace/name) are resolved independently of input order: identical
  // copies collapse into one (a notice), differing copies are all rejected (an error each).
  // Names first (short strings, almost always unique); full keys only where a name repeats.
  const byName = resourcesByName(list);
  const copies = new Map<string, Resource[]>();
  for (const same of byName.values()) {
    if (!Array.isArray(same)) continue;
    for (const r of same) {
      const key = KEY(r);
      const group = copies.get(key);
      if (group) group.push(r);
      else copies.set(key, [r]);
    }
  }
  const content = (r: Resource) => stableStringify({ a: r.apiVersion, m: r.metadata, s: r.spec });
  const where = (r: Resource) => (r.source ? `${r.source.file ?? '-'}:${r.source.line}` : 'code');
  for (const group of copies.values()) {
    if (group.length < 2) continue;
    const identical = group.every((r) => content(r) === content(group[0]!));
    const places = group.map(where).join(', ');
    group.forEach((r, i) => {
      if (identical && i === 0) return;
      if (!identical || i > 0) invalid.add(r);
      diagnostics.push(
        diagFor(
          r,
          'metadata.name',
          identical
            ? `${r.kind} ${r.metadata.namespace}/${r.metadata.name} is defined ${group.length} times with identical content (${places}); using one`
            : `${r.kind} ${r.metadata.namespace}/${r.metadata.name} is defined ${group.length} times with different content (${places}); all copies are ignored`,
          identical ? 'notice' : 'error',
          'duplicate-resource',
        ),
      );
    });
  }
  validateEach(list, ctx, diagnostics, invalid);
  return { diagnostics, invalid, module: module && !invalid.has(module) ? module : undefined };
}

/** Resources by metadata.name: one resource, or a list when the name repeats. */
function resourcesByName(list: Resource[]): Map<string, Resource | Resource[]> {
  const byName = new Map<string, Resource | Resource[]>();
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (!isResourceLike(r)) continue;
    const prev = byName.get(r.metadata.name);
    if (prev === undefined) byName.set(r.metadata.name, r);
    else if (Array.isArray(prev)) prev.push(r);
    else byName.set(r.metadata.name, [prev, r]);
  }
  return byName;
}

/**
 * Validates every resource not already rejected. A small function of its own: on a cold start V8
 * optimises a small function's loop (on-stack replacement) far sooner than one inside a large one.
 */
function validateEach(
  list: Resource[],
  ctx: ValidationContext,
  diagnostics: Diagnostic[],
  invalid: Set<Resource>,
): void {
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (!isResourceLike(r)) {
      diagnostics.push({
        resource: { kind: '<unknown>', namespace: '', name: '' },
        path: '',
        message: 'expected a resource object with kind, metadata and spec',
        severity: 'error',
        code: 'not-a-resource',
      });
      continue;
    }
    if (invalid.has(r)) continue;
    const rep = new Reporter(r);
    validateOne(r, rep, ctx);
    for (let k = 0; k < rep.diagnostics.length; k++) diagnostics.push(rep.diagnostics[k]!);
    if (rep.hasError) invalid.add(r);
  }
}

function isResourceLike(r: unknown): r is Resource {
  return (
    isPlainObject(r) &&
    typeof r.kind === 'string' &&
    isPlainObject(r.metadata) &&
    typeof (r.metadata as Record<string, unknown>).name === 'string' &&
    typeof (r.metadata as Record<string, unknown>).namespace === 'string'
  );
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function validateOne(r: Resource, rep: Reporter, ctx: ValidationContext): void {
  const schema = (SPEC_SCHEMAS as Record<string, (typeof SPEC_SCHEMAS)[keyof typeof SPEC_SCHEMAS]>)[r.kind];
  if (!schema) {
    rep.error('kind', `unknown kind "${r.kind}"`, 'unknown-kind');
    return;
  }
  if (!DNS_SUBDOMAIN.test(r.metadata.name) || r.metadata.name.length > 253)
    rep.warn(
      'metadata.name',
      `expected a DNS subdomain name (lower-case letters, digits, '-', '.'), got "${r.metadata.name}"`,
    );
  const issues: SchemaIssue[] = [];
  checkValue(r.spec, schema, 'spec', issues);
  for (let k = 0; k < issues.length; k++) {
    const i = issues[k]!;
    rep.add(displayPath(r.kind, i.path), i.message, i.severity, i.code);
  }
  if (rep.hasError) return; // semantic checks assume well-typed fields
  switch (r.kind) {
    case 'Mapping':
      validateMapping(r, rep, ctx);
      break;
    case 'TCPMapping':
      validateTCPMapping(r, rep);
      break;
    case 'Host':
      validateHost(r, rep);
      break;
    case 'Listener':
      validateListener(r, rep);
      break;
    case 'Module':
      validateModule(r, rep);
      break;
    case 'AuthService':
      validateAuthService(r, rep);
      break;
    case 'RateLimitService':
      validateRateLimitService(r, rep);
      break;
    case 'TLSContext':
      validateTLSContext(r, rep);
      break;
    case 'JwtProvider':
      validateJwtProvider(r, rep);
      break;
    case 'AuthorizationPolicy':
      validateAuthorizationPolicy(r, rep);
      break;
  }
}
