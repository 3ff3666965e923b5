import type { IRCorsPolicy, IRStringMatch } from '../ir/types.js';
import { splitList } from '../load/legacy.js';
import type { CorsSpec } from '../model/common.js';

function list(v: string[] | string | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : splitList(v)).map((x) => x.trim()).filter((x) => x !== '');
}

function escapeRe2(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * Translates one origin pattern. Emissary emits glob origins as exact matchers that never match;
 * we turn `*.example.com` into a suffix match and `https://*.example.com` into an RE2 regex whose
 * `*` spans one or more host characters (never `/`), so the scheme still has to match.
 */
export function originMatcher(origin: string): IRStringMatch {
  if (origin === '*') return { exact: '*' };
  if (!origin.includes('*')) return { exact: origin };
  if (origin.startsWith('*') && !origin.includes('://')) return { suffix: origin.slice(1) };
  const [before, after] = origin.split('*') as [string, string];
  return { regex: `${escapeRe2(before)}[A-Za-z0-9.-]+${escapeRe2(after)}` };
}

/** Mapping (or Module) `cors` → IR CORS policy. */
export function toCorsPolicy(c: CorsSpec): IRCorsPolicy {
  const maxAge = c.maxAge === undefined ? undefined : Number.parseInt(String(c.maxAge), 10);
  return {
    allowCredentials: c.credentials === true,
    allowHeaders: list(c.headers).map((h) => h.toLowerCase()),
    allowMethods: list(c.methods).map((m) => m.toUpperCase()),
    allowOrigins: list(c.origins).map(originMatcher),
    exposeHeaders: list(c.exposedHeaders).map((h) => h.toLowerCase()),
    ...(maxAge !== undefined && Number.isFinite(maxAge) ? { maxAgeSeconds: maxAge } : {}),
  };
}
