import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createIR, emptyFilters, type IRAuthorizationPolicy, type IRJwtProvider } from '@gateway/core';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { decodeAny, encodeAny, type JsonObject, type JsonValue, translate } from '../src/index.js';
import { cluster, forward, httpListener, prefix, route, vhost } from './fixtures/ir.js';

/**
 * Runs the shared authorization decision table (packages/proxy/test/testdata/authz-decisions.json,
 * also run against the proxy's evaluator) against the RBAC config this package emits, evaluated
 * with a small, independent implementation of Envoy's RBAC semantics: a policy matches when any
 * permission and any principal match; `and_ids`/`or_ids`/`not_id` (and the permission
 * equivalents) combine; header, url_path, remote_ip and dynamic-metadata matchers decide leaves.
 * Both data planes must give the table's answers.
 */

interface TableRequest {
  name: string;
  method: string;
  path: string;
  authority: string;
  remoteAddress: string;
  headers: Record<string, string | string[]>;
  jwt?: { provider: string; claims: Record<string, unknown> };
  routePolicies?: string[];
  expect: 'allow' | 'deny';
}
interface DecisionTable {
  providers: Array<{ name: string; principal: IRJwtProvider['principal'] }>;
  cases: Array<{ name: string; policies: IRAuthorizationPolicy[]; requests: TableRequest[] }>;
}

const table = JSON.parse(
  readFileSync(new URL('../../proxy/test/testdata/authz-decisions.json', import.meta.url), 'utf8'),
) as DecisionTable;

const providers: IRJwtProvider[] = table.providers.map((p) => ({
  name: p.name,
  source: { kind: 'JwtProvider', namespace: 'default', name: p.name },
  issuer: 'https://issuer.test',
  audiences: [],
  jwks: { kind: 'inline', jwks: '{"keys":[]}' },
  from: [],
  claimToHeaders: [],
  algorithms: [],
  clockSkewSeconds: 60,
  forward: true,
  principal: p.principal,
}));

// ---------------------------------------------------------------------------------------------
// Envoy RBAC semantics

interface EnvoyRequest {
  headers: Map<string, string>;
  path: string;
  remoteIp: string;
  metadata: Record<string, unknown>;
}

const obj = (v: JsonValue | undefined): JsonObject => (v ?? {}) as JsonObject;

function stringMatch(m: JsonObject, value: string): boolean {
  const ic = m.ignore_case === true;
  const v = ic ? value.toLowerCase() : value;
  const lit = (s: JsonValue | undefined) => (ic ? String(s).toLowerCase() : String(s));
  if ('exact' in m) return v === lit(m.exact);
  if ('prefix' in m) return v.startsWith(lit(m.prefix));
  if ('suffix' in m) return v.endsWith(lit(m.suffix));
  if ('contains' in m) return v.includes(lit(m.contains));
  if ('safe_regex' in m) {
    let re = String(obj(m.safe_regex).regex);
    let flags = 0;
    if (re.startsWith('(?i)')) {
      re = re.slice(4);
      flags = RE2JS.CASE_INSENSITIVE;
    }
    return RE2JS.compile(re, flags).matches(value);
  }
  throw new Error(`unsupported StringMatcher ${JSON.stringify(m)}`);
}

function headerMatch(h: JsonObject, req: EnvoyRequest): boolean {
  const value = req.headers.get(String(h.name));
  let matched: boolean;
  if (value === undefined) matched = false;
  else if (h.present_match === true) matched = true;
  else if (h.string_match) matched = stringMatch(obj(h.string_match), value);
  else throw new Error(`unsupported HeaderMatcher ${JSON.stringify(h)}`);
  return h.invert_match === true ? !matched : matched;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const fam = isIP(ip);
  if (fam === 4) return { family: 4, value: ip.split('.').reduce((a, o) => (a << 8n) + BigInt(o), 0n) };
  if (fam !== 6) return undefined;
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((x) => BigInt(`0x${x}`)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...Array(8 - h.length - t.length).fill(0n), ...t];
  return { family: 6, value: groups.reduce((a, g) => (a << 16n) + g, 0n) };
}

function cidrMatch(range: JsonObject, ip: string): boolean {
  const addr = ipToBigInt(ip);
  const net = ipToBigInt(String(range.address_prefix));
  if (!addr || !net || addr.family !== net.family) return false;
  const bits = addr.family === 4 ? 32n : 128n;
  const len = BigInt(Number(range.prefix_len ?? 0));
  const shift = bits - len;
  return addr.value >> shift === net.value >> shift;
}

function metadataMatch(m: JsonObject, req: EnvoyRequest): boolean {
  let cur: unknown = req.metadata[String(m.filter)];
  for (const seg of (m.path ?? []) as JsonObject[]) {
    cur =
      cur && typeof cur === 'object' && !Array.isArray(cur)
        ? (cur as Record<string, unknown>)[String(seg.key)]
        : undefined;
  }
  const vm = obj(m.value);
  let matched: boolean;
  if (vm.present_match === true) matched = cur !== undefined && cur !== null;
  else if (vm.string_match) matched = typeof cur === 'string' && stringMatch(obj(vm.string_match), cur);
  else throw new Error(`unsupported ValueMatcher ${JSON.stringify(vm)}`);
  return m.invert === true ? !matched : matched;
}

function principalMatch(p: JsonObject, req: EnvoyRequest): boolean {
  if (p.any === true) return true;
  if (p.and_ids) return (obj(p.and_ids).ids as JsonObject[]).every((x) => principalMatch(x, req));
  if (p.or_ids) return (obj(p.or_ids).ids as JsonObject[]).some((x) => principalMatch(x, req));
  if (p.not_id) return !principalMatch(obj(p.not_id), req);
  if (p.header) return headerMatch(obj(p.header), req);
  if (p.url_path) return stringMatch(obj(obj(p.url_path).path), req.path);
  if (p.remote_ip) return cidrMatch(obj(p.remote_ip), req.remoteIp);
  if (p.metadata) return metadataMatch(obj(p.metadata), req);
  throw new Error(`unsupported Principal ${JSON.stringify(p)}`);
}

function permissionMatch(p: JsonObject, req: EnvoyRequest): boolean {
  if (p.any === true) return true;
  if (p.and_rules) return (obj(p.and_rules).rules as JsonObject[]).every((x) => permissionMatch(x, req));
  if (p.or_rules) return (obj(p.or_rules).rules as JsonObject[]).some((x) => permissionMatch(x, req));
  if (p.not_rule) return !permissionMatch(obj(p.not_rule), req);
  if (p.header) return headerMatch(obj(p.header), req);
  if (p.url_path) return stringMatch(obj(obj(p.url_path).path), req.path);
  throw new Error(`unsupported Permission ${JSON.stringify(p)}`);
}

/** Envoy's decision for one RBAC `rules` block (undefined = no enforcement). */
function rbacAllows(rules: JsonObject | undefined, req: EnvoyRequest): boolean {
  if (!rules) return true;
  const matched = Object.values(obj(rules.policies)).some((policy) => {
    const p = obj(policy);
    return (
      (p.permissions as JsonObject[]).some((x) => permissionMatch(x, req)) &&
      (p.principals as JsonObject[]).some((x) => principalMatch(x, req))
    );
  });
  return rules.action === 'DENY' ? !matched : matched;
}

// ---------------------------------------------------------------------------------------------

/** The RBAC rules Envoy applies on the table's route: per-route override, else the filter's. */
function effectiveRules(policies: IRAuthorizationPolicy[], r: TableRequest): JsonObject | undefined {
  const ir = createIR({
    filters: { ...emptyFilters(), jwt: providers, authorization: policies },
    clusters: [cluster('cluster_web')],
    listeners: [
      httpListener(8080, [
        vhost(
          'listener-8080/*',
          ['*'],
          [
            route('default/r', prefix('/'), forward('cluster_web'), {
              auth: {
                bypassExtAuthz: false,
                contextExtensions: {},
                jwtProviders: r.jwt ? [r.jwt.provider] : [],
                jwtOptional: true,
              },
              authorizationPolicies: r.routePolicies ?? [],
            }),
          ],
        ),
      ]),
    ],
  });
  const { resources } = translate(ir, { grpcClients: false });
  // Every emitted shape must survive the real protos (unknown or deprecated fields fail here).
  for (const res of [...resources.listeners, ...resources.routes])
    expect(decodeAny(encodeAny(res).any)).toEqual(res);
  const listener = resources.listeners[0] as JsonObject;
  const hcm = obj(
    obj((obj((listener.filter_chains as JsonObject[])[0]).filters as JsonObject[])[0]).typed_config,
  );
  const filter = (hcm.http_filters as JsonObject[]).find((f) => f.name === 'envoy.filters.http.rbac');
  expect(filter).toBeDefined();
  const routeConfig = resources.routes[0] as JsonObject;
  const envoyRoute = obj((obj((routeConfig.virtual_hosts as JsonObject[])[0]).routes as JsonObject[])[0]);
  const perRoute = obj(envoyRoute.typed_per_filter_config)['envoy.filters.http.rbac'] as
    | JsonObject
    | undefined;
  if (perRoute) return obj(perRoute.rbac).rules as JsonObject | undefined;
  return obj(filter!.typed_config).rules as JsonObject | undefined;
}

function envoyRequest(r: TableRequest): EnvoyRequest {
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(r.headers))
    headers.set(k.toLowerCase(), Array.isArray(v) ? v.join(',') : v);
  headers.set(':method', r.method);
  headers.set(':authority', r.authority);
  headers.set(':path', r.path);
  return {
    headers,
    path: r.path,
    remoteIp: r.remoteAddress,
    metadata: r.jwt ? { 'envoy.filters.http.jwt_authn': { [r.jwt.provider]: r.jwt.claims } } : {},
  };
}

describe('shared authorization decision table against the emitted Envoy RBAC config', () => {
  for (const c of table.cases) {
    describe(c.name, () => {
      for (const r of c.requests) {
        it(`${r.name} -> ${r.expect}`, () => {
          const allowed = rbacAllows(effectiveRules(c.policies, r), envoyRequest(r));
          expect(allowed ? 'allow' : 'deny').toBe(r.expect);
        });
      }
    });
  }
});

describe('fail closed', () => {
  const base = table.cases[0]!.requests[0]!;
  it('denies everything on a route naming a missing policy', () => {
    const rules = effectiveRules([], { ...base, routePolicies: ['ghost'] });
    expect(rbacAllows(rules, envoyRequest(base))).toBe(false);
  });

  it('denies everything when a policy has a malformed CIDR', () => {
    const bad: IRAuthorizationPolicy = {
      name: 'bad',
      source: { kind: 'AuthorizationPolicy', namespace: 'default', name: 'bad' },
      action: 'DENY',
      gatewayWide: true,
      rules: [{ sourceIps: ['10.0.0.0/99'] }],
    };
    expect(rbacAllows(effectiveRules([bad], base), envoyRequest(base))).toBe(false);
  });
});
