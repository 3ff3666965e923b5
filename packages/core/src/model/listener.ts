import type { LabelSelector, ResourceOf } from './common.js';

/**
 * Ambassador `Listener` spec: a port the gateway listens on.
 *
 * @example
 * ```ts
 * const spec: ListenerSpec = { port: 8080, protocol: 'HTTP', securityModel: 'XFP', hostBinding: { namespace: { from: 'ALL' } } };
 * ```
 */
export interface ListenerSpec {
  /** Required, 1–65535. */
  port: number;
  /** HTTP, HTTPS, HTTPPROXY, HTTPSPROXY, TCP, TLS or UDP. One of `protocol` / `protocolStack` is required. */
  protocol?: 'HTTP' | 'HTTPS' | 'HTTPPROXY' | 'HTTPSPROXY' | 'TCP' | 'TLS' | 'UDP';
  /** e.g. `[TLS, HTTP, TCP]`. */
  protocolStack?: string[];
  /** Required: how to decide that a request is secure. */
  securityModel: 'XFP' | 'SECURE' | 'INSECURE';
  /** Required: which Hosts bind to this Listener. */
  hostBinding?: {
    namespace?: { from: 'SELF' | 'ALL' };
    selector?: LabelSelector;
  };
  statsPrefix?: string;
  l7Depth?: number;
  http2MaxConcurrentStreams?: number;
  ambassadorId?: string[] | string;
}

/** An Ambassador `Listener`. */
export type Listener = ResourceOf<'Listener', ListenerSpec>;
