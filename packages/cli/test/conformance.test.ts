import { compileYaml } from '@gateway/core';
import { translate } from '@gateway/envoy';
import { compileRouteTables, type RouteInput, redirectLocation } from '@gateway/proxy';
import { describe, expect, it } from 'vitest';

/**
 * The same IR through the Envoy emitter and through the in-process proxy must agree on which
 * route, cluster and rewritten path each request gets. The Envoy side is evaluated by a tiny
 * first-match interpreter over the emitted RouteConfiguration JSON (the subset of Envoy's route
 * matching the emitter uses); the proxy side is its real RouteTable.
 */

const CONFIG = `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote, namespace: default }
spec: { hostname: "*", prefix: /quote/, service: quote }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote-v2, namespace: default }
spec: { hostname: "*", prefix: /quote/v2/, service: quote-v2, rewrite: /api/v2/ }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: norewrite, namespace: default }
spec: { hostname: "*", prefix: /keep/, service: keep, rewrite: "" }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: users, namespace: default }
spec:
  hostname: "*"
  prefix: "/users/[0-9]+/profile"
  prefix_regex: true
  regex_rewrite: { pattern: "^/users/([0-9]+)/profile$", substitution: "/profiles/\\\\1" }
  service: users
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: exact, namespace: default }
spec: { hostname: "*", prefix: /exact, prefix_exact: true, service: exact, rewrite: /x }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: post-only, namespace: default }
spec: { hostname: "*", prefix: /orders/, method: POST, service: orders-write }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: orders, namespace: default }
spec: { hostname: "*", prefix: /orders/, service: orders-read }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: beta, namespace: default }
spec: { hostname: "*", prefix: /app/, service: app-beta, headers: { x-beta: "true" }, query_parameters: { lang: en } }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: beta-regex, namespace: default }
spec: { hostname: "*", prefix: /app/, service: app-canary, regex_headers: { x-user: "^[a-c].*" } }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: app, namespace: default }
spec: { hostname: "*", prefix: /app/, service: app }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: wild, namespace: default }
spec: { hostname: "*.example.com", prefix: /w/, service: wild, host_rewrite: internal.example }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: insensitive, namespace: default }
spec: { hostname: "*", prefix: /Docs/, case_sensitive: false, service: docs }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: root, namespace: default }
spec: { hostname: "*", prefix: /, service: fallback }
`;

interface Request {
  authority: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
}

const REQUESTS: Request[] = [
  { authority: 'gw.local', path: '/quote/today' },
  { authority: 'gw.local', path: '/quote/v2/x?y=1' },
  { authority: 'gw.local', path: '/quote' },
  { authority: 'gw.local', path: '/keep/a/b' },
  { authority: 'gw.local', path: '/users/42/profile' },
  { authority: 'gw.local', path: '/users/abc/profile' },
  { authority: 'gw.local', path: '/exact' },
  { authority: 'gw.local', path: '/exact/more' },
  { authority: 'gw.local', path: '/orders/1', method: 'POST' },
  { authority: 'gw.local', path: '/orders/1', method: 'GET' },
  { authority: 'gw.local', path: '/app/home?lang=en', headers: { 'x-beta': 'true' } },
  { authority: 'gw.local', path: '/app/home?lang=fr', headers: { 'x-beta': 'true' } },
  { authority: 'gw.local', path: '/app/home', headers: { 'x-user': 'alice' } },
  { authority: 'gw.local', path: '/app/home', headers: { 'x-user': 'zed' } },
  { authority: 'api.example.com', path: '/w/1' },
  { authority: 'example.com', path: '/w/1' },
  { authority: 'gw.local', path: '/docs/intro' },
  { authority: 'gw.local', path: '/DOCS/intro' },
  { authority: 'gw.local', path: '/nothing/here' },
];

// ---------------------------------------------------------------------------------------------
// A minimal Envoy route evaluator (first match over RouteConfiguration JSON)

// biome-ignore lint/suspicious/noExplicitAny: walks untyped Envoy JSON
type Json = Record<string, any>;

function stringMatch(m: Json, value: string | undefined): boolean {
  if (value === undefined) return false;
  const ic = m.ignore_case === true;
  const v = ic ? value.toLowerCase() : value;
  const want = (s: string) => (ic ? s.toLowerCase() : s);
  if ('exact' in m) return v === want(m.exact);
  if ('prefix' in m) return v.startsWith(want(m.prefix));
  if ('suffix' in m) return v.endsWith(want(m.suffix));
  if ('contains' in m) return v.includes(want(m.contains));
  if ('safe_regex' in m) return new RegExp(`^(?:${m.safe_regex.regex})$`).test(value);
  throw new Error(`unsupported string matcher ${JSON.stringify(m)}`);
}

function headerValue(req: Request, name: string): string | undefined {
  if (name === ':authority') return req.authority;
  if (name === ':method') return req.method ?? 'GET';
  if (name === ':path') return req.path;
  return req.headers?.[name];
}

function domainMatches(domain: string, host: string): number {
  // Returns a rank (higher wins) or -1. Envoy: exact > suffix wildcard > prefix wildcard > *.
  if (domain === host) return 4_000_000;
  if (domain === '*') return 0;
  if (domain.startsWith('*') && host.endsWith(domain.slice(1)) && host.length > domain.length - 1)
    return 3_000_000 + domain.length;
  if (domain.endsWith('*') && host.startsWith(domain.slice(0, -1)) && host.length > domain.length - 1)
    return 2_000_000 + domain.length;
  return -1;
}

function envoyDecide(
  routeConfig: Json,
  req: Request,
): { route?: string; clusters?: string[]; path?: string; host?: string; redirect?: string } {
  const host = req.authority.toLowerCase().replace(/:\d+$/, '');
  let best: Json | undefined;
  let bestRank = -1;
  for (const vh of routeConfig.virtual_hosts as Json[]) {
    for (const d of vh.domains as string[]) {
      const rank = domainMatches(d.toLowerCase(), host);
      if (rank > bestRank) {
        bestRank = rank;
        best = vh;
      }
    }
  }
  if (!best) return {};
  const q = req.path.indexOf('?');
  const path = q === -1 ? req.path : req.path.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : req.path.slice(q + 1));
  for (const r of best.routes as Json[]) {
    const m = r.match as Json;
    const cs = m.case_sensitive !== false;
    const p = cs ? path : path.toLowerCase();
    const cmp = (s: string) => (cs ? s : s.toLowerCase());
    let matchedPrefix: string | undefined;
    if ('prefix' in m) {
      if (!p.startsWith(cmp(m.prefix))) continue;
      matchedPrefix = path.slice(0, m.prefix.length);
    } else if ('path' in m) {
      if (p !== cmp(m.path)) continue;
      matchedPrefix = path;
    } else if ('path_separated_prefix' in m) {
      const v = cmp(m.path_separated_prefix);
      if (!(p === v || p.startsWith(`${v}/`))) continue;
      matchedPrefix = path.slice(0, v.length);
    } else if ('safe_regex' in m) {
      if (!new RegExp(`^(?:${m.safe_regex.regex})$`, cs ? '' : 'i').test(path)) continue;
      matchedPrefix = path;
    } else {
      throw new Error(`unsupported path matcher ${JSON.stringify(m)}`);
    }
    let ok = true;
    for (const h of (m.headers ?? []) as Json[]) {
      const value = headerValue(req, h.name);
      let hit: boolean;
      if (h.present_match !== undefined) hit = value !== undefined;
      else if (h.string_match) hit = stringMatch(h.string_match, value);
      else hit = value !== undefined;
      if (h.invert_match === true) hit = !hit;
      if (!hit) ok = false;
    }
    for (const qp of (m.query_parameters ?? []) as Json[]) {
      const value = query.get(qp.name) ?? undefined;
      const hit = qp.present_match ? value !== undefined : stringMatch(qp.string_match, value);
      if (!hit) ok = false;
    }
    if (!ok) continue;
    if (m.runtime_fraction) throw new Error('runtime_fraction not expected in this table');
    const action = r.route as Json | undefined;
    if (r.redirect) {
      const rd = r.redirect as Json;
      let newPath = path;
      if (rd.path_redirect !== undefined) newPath = rd.path_redirect;
      else if (rd.prefix_rewrite !== undefined)
        newPath = rd.prefix_rewrite + path.slice((matchedPrefix ?? '').length);
      const scheme = rd.https_redirect ? 'https' : (rd.scheme_redirect ?? 'http');
      const host = rd.host_redirect ?? req.authority;
      const query = q === -1 ? '' : req.path.slice(q);
      return {
        route: r.name,
        redirect: `${scheme}://${host}${rd.port_redirect ? `:${rd.port_redirect}` : ''}${newPath}${query}`,
      };
    }
    if (!action) return { route: r.name };
    const clusters = action.cluster
      ? [action.cluster]
      : (action.weighted_clusters.clusters as Json[]).map((c) => c.name);
    let rewritten = path;
    if (action.prefix_rewrite !== undefined)
      rewritten = action.prefix_rewrite + path.slice((matchedPrefix ?? '').length);
    else if (action.regex_rewrite) {
      const re = new RegExp(action.regex_rewrite.pattern.regex, 'g');
      rewritten = path.replace(re, (action.regex_rewrite.substitution as string).replace(/\\(\d)/g, '$$$1'));
    }
    return {
      route: r.name,
      clusters,
      path: rewritten,
      ...(action.host_rewrite_literal ? { host: action.host_rewrite_literal } : {}),
    };
  }
  return {};
}

function proxyDecide(
  table: ReturnType<typeof compileRouteTables>['tables'] extends Map<string, infer T> ? T : never,
  req: Request,
  secure = false,
) {
  const q = req.path.indexOf('?');
  const path = q === -1 ? req.path : req.path.slice(0, q);
  const input: RouteInput = {
    path,
    query: q === -1 ? '' : req.path.slice(q + 1),
    method: req.method ?? 'GET',
    authority: req.authority.toLowerCase().replace(/:\d+$/, ''),
    headers: req.headers ?? {},
    secure,
  };
  const d = table.route(input);
  if (d.kind !== 'route') return {};
  const action = d.route.action;
  if (action.kind === 'redirect') {
    return {
      route: d.route.ir.name,
      redirect: redirectLocation(action, {
        scheme: 'http',
        authority: req.authority,
        path,
        query: input.query,
      }),
    };
  }
  if (action.kind !== 'forward') return { route: d.route.ir.name };
  return {
    route: d.route.ir.name,
    clusters: action.clusters.map((c) => c.cluster),
    path: action.rewrite ? action.rewrite(path) : path,
    ...(action.hostRewrite ? { host: action.hostRewrite } : {}),
  };
}

describe('conformance: Envoy emitter and in-process proxy agree on routing', () => {
  it('gives every request in the table the same route, clusters and rewritten path', () => {
    const { ir, diagnostics } = compileYaml(CONFIG);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const envoy = translate(ir);
    const routeConfigs = envoy.resources.routes as Json[];
    const tables = compileRouteTables(ir);
    expect(tables.diagnostics).toEqual([]);
    const listener = ir.listeners.find((l) => l.protocol === 'http');
    if (!listener) throw new Error('no http listener');
    const rc = routeConfigs.find((r) => r.name === listener.name) ?? routeConfigs[0];
    const table = tables.tables.get(listener.name);
    if (!rc || !table) throw new Error('missing route config or table');
    const rows = REQUESTS.map((req) => ({
      req: `${req.method ?? 'GET'} ${req.authority}${req.path}`,
      envoy: envoyDecide(rc, req),
      proxy: proxyDecide(table, req),
    }));
    for (const row of rows) expect(row.proxy, row.req).toEqual(row.envoy);
    // The table exercises real decisions, not only 404s.
    expect(new Set(rows.map((r) => r.envoy.route)).size).toBeGreaterThan(10);
  });
});

const HOSTS_CONFIG = `
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: { name: api, namespace: default }
spec: { hostname: api.example.com, requestPolicy: { insecure: { action: Route } } }
---
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: { name: shop, namespace: default }
spec: { hostname: "*.shop.example", requestPolicy: { insecure: { action: Reject } } }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: a, namespace: default }
spec: { hostname: api.example.com, prefix: /a/, service: a }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: a-canary, namespace: default }
spec: { hostname: api.example.com, prefix: /a/, service: a2, weight: 25 }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: shop, namespace: default }
spec: { hostname: "*.shop.example", prefix: /s/, service: shop }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: moved, namespace: default }
spec: { hostname: api.example.com, prefix: /old/, service: new.example.com, host_redirect: true, path_redirect: /new/ }
`;

describe('conformance with Hosts: vhosts, insecure actions, canary weights, redirects', () => {
  it('agrees for plain and TLS-terminated (x-forwarded-proto https) requests', () => {
    const { ir, diagnostics } = compileYaml(HOSTS_CONFIG);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const rc = (translate(ir).resources.routes as Json[]).find((r) => r.name === 'listener-8080');
    const table = compileRouteTables(ir).tables.get('listener-8080');
    if (!rc || !table) throw new Error('missing route config or table');
    const requests: Request[] = [
      { authority: 'api.example.com', path: '/a/x' },
      { authority: 'api.example.com', path: '/old/page?q=1' },
      { authority: 'cart.shop.example', path: '/s/1' },
      { authority: 'shop.example', path: '/s/1' },
      { authority: 'other.example', path: '/a/x' },
    ];
    let decided = 0;
    for (const secure of [false, true]) {
      for (const req of requests) {
        const withProto = {
          ...req,
          headers: { ...req.headers, 'x-forwarded-proto': secure ? 'https' : 'http' },
        };
        const envoy = envoyDecide(rc, withProto);
        const proxy = proxyDecide(table, withProto, secure);
        expect(proxy, `${secure ? 'https' : 'http'} ${req.authority}${req.path}`).toEqual(envoy);
        if (envoy.route) decided++;
      }
    }
    expect(decided).toBe(5);
  });
});
