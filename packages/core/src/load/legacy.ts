import { isPlainObject, type SchemaIssue } from '../model/schema.js';

/**
 * Converts a camelCase spec written in an older Ambassador apiVersion (v0, v1, v2) to the
 * v3alpha1 meaning, in place, following Emissary's v2→v3alpha1 conversion. Returns notices for
 * every conversion that changes what the user wrote.
 */
export function convertLegacySpec(
  kind: string,
  version: string,
  spec: Record<string, unknown>,
  issues: SchemaIssue[],
): void {
  if (version === 'v3alpha1') return;
  const note = (path: string, message: string) =>
    issues.push({ path, message, severity: 'notice', code: 'converted' });

  if (kind === 'Mapping') {
    if (typeof spec.host === 'string' && spec.hostRegex !== true) {
      spec.hostname = spec.host === '' ? '*' : spec.host;
      note('spec.host', `host converted to hostname "${spec.hostname}"`);
      delete spec.host;
      delete spec.hostRegex;
    } else if (spec.host === undefined && spec.hostname === undefined) {
      // v2 Mappings without a host served every host; v3alpha1 says so with hostname "*".
      spec.hostname = '*';
    }
    convertBoolTls(spec, note);
    if (isPlainObject(spec.cors) && typeof spec.cors.origins === 'string') {
      spec.cors = { ...spec.cors, origins: splitList(spec.cors.origins) };
      note('spec.cors.origins', 'comma-separated origins converted to a list');
    }
  }
  if (kind === 'TCPMapping' || kind === 'AuthService' || kind === 'RateLimitService') {
    convertBoolTls(spec, note);
  }
  if (kind === 'Host' && spec.selector !== undefined && spec.mappingSelector === undefined) {
    spec.mappingSelector = spec.selector;
    delete spec.selector;
    note('spec.selector', 'selector converted to mappingSelector');
  }
}

function convertBoolTls(spec: Record<string, unknown>, note: (path: string, message: string) => void): void {
  if (spec.tls === true) {
    if (typeof spec.service === 'string' && !/^[a-z]+:\/\//i.test(spec.service)) {
      spec.service = `https://${spec.service}`;
    }
    spec.v2ExplicitTLS = { tls: 'true' };
    delete spec.tls;
    note('spec.tls', 'tls: true converted to an https:// service (originate TLS)');
  } else if (spec.tls === false) {
    delete spec.tls;
  } else if (typeof spec.tls === 'string' && /^(true|false)$/i.test(spec.tls)) {
    const on = spec.tls.toLowerCase() === 'true';
    spec.tls = on;
    convertBoolTls(spec, note);
  }
}

export function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/**
 * Renames pre-v3 raw (snake_case) fields that changed name between eras, before key
 * normalisation: v0 AuthService `allowed_headers` → `allowed_request_headers`.
 */
export function renameLegacyRawFields(kind: string, raw: Record<string, unknown>): void {
  if (
    kind === 'AuthService' &&
    raw.allowed_headers !== undefined &&
    raw.allowed_request_headers === undefined
  ) {
    raw.allowed_request_headers = raw.allowed_headers;
    delete raw.allowed_headers;
  }
}
