import type { ResourceRef } from '../ir/types.js';
import {
  AMBASSADOR_API_VERSION,
  type Resource,
  type ResourceKind,
  SDK_API_VERSION,
} from '../model/resource.js';
import {
  describeValue,
  displayPath,
  isPlainObject,
  normalizeKeys,
  type SchemaIssue,
} from '../model/schema.js';
import { SPEC_SCHEMAS } from '../model/schemas.js';
import { type DocContext, pushDiag, setLocator } from './context.js';
import { flattenIstioRules } from './istio-rules.js';
import { normalizeLabels, rateLimitsToLabels } from './labels.js';
import { convertLegacySpec, renameLegacyRawFields } from './legacy.js';

const AMBASSADOR_KINDS = new Set<string>([
  'Mapping',
  'Host',
  'Listener',
  'Module',
  'AuthService',
  'RateLimitService',
  'TLSContext',
  'TCPMapping',
]);
const SDK_KINDS = new Set<string>(['JwtProvider', 'AuthorizationPolicy']);
/** Ambassador kinds we recognise but do not implement: ignored with a warning. */
const UNSUPPORTED_AMBASSADOR_KINDS = new Set<string>([
  'TracingService',
  'LogService',
  'KubernetesServiceResolver',
  'KubernetesEndpointResolver',
  'ConsulResolver',
  'DevPortal',
  'Filter',
  'FilterPolicy',
  'RateLimit',
  'ExternalFilter',
  'WebApplicationFirewall',
  'WebApplicationFirewallPolicy',
  'CircuitBreaker',
  'OutlierDetection',
  'GRPCMapping',
]);
const VERSIONS = new Set(['v0', 'v1', 'v2', 'v3alpha1']);

/** Hooks for the object kinds handled in sibling files (kept out of this file to avoid cycles). */
export interface ForeignLoaders {
  service(obj: Record<string, unknown>, ctx: DocContext): void;
  ingress(obj: Record<string, unknown>, ctx: DocContext): void;
}

let foreign: ForeignLoaders | undefined;
export function registerForeignLoaders(f: ForeignLoaders): void {
  foreign = f;
}

function refOf(obj: Record<string, unknown>, ctx: DocContext): ResourceRef {
  const meta = isPlainObject(obj.metadata) ? obj.metadata : obj;
  const kind = typeof obj.kind === 'string' && obj.kind ? obj.kind : '<unknown>';
  const name = typeof meta.name === 'string' && meta.name ? meta.name : `document-${ctx.index}`;
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : ctx.defaultNamespace;
  return { kind, namespace, name };
}

/** Loads one parsed document (any supported form) into `ctx.resources`. Never throws. */
export function loadObject(raw: unknown, ctx: DocContext, parent?: ParentInfo): void {
  if (raw === null || raw === undefined) return; // empty document (e.g. a trailing `---`)
  if (!isPlainObject(raw)) {
    pushDiag(
      ctx,
      { kind: '<unknown>', namespace: ctx.defaultNamespace, name: `document-${ctx.index}` },
      '',
      `expected a Kubernetes object (a map with apiVersion and kind), got ${describeValue(raw)}`,
      'error',
      'not-an-object',
    );
    return;
  }
  // The resource reference is built only for a diagnostic.
  const apiVersion = raw.apiVersion;
  const kind = raw.kind;
  if (typeof kind !== 'string' || kind === '') {
    pushDiag(
      ctx,
      refOf(raw, ctx),
      'kind',
      `missing kind (expected e.g. Mapping), got ${describeValue(kind)}`,
      'error',
      'missing-kind',
    );
    return;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    pushDiag(
      ctx,
      refOf(raw, ctx),
      'apiVersion',
      `missing apiVersion (expected e.g. ${AMBASSADOR_API_VERSION}), got ${describeValue(apiVersion)}`,
      'error',
      'missing-api-version',
    );
    return;
  }
  const [group, version = ''] = splitApiVersion(apiVersion);

  if (kind === 'List' && Array.isArray(raw.items)) {
    for (const item of raw.items) loadObject(item, ctx, parent);
    return;
  }
  if (group === '' && version === 'v1' && kind === 'Service') {
    foreign?.service(raw, ctx);
    return;
  }
  if ((group === 'networking.k8s.io' || group === 'extensions') && kind === 'Ingress') {
    foreign?.ingress(raw, ctx);
    return;
  }
  if (group === 'getambassador.io' || group === 'ambassador' || group === 'x.getambassador.io') {
    if (!VERSIONS.has(version)) {
      pushDiag(
        ctx,
        refOf(raw, ctx),
        'apiVersion',
        `unsupported apiVersion "${apiVersion}" (expected getambassador.io/v3alpha1, v2, v1 or ambassador/v0, v1)`,
        'error',
        'unsupported-api-version',
      );
      return;
    }
    if (UNSUPPORTED_AMBASSADOR_KINDS.has(kind)) {
      pushDiag(
        ctx,
        refOf(raw, ctx),
        'kind',
        `${kind} is not supported by @gateway; ignored`,
        'warning',
        'unsupported-kind',
      );
      return;
    }
    if (!AMBASSADOR_KINDS.has(kind)) {
      pushDiag(
        ctx,
        refOf(raw, ctx),
        'kind',
        `unknown kind "${kind}" for ${apiVersion} (expected one of ${[...AMBASSADOR_KINDS].join(', ')})`,
        'error',
        'unknown-kind',
      );
      return;
    }
    loadTyped(raw, kind as ResourceKind, apiVersion, version, ctx, parent);
    return;
  }
  if (apiVersion === SDK_API_VERSION) {
    if (!SDK_KINDS.has(kind)) {
      pushDiag(
        ctx,
        refOf(raw, ctx),
        'kind',
        `unknown kind "${kind}" for ${apiVersion} (expected JwtProvider or AuthorizationPolicy)`,
        'error',
        'unknown-kind',
      );
      return;
    }
    loadTyped(raw, kind as ResourceKind, apiVersion, version, ctx, parent);
    return;
  }
  if (group === 'gateway.sdk') {
    pushDiag(
      ctx,
      refOf(raw, ctx),
      'apiVersion',
      `unsupported apiVersion "${apiVersion}" (expected ${SDK_API_VERSION})`,
      'error',
      'unsupported-api-version',
    );
    return;
  }
  pushDiag(
    ctx,
    refOf(raw, ctx),
    '',
    `${apiVersion} ${kind} is not a gateway resource; ignored`,
    'notice',
    'ignored-kind',
  );
}

/** The last apiVersion split: a stream repeats the same one document after document. */
let lastApiVersion = '';
let lastSplit: readonly [string, string] = ['', ''];

function splitApiVersion(apiVersion: string): readonly [string, string] {
  if (apiVersion === lastApiVersion) return lastSplit;
  const slash = apiVersion.lastIndexOf('/');
  lastSplit = slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  lastApiVersion = apiVersion;
  return lastSplit;
}

/** Namespace and labels inherited by flat documents from the object that carried them. */
export interface ParentInfo {
  namespace: string;
  labels: Record<string, string>;
  /** Describes the carrier for notices, e.g. `Service default/httpbin`. */
  describe: string;
}

const FLAT_META_KEYS = new Set(['apiVersion', 'kind', 'name', 'namespace', 'generation', 'metadata_labels']);

function loadTyped(
  raw: Record<string, unknown>,
  kind: ResourceKind,
  apiVersion: string,
  version: string,
  ctx: DocContext,
  parent?: ParentInfo,
): void {
  const flat = raw.metadata === undefined && raw.spec === undefined;
  let metaRaw: Record<string, unknown>;
  let specRaw: Record<string, unknown>;
  // The raw spec is copied only when a conversion below rewrites it (the input is never changed).
  let specOwned = false;
  if (flat) {
    // Annotation form: everything but the metadata keys is spec.
    metaRaw = {
      name: raw.name,
      namespace: raw.namespace ?? parent?.namespace,
      labels: raw.metadata_labels ?? parent?.labels,
    };
    specRaw = {};
    for (const [k, v] of Object.entries(raw)) if (!FLAT_META_KEYS.has(k)) specRaw[k] = v;
    specOwned = true;
  } else {
    if (!isPlainObject(raw.metadata)) metaRaw = {};
    else if (parent) metaRaw = { ...raw.metadata };
    else metaRaw = raw.metadata;
    if (parent) {
      metaRaw.namespace ??= parent.namespace;
      metaRaw.labels ??= parent.labels;
    }
    specRaw = isPlainObject(raw.spec) ? raw.spec : {};
  }
  const ref = refOf(flat ? { kind, metadata: metaRaw } : raw, ctx);
  const name = metaRaw.name;
  if (typeof name !== 'string' || name === '') {
    pushDiag(
      ctx,
      ref,
      flat ? 'name' : 'metadata.name',
      `missing name (expected a non-empty string), got ${describeValue(name)}`,
      'error',
      'missing-name',
    );
    return;
  }
  if (!flat && raw.spec !== undefined && !isPlainObject(raw.spec)) {
    pushDiag(ctx, ref, 'spec', `expected an object, got ${describeValue(raw.spec)}`, 'error', 'invalid-type');
    return;
  }
  const namespace =
    typeof metaRaw.namespace === 'string' && metaRaw.namespace !== ''
      ? metaRaw.namespace
      : ctx.defaultNamespace;
  const labels = stringMap(metaRaw.labels, flat ? 'labels' : 'metadata.labels', ref, ctx);
  const annotations = stringMap(metaRaw.annotations, flat ? 'annotations' : 'metadata.annotations', ref, ctx);

  const issues: SchemaIssue[] = [];
  if (version !== 'v3alpha1' && apiVersion !== SDK_API_VERSION) {
    issues.push({
      path: 'apiVersion',
      message:
        version === 'v0'
          ? `${apiVersion} is the Ambassador 0.x format; converted to ${AMBASSADOR_API_VERSION}`
          : `${apiVersion} is deprecated (Emissary 4 disables the v1/v2 conversion webhook by default); converted to ${AMBASSADOR_API_VERSION}`,
      severity: 'notice',
      code: 'deprecated-api-version',
    });
  }
  if (
    !specOwned &&
    (kind === 'AuthService' ||
      kind === 'Module' ||
      (kind === 'AuthorizationPolicy' && specRaw.rules !== undefined) ||
      (kind === 'Mapping' &&
        (specRaw.rate_limits !== undefined ||
          specRaw.circuit_breaker !== undefined ||
          specRaw.outlier_detection_name !== undefined ||
          specRaw.labels !== undefined)))
  ) {
    specRaw = { ...specRaw };
    specOwned = true;
  }
  renameLegacyRawFields(kind, specRaw);
  if (kind === 'Mapping') {
    if (specRaw.rate_limits !== undefined) {
      if (version === 'v0') {
        specRaw.labels = rateLimitsToLabels(specRaw.rate_limits, 'ambassador');
        issues.push({
          path: 'spec.rate_limits',
          message: 'rate_limits (ambassador/v0) converted to labels',
          severity: 'notice',
          code: 'converted',
        });
      } else {
        issues.push({
          path: 'spec.rate_limits',
          message: 'rate_limits is only valid in ambassador/v0 Mappings; use labels',
          severity: 'error',
          code: 'invalid-field',
        });
      }
      delete specRaw.rate_limits;
    }
    for (const legacy of ['circuit_breaker', 'outlier_detection_name'] as const) {
      if (specRaw[legacy] !== undefined) {
        issues.push({
          path: `spec.${legacy}`,
          message: `${legacy} (a reference to a separate ambassador/v0 object) is not supported; use circuit_breakers`,
          severity: 'warning',
          code: 'unsupported-field',
        });
        delete specRaw[legacy];
      }
    }
    if (specRaw.labels !== undefined) specRaw.labels = normalizeLabels(specRaw.labels, 'spec.labels', issues);
  }
  if (kind === 'AuthorizationPolicy' && specRaw.rules !== undefined)
    specRaw.rules = flattenIstioRules(specRaw.rules, issues);
  if (kind === 'Module' && isPlainObject(specRaw.config)) {
    const config = { ...specRaw.config };
    specRaw.config = config;
  }
  const spec = normalizeKeys(specRaw, SPEC_SCHEMAS[kind], 'spec', issues) as Record<string, unknown>;
  if (apiVersion !== SDK_API_VERSION) convertLegacySpec(kind, version, spec, issues);
  if (kind === 'Module' && isPlainObject(spec.config)) {
    spec.config = normalizeModuleConfig(spec.config, issues);
  }

  const metadata = { name, namespace, labels, annotations };
  const resource = (
    ctx.source
      ? { apiVersion, kind, metadata, spec, source: ctx.source }
      : { apiVersion, kind, metadata, spec }
  ) as Resource;
  if (ctx.locate) setLocator(resource, ctx.locate);
  const realRef: ResourceRef = { kind, namespace, name };
  for (const issue of issues) {
    // Older apiVersions get one deprecation notice for the resource; their old field names are expected.
    if (version !== 'v3alpha1' && issue.code === 'deprecated-field') continue;
    pushDiag(
      ctx,
      realRef,
      flat ? displayPath(kind, issue.path).replace(/^spec\.?/, '') : displayPath(kind, issue.path),
      issue.message,
      issue.severity,
      issue.code,
    );
  }
  ctx.resources.push(resource);
}

/** Module config keys are open-ended; translate the nested snake_case keys we know. */
function normalizeModuleConfig(
  config: Record<string, unknown>,
  issues: SchemaIssue[],
): Record<string, unknown> {
  const defaults = config.defaults;
  if (isPlainObject(defaults) && isPlainObject(defaults.httpmapping)) {
    const hm = normalizeKeys(
      defaults.httpmapping,
      SPEC_SCHEMAS.Mapping,
      'spec.config.defaults.httpmapping',
      issues,
    ) as Record<string, unknown>;
    return { ...config, defaults: { ...defaults, httpmapping: hm } };
  }
  return config;
}

function stringMap(v: unknown, path: string, ref: ResourceRef, ctx: DocContext): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) {
    pushDiag(ctx, ref, path, `expected a map of strings, got ${describeValue(v)}`, 'warning', 'invalid-type');
    return {};
  }
  const out: Record<string, string> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const val = v[k];
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') {
      out[k] = String(val);
      pushDiag(
        ctx,
        ref,
        `${path}.${k}`,
        `expected a string, got ${describeValue(val)}; using "${String(val)}"`,
        'warning',
        'coerced',
      );
    } else
      pushDiag(
        ctx,
        ref,
        `${path}.${k}`,
        `expected a string, got ${describeValue(val)}; ignored`,
        'warning',
        'invalid-type',
      );
  }
  return out;
}
