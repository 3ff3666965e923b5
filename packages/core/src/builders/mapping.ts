import type {
  AddHeaderValue,
  CircuitBreakerSpec,
  CorsSpec,
  KeepaliveSpec,
  LabelsSpec,
  LoadBalancerSpec,
  RetryPolicySpec,
} from '../model/common.js';
import type { Mapping, MappingSpec } from '../model/mapping.js';
import { AMBASSADOR_API_VERSION } from '../model/resource.js';

/** Metadata accepted by every builder and factory. */
export interface MetaOptions {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** How a redirect rewrites the path: exactly one form (Ambassador's three fields, made exclusive). */
export type RedirectPath =
  | { path: string; prefix?: never; regex?: never }
  | { prefix: string; path?: never; regex?: never }
  | { regex: { pattern: string; substitution: string }; path?: never; prefix?: never };

/** Options of {@link MappingBuilderMethods.redirectTo}. */
export interface RedirectOptions {
  /** Path rewrite; omit to keep the path. */
  rewrite?: RedirectPath;
  /** Default 301. */
  code?: 301 | 302 | 303 | 307 | 308;
}

// Names of method groups that are mutually exclusive: once one is used, its siblings disappear.
type PathMethods = 'prefix' | 'prefixExact' | 'prefixRegex';
type RewriteMethods = 'rewrite' | 'regexRewrite' | 'noRewrite';
type HostMethods = 'hostname' | 'host' | 'hostRegex';
type TargetMethods = 'service' | 'redirectTo' | 'shadowOf';

/** Every method of the Mapping builder; `U` is the set of exclusive groups already used. */
export interface MappingBuilderMethods<U extends string> {
  /** Match paths starting with `prefix` (default rewrite: the prefix becomes `/`). */
  prefix(prefix: string): MappingBuilder<U | PathMethods | 'path'>;
  /** Match exactly this path (no default rewrite). */
  prefixExact(path: string): MappingBuilder<U | PathMethods | 'path'>;
  /** Match the whole path with an RE2 regex (no default rewrite). */
  prefixRegex(regex: string): MappingBuilder<U | PathMethods | 'path'>;
  /** Replace the matched prefix with `rewrite`. */
  rewrite(rewrite: string): MappingBuilder<U | RewriteMethods>;
  /** RE2 substitution over the whole path (`\1` back-references in `substitution`). */
  regexRewrite(pattern: string, substitution: string): MappingBuilder<U | RewriteMethods>;
  /** Forward the path unchanged (Ambassador `rewrite: ""`). */
  noRewrite(): MappingBuilder<U | RewriteMethods>;
  /** Match a hostname glob (`*`, `*.example.com`, `api.*`, exact). */
  hostname(glob: string): MappingBuilder<U | HostMethods>;
  /** Match an exact `:authority` (deprecated Ambassador `host`). */
  host(exact: string): MappingBuilder<U | HostMethods>;
  /** Match `:authority` with an RE2 regex. */
  hostRegex(regex: string): MappingBuilder<U | HostMethods>;
  /** The upstream: `[http://|https://]name[.namespace][:port]`. */
  service(service: string): MappingBuilder<U | TargetMethods | 'target'>;
  /** Redirect to `host` (optionally `https://host:port`) instead of proxying. */
  redirectTo(host: string, opts?: RedirectOptions): MappingBuilder<U | TargetMethods | 'target' | 'weight'>;
  /** Mirror `percent` (default 100) of this match's traffic to `service`; responses are discarded. */
  shadowOf(service: string, percent?: number): MappingBuilder<U | TargetMethods | 'target' | 'weight'>;
  /** Canary weight 0–100 among Mappings with the same match. */
  weight(weight: number): MappingBuilder<U | 'weight'>;
  method(method: string): MappingBuilder<U>;
  methodRegex(regex: string): MappingBuilder<U>;
  /** Exact header match, or presence with `true`. */
  header(name: string, value: string | true): MappingBuilder<U>;
  regexHeader(name: string, regex: string): MappingBuilder<U>;
  queryParameter(name: string, value: string | true): MappingBuilder<U>;
  regexQueryParameter(name: string, regex: string): MappingBuilder<U>;
  precedence(precedence: number): MappingBuilder<U>;
  caseSensitive(on: boolean): MappingBuilder<U>;
  hostRewrite(host: string): MappingBuilder<U>;
  autoHostRewrite(on?: boolean): MappingBuilder<U>;
  /** Request timeout (0 disables). */
  timeoutMs(ms: number): MappingBuilder<U>;
  idleTimeoutMs(ms: number): MappingBuilder<U>;
  connectTimeoutMs(ms: number): MappingBuilder<U>;
  retryPolicy(policy: RetryPolicySpec): MappingBuilder<U>;
  cors(cors: CorsSpec): MappingBuilder<U>;
  circuitBreakers(breakers: CircuitBreakerSpec[]): MappingBuilder<U>;
  loadBalancer(lb: LoadBalancerSpec): MappingBuilder<U>;
  keepalive(k: KeepaliveSpec): MappingBuilder<U>;
  bypassAuth(on?: boolean): MappingBuilder<U>;
  authContextExtensions(ext: Record<string, string>): MappingBuilder<U>;
  rateLimitLabels(labels: LabelsSpec): MappingBuilder<U>;
  /** Our extension: a local token bucket for this route. */
  localRateLimit(
    requestsPerUnit: number,
    unit: 'second' | 'minute' | 'hour',
    burst?: number,
  ): MappingBuilder<U>;
  addRequestHeaders(h: Record<string, AddHeaderValue>): MappingBuilder<U>;
  addResponseHeaders(h: Record<string, AddHeaderValue>): MappingBuilder<U>;
  removeRequestHeaders(names: string[]): MappingBuilder<U>;
  removeResponseHeaders(names: string[]): MappingBuilder<U>;
  grpc(on?: boolean): MappingBuilder<U>;
  allowUpgrade(protocols: string[]): MappingBuilder<U>;
  /** Originate TLS using this TLSContext. */
  tlsContext(name: string): MappingBuilder<U>;
  resolver(name: 'kubernetes-service' | 'kubernetes-endpoint'): MappingBuilder<U>;
  clusterTag(tag: string): MappingBuilder<U>;
  statsName(name: string): MappingBuilder<U>;
  namespace(ns: string): MappingBuilder<U>;
  labels(labels: Record<string, string>): MappingBuilder<U>;
  annotations(annotations: Record<string, string>): MappingBuilder<U>;
  /** Any other spec field, for completeness (no exclusivity checks). */
  set<K extends keyof MappingSpec>(key: K, value: MappingSpec[K]): MappingBuilder<U>;
}

type Complete<U extends string> = [Exclude<'path' | 'target', U>] extends [never]
  ? {
      /** The finished Mapping resource (available once a path and a target are set). */
      build(): Mapping;
    }
  : unknown;

/**
 * A fluent Mapping builder whose type removes methods that would conflict with ones already used
 * (`prefix` vs `prefixRegex`, `rewrite` vs `regexRewrite`, `hostname` vs `host`, `service` vs
 * `redirectTo`) and only offers `build()` once a path and a target are set.
 */
export type MappingBuilder<U extends string = never> = Omit<MappingBuilderMethods<U>, U> & Complete<U>;

class MappingBuilderImpl {
  private readonly spec: Partial<MappingSpec> = {};
  private readonly meta: {
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };

  constructor(
    private readonly name: string,
    meta: MetaOptions,
  ) {
    this.meta = {
      namespace: meta.namespace ?? 'default',
      labels: { ...meta.labels },
      annotations: { ...meta.annotations },
    };
  }
  private put<K extends keyof MappingSpec>(k: K, v: MappingSpec[K]): this {
    this.spec[k] = v;
    return this;
  }
  private putMap(
    k: 'headers' | 'regexHeaders' | 'queryParameters' | 'regexQueryParameters',
    name: string,
    v: string | true,
  ): this {
    const map = { ...((this.spec[k] as Record<string, string | boolean> | undefined) ?? {}) };
    map[name] = v;
    (this.spec as Record<string, unknown>)[k] = map;
    return this;
  }
  prefix(p: string) {
    return this.put('prefix', p);
  }
  prefixExact(p: string) {
    return this.put('prefix', p).put('prefixExact', true);
  }
  prefixRegex(r: string) {
    return this.put('prefix', r).put('prefixRegex', true);
  }
  rewrite(r: string) {
    return this.put('rewrite', r);
  }
  regexRewrite(pattern: string, substitution: string) {
    return this.put('regexRewrite', { pattern, substitution });
  }
  noRewrite() {
    return this.put('rewrite', '');
  }
  hostname(g: string) {
    return this.put('hostname', g);
  }
  host(h: string) {
    return this.put('host', h);
  }
  hostRegex(r: string) {
    return this.put('host', r).put('hostRegex', true);
  }
  service(s: string) {
    return this.put('service', s);
  }
  redirectTo(host: string, opts: RedirectOptions = {}) {
    this.put('service', host).put('hostRedirect', true);
    const r = opts.rewrite;
    if (r?.path !== undefined) this.put('pathRedirect', r.path);
    else if (r?.prefix !== undefined) this.put('prefixRedirect', r.prefix);
    else if (r?.regex !== undefined) this.put('regexRedirect', r.regex);
    if (opts.code !== undefined) this.put('redirectResponseCode', opts.code);
    return this;
  }
  shadowOf(service: string, percent?: number) {
    this.put('service', service).put('shadow', true);
    if (percent !== undefined) this.put('weight', percent);
    return this;
  }
  weight(w: number) {
    return this.put('weight', w);
  }
  method(m: string) {
    return this.put('method', m);
  }
  methodRegex(r: string) {
    return this.put('method', r).put('methodRegex', true);
  }
  header(n: string, v: string | true) {
    return this.putMap('headers', n, v);
  }
  regexHeader(n: string, r: string) {
    return this.putMap('regexHeaders', n, r);
  }
  queryParameter(n: string, v: string | true) {
    return this.putMap('queryParameters', n, v);
  }
  regexQueryParameter(n: string, r: string) {
    return this.putMap('regexQueryParameters', n, r);
  }
  precedence(p: number) {
    return this.put('precedence', p);
  }
  caseSensitive(on: boolean) {
    return this.put('caseSensitive', on);
  }
  hostRewrite(h: string) {
    return this.put('hostRewrite', h);
  }
  autoHostRewrite(on = true) {
    return this.put('autoHostRewrite', on);
  }
  timeoutMs(ms: number) {
    return this.put('timeoutMs', ms);
  }
  idleTimeoutMs(ms: number) {
    return this.put('idleTimeoutMs', ms);
  }
  connectTimeoutMs(ms: number) {
    return this.put('connectTimeoutMs', ms);
  }
  retryPolicy(p: RetryPolicySpec) {
    return this.put('retryPolicy', p);
  }
  cors(c: CorsSpec) {
    return this.put('cors', c);
  }
  circuitBreakers(b: CircuitBreakerSpec[]) {
    return this.put('circuitBreakers', b);
  }
  loadBalancer(lb: LoadBalancerSpec) {
    return this.put('loadBalancer', lb);
  }
  keepalive(k: KeepaliveSpec) {
    return this.put('keepalive', k);
  }
  bypassAuth(on = true) {
    return this.put('bypassAuth', on);
  }
  authContextExtensions(e: Record<string, string>) {
    return this.put('authContextExtensions', e);
  }
  rateLimitLabels(l: LabelsSpec) {
    return this.put('labels', l);
  }
  localRateLimit(requestsPerUnit: number, unit: 'second' | 'minute' | 'hour', burst?: number) {
    return this.put('gatewaySdk', {
      ...this.spec.gatewaySdk,
      rateLimit: { requestsPerUnit, unit, ...(burst !== undefined ? { burst } : {}) },
    });
  }
  addRequestHeaders(h: Record<string, AddHeaderValue>) {
    return this.put('addRequestHeaders', h);
  }
  addResponseHeaders(h: Record<string, AddHeaderValue>) {
    return this.put('addResponseHeaders', h);
  }
  removeRequestHeaders(n: string[]) {
    return this.put('removeRequestHeaders', n);
  }
  removeResponseHeaders(n: string[]) {
    return this.put('removeResponseHeaders', n);
  }
  grpc(on = true) {
    return this.put('grpc', on);
  }
  allowUpgrade(p: string[]) {
    return this.put('allowUpgrade', p);
  }
  tlsContext(n: string) {
    return this.put('tls', n);
  }
  resolver(n: string) {
    return this.put('resolver', n);
  }
  clusterTag(t: string) {
    return this.put('clusterTag', t);
  }
  statsName(n: string) {
    return this.put('statsName', n);
  }
  namespace(ns: string) {
    this.meta.namespace = ns;
    return this;
  }
  labels(l: Record<string, string>) {
    this.meta.labels = { ...this.meta.labels, ...l };
    return this;
  }
  annotations(a: Record<string, string>) {
    this.meta.annotations = { ...this.meta.annotations, ...a };
    return this;
  }
  set<K extends keyof MappingSpec>(k: K, v: MappingSpec[K]) {
    return this.put(k, v);
  }
  build(): Mapping {
    return {
      apiVersion: AMBASSADOR_API_VERSION,
      kind: 'Mapping',
      metadata: {
        name: this.name,
        namespace: this.meta.namespace,
        labels: { ...this.meta.labels },
        annotations: { ...this.meta.annotations },
      },
      spec: structuredClone(this.spec) as MappingSpec,
    };
  }
}

/**
 * Starts a typed Mapping.
 *
 * @example
 * ```ts
 * const canary = mapping('quote-canary').prefix('/backend/').service('quote-v2:80').weight(10).build();
 * // mapping('x').prefix('/a/').prefixRegex('.*')  -> type error: prefixRegex no longer exists
 * ```
 */
export function mapping(name: string, meta: MetaOptions = {}): MappingBuilder {
  return new MappingBuilderImpl(name, meta) as unknown as MappingBuilder;
}
