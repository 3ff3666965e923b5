import type { CorsSpec } from '../model/common.js';
import type { Mapping, TCPMapping } from '../model/mapping.js';
import { isPlainObject } from '../model/schema.js';
import { parseDurationMs } from '../util/duration.js';
import { checkHostGlob } from '../util/globs.js';
import { parseService } from '../util/service.js';
import { checkRegex } from './regex.js';
import type { Reporter } from './report.js';

/** Context shared by the per-kind validators. */
export interface ValidationContext {
  regexMaxSize: number;
  /** Module `resolver` (default `kubernetes-service`). */
  defaultResolver: string;
}

export const RESOLVERS = new Set(['kubernetes-service', 'kubernetes-endpoint']);
export const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'reset',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const HEADER_NAME = /^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field lists hoisted out of validateMapping (it runs once per Mapping).
const HEADER_FIELDS = ['headers', 'regexHeaders'] as const;
const QUERY_FIELDS = ['queryParameters', 'regexQueryParameters'] as const;
const REDIRECT_FORMS = ['pathRedirect', 'prefixRedirect', 'regexRedirect'] as const;
const REDIRECT_ONLY = ['pathRedirect', 'prefixRedirect', 'regexRedirect', 'redirectResponseCode'] as const;
const UNSUPPORTED = [
  ['envoyOverride', 'raw Envoy configuration is not supported (Emissary accepts and ignores it)'],
  ['modules', 'per-Mapping modules are not supported (Emissary accepts and ignores them)'],
  ['errorResponseOverrides', 'error_response_overrides is not supported'],
  ['outlierDetection', 'outlier_detection is not supported'],
] as const;
const ADD_HEADER_FIELDS = ['addRequestHeaders', 'addResponseHeaders'] as const;

/** Semantic checks on a Mapping whose field types already passed the schema. */
export function validateMapping(m: Mapping, rep: Reporter, ctx: ValidationContext): void {
  const s = m.spec;
  if (s.prefixRegex && s.prefixExact)
    rep.error('spec.prefix_exact', 'prefix_regex and prefix_exact are mutually exclusive; set at most one');
  if (typeof s.prefix === 'string') {
    if (s.prefixRegex) {
      const err = checkRegex(s.prefix, ctx.regexMaxSize);
      if (err) rep.error('spec.prefix', err, 'invalid-regex');
    } else if (!s.prefix.startsWith('/')) {
      rep.error('spec.prefix', `expected a path starting with "/", got "${s.prefix}"`);
    }
  }
  if (typeof s.service === 'string') {
    const parsed = parseService(s.service);
    if (!parsed.ok) rep.error('spec.service', parsed.message, 'invalid-service');
  }
  if (s.hostname !== undefined && typeof s.hostname === 'string') {
    const err = checkHostGlob(s.hostname);
    if (err) rep.error('spec.hostname', err);
  }
  if (typeof s.host === 'string') {
    if (s.hostRegex) {
      const err = checkRegex(s.host, ctx.regexMaxSize);
      if (err) rep.error('spec.host', err, 'invalid-regex');
    }
    if (s.hostname !== undefined)
      rep.warn(
        'spec.host',
        'both host and hostname are set; host decides the :authority match',
        'conflicting-fields',
      );
  }
  if (typeof s.method === 'string' && s.methodRegex) {
    const err = checkRegex(s.method, ctx.regexMaxSize);
    if (err) rep.error('spec.method', err, 'invalid-regex');
  } else if (typeof s.method === 'string' && !/^[A-Za-z]+$/.test(s.method)) {
    rep.error('spec.method', `expected an HTTP method such as GET or POST, got "${s.method}"`);
  }
  // Indexed loops over the field lists: this runs once per Mapping, often before the JIT has
  // optimised it, where array iterators cost several times more.
  for (let fi = 0; fi < HEADER_FIELDS.length; fi++) {
    const field = HEADER_FIELDS[fi]!;
    const map = s[field];
    if (!isPlainObject(map)) continue;
    for (const [name, value] of Object.entries(map)) {
      if (!HEADER_NAME.test(name))
        rep.error(`spec.${snake(field)}["${name}"]`, `expected a header name, got "${name}"`);
      if (field === 'regexHeaders' && typeof value === 'string') {
        const err = checkRegex(value, ctx.regexMaxSize);
        if (err) rep.error(`spec.regex_headers["${name}"]`, err, 'invalid-regex');
      }
      if (field === 'headers' && value === false)
        rep.error(`spec.headers["${name}"]`, 'expected a string value or true (header present), got false');
    }
  }
  for (let fi = 0; fi < QUERY_FIELDS.length; fi++) {
    const field = QUERY_FIELDS[fi]!;
    const map = s[field];
    if (!isPlainObject(map)) continue;
    for (const [name, value] of Object.entries(map)) {
      if (field === 'regexQueryParameters' && typeof value === 'string') {
        const err = checkRegex(value, ctx.regexMaxSize);
        if (err) rep.error(`spec.regex_query_parameters["${name}"]`, err, 'invalid-regex');
      }
      if (field === 'queryParameters' && value === false)
        rep.error(
          `spec.query_parameters["${name}"]`,
          'expected a string value or true (parameter present), got false',
        );
    }
  }
  if (s.regexRewrite) {
    const err = checkRegex(s.regexRewrite.pattern, ctx.regexMaxSize);
    if (err) rep.error('spec.regex_rewrite.pattern', err, 'invalid-regex');
    if (s.rewrite !== undefined && s.rewrite !== '/' && s.rewrite !== '')
      rep.notice(
        'spec.rewrite',
        'both rewrite and regex_rewrite are set: using regex_rewrite and ignoring rewrite',
        'conflicting-fields',
      );
  }
  if (
    typeof s.rewrite === 'string' &&
    !s.regexRewrite &&
    !s.prefixRegex &&
    !s.prefixExact &&
    typeof s.prefix === 'string' &&
    !s.prefix.endsWith('/') &&
    s.rewrite.endsWith('/') &&
    s.rewrite !== ''
  ) {
    rep.warn(
      'spec.rewrite',
      `prefix "${s.prefix}" has no trailing "/" but rewrite "${s.rewrite}" has one: "${s.prefix}/x" becomes "${s.rewrite}/x"; end both with "/" or neither`,
      'rewrite-slash',
    );
  }
  if (s.hostRedirect) {
    const forms = REDIRECT_FORMS.filter((f) => s[f] !== undefined);
    if (forms.length > 1)
      rep.warn(
        `spec.${snake(forms[1]!)}`,
        `${forms.map(snake).join(', ')} are mutually exclusive; using ${snake(forms[0]!)} (precedence path_redirect > prefix_redirect > regex_redirect)`,
        'conflicting-fields',
      );
    if (s.regexRedirect) {
      const err = checkRegex(s.regexRedirect.pattern, ctx.regexMaxSize);
      if (err) rep.error('spec.regex_redirect.pattern', err, 'invalid-regex');
    }
    if (s.shadow)
      rep.warn(
        'spec.host_redirect',
        'shadow and host_redirect are both set; shadow wins',
        'conflicting-fields',
      );
  } else {
    for (let fi = 0; fi < REDIRECT_ONLY.length; fi++) {
      const f = REDIRECT_ONLY[fi]!;
      if (s[f] !== undefined)
        rep.warn(`spec.${snake(f)}`, `${snake(f)} has no effect without host_redirect: true`);
    }
  }
  if (s.redirectResponseCode !== undefined && !REDIRECT_CODES.has(s.redirectResponseCode))
    rep.error(
      'spec.redirect_response_code',
      `expected one of 301, 302, 303, 307, 308, got ${s.redirectResponseCode}`,
    );
  if (s.retryPolicy) validateRetryPolicy(s.retryPolicy, 'spec.retry_policy', rep);
  if (s.cors) validateCors(s.cors, 'spec.cors', rep);
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, 'spec.circuit_breakers', rep);
  const resolver = s.resolver ?? ctx.defaultResolver;
  if (s.resolver !== undefined && !RESOLVERS.has(s.resolver))
    rep.error(
      'spec.resolver',
      `unknown resolver "${s.resolver}" (expected kubernetes-service or kubernetes-endpoint; resolver resources are not supported)`,
      'unknown-resolver',
    );
  if (s.loadBalancer) validateLoadBalancer(s.loadBalancer, 'spec.load_balancer', resolver, rep);
  if (s.healthChecks !== undefined && resolver !== 'kubernetes-endpoint')
    rep.error(
      'spec.health_checks',
      'health_checks need endpoint discovery: set resolver: kubernetes-endpoint (Emissary silently ignores them with the service resolver)',
      'unsupported-field',
    );
  for (let fi = 0; fi < UNSUPPORTED.length; fi++) {
    const f = UNSUPPORTED[fi]![0];
    if (s[f] !== undefined) rep.error(`spec.${snake(f)}`, UNSUPPORTED[fi]![1], 'unsupported-field');
  }
  if (s.bypassErrorResponseOverrides !== undefined)
    rep.notice('spec.bypass_error_response_overrides', 'error response overrides are not supported; ignored');
  if (s.docs !== undefined) rep.notice('spec.docs', 'docs is for the Dev Portal; ignored', 'ignored-field');
  if (s.priority !== undefined && !/^(default|high)$/i.test(s.priority))
    rep.error('spec.priority', `expected default or high, got "${s.priority}"`);
  for (let fi = 0; fi < ADD_HEADER_FIELDS.length; fi++) {
    const f = ADD_HEADER_FIELDS[fi]!;
    const map = s[f];
    if (!isPlainObject(map)) continue;
    for (const name of Object.keys(map))
      if (!HEADER_NAME.test(name) || name.startsWith(':'))
        rep.error(`spec.${snake(f)}["${name}"]`, `expected a header name, got "${name}"`);
  }
  checkHeaderFormats(s.addRequestHeaders, 'add_request_headers', rep);
  checkHeaderFormats(s.addResponseHeaders, 'add_response_headers', rep);
  if (s.allowUpgrade)
    s.allowUpgrade.forEach((u, i) => {
      if (!/^[A-Za-z0-9._-]+$/.test(u))
        rep.error(`spec.allow_upgrade[${i}]`, `expected a protocol token such as websocket, got "${u}"`);
    });
  if (s.weight !== undefined && s.shadow !== true && s.weight === 0)
    rep.notice('spec.weight', 'weight 0 receives no traffic', 'zero-weight');
  if (s.labels) {
    for (const domain of Object.keys(s.labels))
      if (domain === '') rep.error('spec.labels', 'expected a non-empty rate-limit domain name');
  }
}

export function validateTCPMapping(m: TCPMapping, rep: Reporter): void {
  const s = m.spec;
  if (typeof s.service === 'string') {
    const parsed = parseService(s.service);
    if (!parsed.ok) rep.error('spec.service', parsed.message, 'invalid-service');
    else if (parsed.value.port === undefined)
      rep.error('spec.service', `expected host:port (TCPMapping services need a port), got "${s.service}"`);
  }
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, 'spec.circuit_breakers', rep);
  if (s.resolver !== undefined && !RESOLVERS.has(s.resolver))
    rep.error(
      'spec.resolver',
      `unknown resolver "${s.resolver}" (expected kubernetes-service or kubernetes-endpoint)`,
    );
  if (typeof s.host === 'string') {
    const err = checkHostGlob(s.host);
    if (err) rep.error('spec.host', err);
  }
}

export function validateRetryPolicy(
  p: { retryOn?: string; numRetries?: number; perTryTimeout?: string | number },
  path: string,
  rep: Reporter,
): void {
  if (typeof p.retryOn === 'string') {
    for (const cond of p.retryOn.split(',').map((x) => x.trim()))
      if (!RETRY_ON.has(cond))
        rep.error(`${path}.retry_on`, `expected one of ${[...RETRY_ON].join(', ')}, got "${cond}"`);
  }
  if (p.perTryTimeout !== undefined && parseDurationMs(p.perTryTimeout) === undefined)
    rep.error(
      `${path}.per_try_timeout`,
      `expected a duration such as "0.5s" or "250ms", got "${p.perTryTimeout}"`,
    );
}

export function validateCors(c: CorsSpec, path: string, rep: Reporter): void {
  const origins =
    typeof c.origins === 'string' ? c.origins.split(',') : Array.isArray(c.origins) ? c.origins : [];
  origins.forEach((o, i) => {
    if (typeof o !== 'string') return;
    const t = o.trim();
    if (t === '*') return;
    const stars = t.split('*').length - 1;
    if (stars > 1)
      rep.error(`${path}.origins[${i}]`, `expected an origin with at most one "*" wildcard, got "${t}"`);
    else if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(t) && !/^\*\.[^/]+$/.test(t) && !/^[^/:]+$/.test(t))
      rep.error(`${path}.origins[${i}]`, `expected an origin such as https://app.example.com, got "${t}"`);
  });
  if (c.maxAge !== undefined && !/^\d+$/.test(String(c.maxAge)))
    rep.error(`${path}.max_age`, `expected a number of seconds, got ${JSON.stringify(c.maxAge)}`);
}

export function validateCircuitBreakers(
  list: Array<{ priority?: string }>,
  path: string,
  rep: Reporter,
): void {
  const seen = new Set<string>();
  list.forEach((cb, i) => {
    const p = cb?.priority ?? 'default';
    if (seen.has(p))
      rep.error(
        `${path}[${i}].priority`,
        `expected at most one circuit breaker per priority; "${p}" repeats`,
      );
    seen.add(p);
  });
}

export function validateLoadBalancer(
  lb: { policy?: string; cookie?: unknown; header?: unknown; sourceIp?: unknown },
  path: string,
  resolver: string,
  rep: Reporter,
): void {
  const sources = (['cookie', 'header', 'sourceIp'] as const).filter(
    (k) => lb[k] !== undefined && lb[k] !== false,
  );
  if (lb.policy === 'round_robin' || lb.policy === 'least_request') {
    if (sources.length > 0)
      rep.error(
        `${path}.${snake(sources[0]!)}`,
        `${lb.policy} takes no hash source; only ring_hash and maglev hash on ${sources.map(snake).join(', ')}`,
      );
  } else if (lb.policy === 'ring_hash' || lb.policy === 'maglev') {
    if (sources.length !== 1)
      rep.error(
        path,
        `${lb.policy} needs exactly one hash source (cookie, header or source_ip), got ${sources.length === 0 ? 'none' : sources.map(snake).join(' and ')}`,
      );
  }
  const cookie = lb.cookie as { ttl?: string } | undefined;
  if (cookie?.ttl !== undefined && parseDurationMs(cookie.ttl) === undefined)
    rep.error(`${path}.cookie.ttl`, `expected a duration such as "3600s" or "1h", got "${cookie.ttl}"`);
  if (lb.policy !== undefined && lb.policy !== 'round_robin' && resolver !== 'kubernetes-endpoint')
    rep.error(
      `${path}.policy`,
      `load_balancer policy ${lb.policy} is not allowed with the ${resolver} resolver: hashing and least-request need every endpoint (EDS); set resolver: kubernetes-endpoint or use round_robin`,
      'lb-needs-endpoints',
    );
}

export function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Envoy header value substitutions

/**
 * Command operators Envoy accepts in custom header values (its substitution formatter). A value
 * with any other `%NAME%`, or with a `%` that is neither `%%` nor an operator, makes Envoy reject
 * the route configuration, so it is reported here for every data plane.
 */
const ENVOY_HEADER_OPERATORS = new Set([
  'BYTES_RECEIVED',
  'BYTES_SENT',
  'CLUSTER_METADATA',
  'CONNECTION_ID',
  'CONNECTION_TERMINATION_DETAILS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_DIRECT_REMOTE_PORT',
  'DOWNSTREAM_HEADER_BYTES_RECEIVED',
  'DOWNSTREAM_HEADER_BYTES_SENT',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_PORT',
  'DOWNSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_PEER_CERT',
  'DOWNSTREAM_PEER_CERT_V_END',
  'DOWNSTREAM_PEER_CERT_V_START',
  'DOWNSTREAM_PEER_FINGERPRINT_1',
  'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_ISSUER',
  'DOWNSTREAM_PEER_SERIAL',
  'DOWNSTREAM_PEER_SUBJECT',
  'DOWNSTREAM_PEER_URI_SAN',
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_REMOTE_PORT',
  'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_SESSION_ID',
  'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_WIRE_BYTES_SENT',
  'DURATION',
  'DYNAMIC_METADATA',
  'ENVIRONMENT',
  'FILTER_CHAIN_NAME',
  'FILTER_STATE',
  'GRPC_STATUS',
  'GRPC_STATUS_NUMBER',
  'HOSTNAME',
  'LOCAL_REPLY_BODY',
  'METADATA',
  'PER_REQUEST_STATE',
  'PROTOCOL',
  'REQ',
  'REQUESTED_SERVER_NAME',
  'REQUEST_DURATION',
  'REQUEST_HEADERS_BYTES',
  'REQUEST_TX_DURATION',
  'RESP',
  'RESPONSE_CODE',
  'RESPONSE_CODE_DETAILS',
  'RESPONSE_DURATION',
  'RESPONSE_FLAGS',
  'RESPONSE_HEADERS_BYTES',
  'RESPONSE_TRAILERS_BYTES',
  'RESPONSE_TX_DURATION',
  'ROUTE_NAME',
  'START_TIME',
  'TRAILER',
  'UPSTREAM_CLUSTER',
  'UPSTREAM_FILTER_STATE',
  'UPSTREAM_HEADER_BYTES_RECEIVED',
  'UPSTREAM_HEADER_BYTES_SENT',
  'UPSTREAM_HOST',
  'UPSTREAM_LOCAL_ADDRESS',
  'UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'UPSTREAM_LOCAL_PORT',
  'UPSTREAM_METADATA',
  'UPSTREAM_PEER_CERT',
  'UPSTREAM_PEER_CERT_V_END',
  'UPSTREAM_PEER_CERT_V_START',
  'UPSTREAM_PEER_ISSUER',
  'UPSTREAM_PEER_SUBJECT',
  'UPSTREAM_PROTOCOL',
  'UPSTREAM_REMOTE_ADDRESS',
  'UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'UPSTREAM_REMOTE_PORT',
  'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_TLS_CIPHER',
  'UPSTREAM_TLS_SESSION_ID',
  'UPSTREAM_TLS_VERSION',
  'UPSTREAM_TRANSPORT_FAILURE_REASON',
  'UPSTREAM_WIRE_BYTES_RECEIVED',
  'UPSTREAM_WIRE_BYTES_SENT',
  'VIRTUAL_CLUSTER_NAME',
]);

/** Reports `%…%` problems in add_request_headers / add_response_headers values. */
function checkHeaderFormats(map: unknown, field: string, rep: Reporter): void {
  if (!isPlainObject(map)) return;
  for (const [name, spec] of Object.entries(map)) {
    const value = typeof spec === 'string' ? spec : isPlainObject(spec) ? spec.value : undefined;
    if (typeof value !== 'string' || !value.includes('%')) continue;
    const problem = headerFormatProblem(value);
    if (problem !== undefined) rep.error(`spec.${field}["${name}"]`, problem, 'invalid-header-format');
  }
}

/** Scans `%NAME%`, `%NAME(arg)%`, `%NAME(arg):N%` and `%%`; returns a message for the first problem. */
function headerFormatProblem(value: string): string | undefined {
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < value.length && /[A-Z0-9_]/.test(value[j] as string)) j++;
    const name = value.slice(i + 1, j);
    if (name === '') return `unescaped "%" in "${value}" (write "%%" for a literal percent sign)`;
    if (value[j] === '(') {
      const close = value.indexOf(')', j);
      if (close === -1) return `operator %${name}( in "${value}" has no closing ")"`;
      j = close + 1;
    }
    if (value[j] === ':') {
      const start = ++j;
      while (j < value.length && value[j]! >= '0' && value[j]! <= '9') j++;
      if (j === start) return `operator %${name}% in "${value}": expected digits after ":"`;
    }
    if (value[j] !== '%') return `operator %${name} in "${value}" is not closed by "%"`;
    if (!ENVOY_HEADER_OPERATORS.has(name))
      return `unknown header operator %${name}% in "${value}" (Envoy rejects the configuration)`;
    i = j + 1;
  }
  return undefined;
}
