import type { LabelSpecifier, LabelsSpec } from '../model/common.js';
import { isPlainObject, type SchemaIssue } from '../model/schema.js';

/**
 * Normalises rate-limit `labels` from any Ambassador era to the v3alpha1 camelCase form
 * `{domain: [{group: [specifier]}]}`.
 *
 * Accepted specifier spellings: v3 objects (`{source_cluster: {key}}`, `{generic_key: {value}}`,
 * `{request_headers: {header_name, key, omit_if_not_present}}`), v2 string shorthands
 * (`source_cluster`, `destination_cluster`, `remote_address`, any other string = a generic key
 * value) and v2 header objects (`{my_key: {header: 'x-user', omit_if_not_present: true}}`).
 */
export function normalizeLabels(raw: unknown, path: string, issues: SchemaIssue[]): unknown {
  if (!isPlainObject(raw)) return raw;
  const out: LabelsSpec = {};
  for (const [domain, groups] of Object.entries(raw)) {
    const gPath = `${path}.${domain}`;
    if (!Array.isArray(groups)) {
      issues.push({
        path: gPath,
        message: `expected a list of label groups, got ${describe(groups)}`,
        severity: 'error',
        code: 'invalid-type',
      });
      continue;
    }
    out[domain] = groups.map((group, gi) => {
      const groupPath = `${gPath}[${gi}]`;
      // v2 also allowed a bare list entry that is itself a specifier (single anonymous group).
      if (
        !isPlainObject(group) ||
        Object.keys(group).length !== 1 ||
        !Array.isArray(Object.values(group)[0])
      ) {
        const spec = normalizeSpecifier(group, groupPath, issues);
        return { [`group_${gi}`]: spec ? [spec] : [] };
      }
      const [name, specs] = Object.entries(group)[0] as [string, unknown[]];
      const list: LabelSpecifier[] = [];
      specs.forEach((s, si) => {
        const spec = normalizeSpecifier(s, `${groupPath}.${name}[${si}]`, issues);
        if (spec) list.push(spec);
      });
      return { [name]: list };
    });
  }
  return out;
}

function describe(v: unknown): string {
  return Array.isArray(v)
    ? 'a list'
    : v === null
      ? 'null'
      : typeof v === 'object'
        ? 'an object'
        : JSON.stringify(v);
}

const KEYED: Record<string, 'sourceCluster' | 'destinationCluster' | 'remoteAddress'> = {
  source_cluster: 'sourceCluster',
  sourceCluster: 'sourceCluster',
  destination_cluster: 'destinationCluster',
  destinationCluster: 'destinationCluster',
  remote_address: 'remoteAddress',
  remoteAddress: 'remoteAddress',
};

function normalizeSpecifier(s: unknown, path: string, issues: SchemaIssue[]): LabelSpecifier | undefined {
  if (typeof s === 'string') {
    const k = KEYED[s];
    if (k) return { [k]: { key: camelToSnakeKey(k) } } as LabelSpecifier;
    return { genericKey: { value: s } };
  }
  if (isPlainObject(s) && Object.keys(s).length === 1) {
    const [key, v] = Object.entries(s)[0]!;
    const k = KEYED[key];
    if (k) {
      const keyName = isPlainObject(v) && typeof v.key === 'string' ? v.key : camelToSnakeKey(k);
      return { [k]: { key: keyName } } as LabelSpecifier;
    }
    if (key === 'generic_key' || key === 'genericKey') {
      if (typeof v === 'string') return { genericKey: { value: v } };
      if (isPlainObject(v) && typeof v.value === 'string')
        return { genericKey: { value: v.value, ...(typeof v.key === 'string' ? { key: v.key } : {}) } };
    } else if (key === 'request_headers' || key === 'requestHeaders') {
      if (isPlainObject(v)) {
        const header = v.header_name ?? v.headerName;
        if (typeof header === 'string' && header !== '')
          return {
            requestHeaders: {
              headerName: header,
              key: typeof v.key === 'string' ? v.key : header,
              omitIfNotPresent: v.omit_if_not_present === true || v.omitIfNotPresent === true,
            },
          };
      }
    } else if (isPlainObject(v) && typeof v.header === 'string') {
      // v2 form: {descriptor_key: {header: name, omit_if_not_present}}
      return {
        requestHeaders: {
          headerName: v.header,
          key,
          omitIfNotPresent: v.omit_if_not_present === true || v.omitIfNotPresent === true,
        },
      };
    }
  }
  issues.push({
    path,
    message:
      'expected a label specifier (source_cluster, destination_cluster, remote_address, generic_key {value}, request_headers {header_name}), got ' +
      describe(s),
    severity: 'error',
    code: 'invalid-label',
  });
  return undefined;
}

function camelToSnakeKey(k: string): string {
  return k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Converts v0 `rate_limits: [{descriptor, headers[]}]` into v1+ labels, as Emissary does. */
export function rateLimitsToLabels(rateLimits: unknown, domain: string): unknown {
  if (!Array.isArray(rateLimits)) return undefined;
  const groups = rateLimits.map((rl, i) => {
    const specs: unknown[] = ['source_cluster', 'destination_cluster', 'remote_address'];
    if (isPlainObject(rl)) {
      if (typeof rl.descriptor === 'string' && rl.descriptor) specs.push({ generic_key: rl.descriptor });
      if (Array.isArray(rl.headers))
        for (const h of rl.headers)
          if (typeof h === 'string') specs.push({ [h]: { header: h, omit_if_not_present: true } });
    }
    return { [`v0_ratelimit_${String(i + 1).padStart(2, '0')}`]: specs };
  });
  return { [domain]: groups };
}
