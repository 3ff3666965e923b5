import type { IRSettings } from '@gateway/core';

/**
 * Request-target normalisation, done once before routing so that routing, authorisation and the
 * upstream all see the same path (CVE-2019-9901, CVE-2021-31920, CVE-2021-29492 classes):
 *
 * - only origin-form (`/path?query`) and absolute-form targets are accepted;
 * - NUL bytes, fragments and malformed `%XX` are rejected;
 * - `%XX` of unreserved characters (ALPHA / DIGIT / `-._~`) is decoded once, other escapes are
 *   upper-cased;
 * - `%2F` / `%5C` follow `settings.escapedSlashesAction` (reject by default);
 * - `//` runs are merged (`mergeSlashes`) and `.`/`..` segments removed (`normalizePath`).
 */
export type NormalizeResult =
  | { ok: true; path: string; query: string; authority?: string }
  | { ok: false; status: 400; reason: string }
  | { ok: 'redirect'; location: string };

export type PathPolicy = Pick<IRSettings, 'normalizePath' | 'mergeSlashes' | 'escapedSlashesAction'>;

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126
  );
}

/** Splits and normalises a raw request target. */
export function normalizeTarget(target: string, policy: PathPolicy): NormalizeResult {
  let rest = target;
  let authority: string | undefined;
  if (rest.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (RFC 9112 §3.2.2): scheme://authority/path
    const head = rest.slice(0, 8).toLowerCase();
    if (!head.startsWith('http://') && !head.startsWith('https://'))
      return { ok: false, status: 400, reason: 'request target must be origin-form or absolute-form' };
    const afterScheme = rest.indexOf('//') + 2;
    let slash = rest.indexOf('/', afterScheme);
    const q = rest.indexOf('?', afterScheme);
    if (q !== -1 && (slash === -1 || q < slash)) slash = q;
    authority = slash === -1 ? rest.slice(afterScheme) : rest.slice(afterScheme, slash);
    if (authority === '' || authority.includes('@'))
      return { ok: false, status: 400, reason: 'invalid authority in request target' };
    rest = slash === -1 ? '/' : rest.charCodeAt(slash) === 63 ? `/${rest.slice(slash)}` : rest.slice(slash);
  }
  const qi = rest.indexOf('?');
  let path = qi === -1 ? rest : rest.slice(0, qi);
  const query = qi === -1 ? '' : rest.slice(qi + 1);
  if (query.indexOf('#') !== -1 || query.indexOf('\0') !== -1) {
    return { ok: false, status: 400, reason: 'fragment or NUL in query' };
  }

  // Fast path: nothing to decode, merge or resolve.
  let needsWork = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 0 || c === 35 /* # */ || c === 92 /* \ */) {
      needsWork = true;
      break;
    }
    if (c === 47 && i + 1 < path.length) {
      const n = path.charCodeAt(i + 1);
      if (n === 47 || n === 46) {
        needsWork = true;
        break;
      }
    }
  }
  if (!needsWork)
    return authority === undefined ? { ok: true, path, query } : { ok: true, path, query, authority };

  // Decode pass.
  let decoded = '';
  let sawEscapedSlash = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return { ok: false, status: 400, reason: 'NUL byte in path' };
    if (c === 35) return { ok: false, status: 400, reason: 'fragment in request target' };
    if (c !== 37) {
      decoded += path[i];
      continue;
    }
    const h1 = i + 2 < path.length ? hexValue(path.charCodeAt(i + 1)) : -1;
    const h2 = h1 === -1 ? -1 : hexValue(path.charCodeAt(i + 2));
    if (h2 === -1) return { ok: false, status: 400, reason: 'malformed percent-encoding in path' };
    const byte = h1 * 16 + h2;
    i += 2;
    if (byte === 0) return { ok: false, status: 400, reason: 'encoded NUL in path' };
    if (byte === 0x2f || byte === 0x5c) {
      sawEscapedSlash = true;
      switch (policy.escapedSlashesAction) {
        case 'reject':
          return { ok: false, status: 400, reason: 'escaped slash (%2F or %5C) in path' };
        case 'keep':
          decoded += `%${HEX[h1]}${HEX[h2]}`;
          break;
        default:
          decoded += byte === 0x2f ? '/' : '\\';
      }
      continue;
    }
    decoded += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[h1]}${HEX[h2]}`;
  }
  path = decoded;
  if (policy.mergeSlashes) path = mergeSlashes(path);
  if (policy.normalizePath) path = removeDotSegments(path);
  if (sawEscapedSlash && policy.escapedSlashesAction === 'unescape-and-redirect') {
    return { ok: 'redirect', location: query === '' ? path : `${path}?${query}` };
  }
  return authority === undefined ? { ok: true, path, query } : { ok: true, path, query, authority };
}

function mergeSlashes(path: string): string {
  if (path.indexOf('//') === -1) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) === 47 && out.charCodeAt(out.length - 1) === 47) continue;
    out += path[i];
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments, clamped at the root. */
export function removeDotSegments(path: string): string {
  if (path.indexOf('.') === -1) return path;
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is '' for an absolute path.
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}
