import type { LabelSelector, ResourceOf, SecretRef } from './common.js';

/** Inline TLS settings of a Host (subset of TLSContext). */
export interface HostTlsSpec {
  minTlsVersion?: string;
  maxTlsVersion?: string;
  alpnProtocols?: string | string[];
  cipherSuites?: string[];
  ecdhCurves?: string[];
  caSecret?: string;
  certRequired?: boolean;
  sni?: string;
}

/**
 * Ambassador `Host` spec: a hostname the gateway serves, its certificate and what to do with
 * insecure requests.
 *
 * @example
 * ```ts
 * const spec: HostSpec = { hostname: 'example.com', tlsSecret: { name: 'example-com-tls' } };
 * ```
 */
export interface HostSpec {
  /** DNS glob (`example.com`, `*.example.com`, `*`); `host:port` allowed. Default `*`. */
  hostname?: string;
  /** Which Mappings attach (by labels). v2 name: `selector`. */
  mappingSelector?: LabelSelector;
  /** v2 name of `mappingSelector`. */
  selector?: LabelSelector;
  /** Kubernetes TLS secret with the certificate for this hostname. */
  tlsSecret?: SecretRef;
  /** Name of a TLSContext with the TLS settings. */
  tlsContext?: { name: string };
  /** Inline TLS settings. */
  tls?: HostTlsSpec;
  requestPolicy?: {
    insecure?: {
      /** `Redirect` (default when TLS is configured), `Route`, or `Reject`. */
      action?: 'Redirect' | 'Route' | 'Reject';
      additionalPort?: number;
    };
  };
  /** Edge Stack only; ignored. */
  acmeProvider?: unknown;
  ambassadorId?: string[] | string;
}

/** An Ambassador `Host`. */
export type Host = ResourceOf<'Host', HostSpec>;
