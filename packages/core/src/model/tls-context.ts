import type { ResourceOf } from './common.js';

/**
 * Ambassador `TLSContext` spec: certificate and TLS parameters, for termination (by `hosts`) or
 * origination (by Mapping `tls`).
 *
 * @example
 * ```ts
 * const spec: TLSContextSpec = { hosts: ['example.com'], secret: 'example-com-tls', minTlsVersion: 'v1.2' };
 * ```
 */
export interface TLSContextSpec {
  hosts?: string[];
  /** Kubernetes secret `name` or `name.namespace`. */
  secret?: string;
  certChainFile?: string;
  privateKeyFile?: string;
  /** CA secret to verify peers (client certificates on termination, upstreams on origination). */
  caSecret?: string;
  cacertChainFile?: string;
  crlSecret?: string;
  certRequired?: boolean;
  /** `v1.0` … `v1.3`. */
  minTlsVersion?: string;
  maxTlsVersion?: string;
  cipherSuites?: string[];
  ecdhCurves?: string[];
  alpnProtocols?: string;
  /** SNI to send when originating. */
  sni?: string;
  /** Namespace-qualify `secret` names (default true). */
  secretNamespacing?: boolean;
  redirectCleartextFrom?: number;
  ambassadorId?: string[] | string;
}

/** An Ambassador `TLSContext`. */
export type TLSContext = ResourceOf<'TLSContext', TLSContextSpec>;
