import { hashStable } from '../util/stable-json.js';
import type { GatewayIR, IRFilters, IRSettings } from './types.js';

/** The connection-manager settings used when no Module overrides them (safe edge defaults). */
export function defaultSettings(): IRSettings {
  return {
    xffNumTrustedHops: 0,
    useRemoteAddress: true,
    normalizePath: true,
    mergeSlashes: true,
    escapedSlashesAction: 'reject',
    headersWithUnderscoresAction: 'allow',
    maxRequestHeadersKb: 60,
    maxRequestBodyBytes: 0,
    requestHeadersTimeoutMs: 10_000,
    streamIdleTimeoutMs: 300_000,
    connectionIdleTimeoutMs: 3_600_000,
    drainTimeoutMs: 5_000,
    stripHostPort: true,
    http2MaxConcurrentStreams: 100,
    regexMaxProgramSize: 200,
    suppressGatewayHeaders: false,
    ipAllow: [],
    ipDeny: [],
  };
}

export function emptyFilters(): IRFilters {
  return { jwt: [], authorization: [] };
}

/**
 * Seals an IR: gives it a `version`, the content hash of everything else (sha256 over
 * `stableStringify` of the body, first 16 hex chars), so equal content always carries an equal
 * version. Call after every change to an IR; IR objects are immutable once sealed.
 *
 * The hash is computed on the first read of `version` and then stored as a plain data property:
 * hashing a 10k-route IR costs more than compiling it, and a caller that post-processes the IR
 * and seals again (the Kubernetes controller, `resolveOverrides`) never reads the intermediate
 * version. `JSON.stringify`, spreads and structured clones read it like any other property.
 *
 * @example
 * ```ts
 * const ir = sealIR({ ...body, clusters });
 * ir.version; // '3f1c…' (16 hex chars), computed here once
 * ```
 */
export function sealIR(ir: Omit<GatewayIR, 'version' | 'schema'>): GatewayIR {
  const sealed: GatewayIR = {
    schema: 'gateway.ir/v1',
    version: '',
    settings: ir.settings,
    listeners: ir.listeners,
    clusters: ir.clusters,
    secrets: ir.secrets,
    filters: ir.filters,
    tcpRoutes: ir.tcpRoutes,
  };
  const store = (value: string): void => {
    Object.defineProperty(sealed, 'version', { value, enumerable: true, writable: true, configurable: true });
  };
  // Redefining an existing key keeps its place, so key order (and the IR's JSON) is unchanged.
  Object.defineProperty(sealed, 'version', {
    enumerable: true,
    configurable: true,
    get(): string {
      const body = {
        settings: sealed.settings,
        listeners: sealed.listeners,
        clusters: sealed.clusters,
        secrets: sealed.secrets,
        filters: sealed.filters,
        tcpRoutes: sealed.tcpRoutes,
      };
      const version = hashStable(body, sharedRoutes(body.listeners));
      store(version);
      return version;
    },
    set: store,
  });
  return sealed;
}

/**
 * Routes that appear in more than one virtual host (a Mapping served by several Hosts shares one
 * route object): sealing serialises each of them once.
 */
function sharedRoutes(listeners: GatewayIR['listeners']): Set<object> | undefined {
  if (!Array.isArray(listeners)) return undefined;
  const seen = new Set<object>();
  const shared = new Set<object>();
  for (const l of listeners) {
    if (!l || !Array.isArray(l.virtualHosts)) continue;
    for (const vh of l.virtualHosts) {
      if (!vh || !Array.isArray(vh.routes)) continue;
      for (const r of vh.routes) {
        if (r === null || typeof r !== 'object') continue;
        if (seen.has(r)) shared.add(r);
        else seen.add(r);
      }
    }
  }
  return shared.size > 0 ? shared : undefined;
}

/**
 * An IR with nothing in it but defaults, for tests and for building IR by hand.
 *
 * @example
 * ```ts
 * const ir = createIR({ clusters: [myCluster], listeners: [myListener] });
 * ```
 */
export function createIR(parts: Partial<Omit<GatewayIR, 'version' | 'schema'>> = {}): GatewayIR {
  return sealIR({
    settings: parts.settings ?? defaultSettings(),
    listeners: parts.listeners ?? [],
    clusters: parts.clusters ?? [],
    secrets: parts.secrets ?? [],
    filters: parts.filters ?? emptyFilters(),
    tcpRoutes: parts.tcpRoutes ?? [],
  });
}
