import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Diagnostic, IRCluster, IRSecret } from '@gateway/core';

/** TLS options for connections to one cluster's endpoints (node:tls `connect` options). */
export interface UpstreamTlsOptions {
  /** SNI and the name the certificate must match; absent when the upstream is addressed by IP only. */
  servername?: string;
  /** PEM CA bundle; absent = Node's default trust store. */
  ca?: string;
  /** PEM client certificate chain (mTLS origination). */
  cert?: string;
  /** PEM client private key. */
  key?: string;
  rejectUnauthorized: boolean;
  /** ALPN the IR asked for (informational: undici negotiates `h2`/`http/1.1` itself). */
  alpnProtocols: readonly string[];
}

type PemSource = { inline: string } | { file: string };

function clusterRef(cluster: IRCluster): Diagnostic['resource'] {
  return { kind: 'Cluster', namespace: '', name: cluster.name };
}

function readPem(source: PemSource): { pem: string } | { error: string } {
  if ('inline' in source) return { pem: source.inline };
  try {
    return { pem: readFileSync(source.file, 'utf8') };
  } catch (err) {
    return { error: `cannot read ${source.file}: ${(err as Error).message}` };
  }
}

/**
 * The host part of a cluster's `service` string (`https://quote.default:443` -> `quote.default`),
 * or undefined when there is none.
 *
 * @example
 * ```ts
 * serviceHost('quote.default:80'); // 'quote.default'
 * ```
 */
export function serviceHost(service: string): string | undefined {
  let s = service;
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end > 0 ? s.slice(1, end) : undefined;
  }
  const colon = s.lastIndexOf(':');
  if (colon >= 0 && s.indexOf(':') === colon) s = s.slice(0, colon);
  return s === '' ? undefined : s;
}

/**
 * Resolves a cluster's `tls` block against the IR's secrets: loads PEM material (inline or from
 * a file), picks the SNI (explicit `sni`, else the service's host name; never an IP literal) and
 * the verify flag. Problems come back as diagnostics naming the cluster and field.
 *
 * @example
 * ```ts
 * const { tls, diagnostics } = resolveUpstreamTls(cluster, secretsByName, 'quote.default');
 * ```
 */
export function resolveUpstreamTls(
  cluster: IRCluster,
  secrets: ReadonlyMap<string, IRSecret>,
  defaultHost: string | undefined,
): { tls?: UpstreamTlsOptions; diagnostics: Diagnostic[] } {
  const t = cluster.tls;
  const diagnostics: Diagnostic[] = [];
  if (!t) return { diagnostics };
  const fail = (path: string, message: string) =>
    diagnostics.push({
      resource: clusterRef(cluster),
      path,
      message,
      severity: 'error',
      code: 'upstream-tls',
    });

  const sniCandidate = t.sni ?? defaultHost;
  const tls: UpstreamTlsOptions = {
    rejectUnauthorized: t.verify,
    alpnProtocols: t.alpnProtocols,
  };
  if (sniCandidate && isIP(sniCandidate) === 0) tls.servername = sniCandidate;

  if (t.caSecret !== undefined) {
    const secret = secrets.get(t.caSecret);
    // A CA can live in trustedCa or, for a plain CA-bundle secret, in certificateChain.
    const source = secret?.trustedCa ?? secret?.certificateChain;
    if (!secret) fail('tls.caSecret', `expected the name of a secret in ir.secrets, got '${t.caSecret}'`);
    else if (!source)
      fail('tls.caSecret', `secret '${t.caSecret}' has no trustedCa (or certificateChain) PEM`);
    else {
      const r = readPem(source);
      if ('error' in r) fail('tls.caSecret', `secret '${t.caSecret}': ${r.error}`);
      else tls.ca = r.pem;
    }
  }
  if (t.clientSecret !== undefined) {
    const secret = secrets.get(t.clientSecret);
    if (!secret) {
      fail('tls.clientSecret', `expected the name of a secret in ir.secrets, got '${t.clientSecret}'`);
    } else if (!secret.certificateChain || !secret.privateKey) {
      fail('tls.clientSecret', `secret '${t.clientSecret}' needs both certificateChain and privateKey`);
    } else {
      const cert = readPem(secret.certificateChain);
      const key = readPem(secret.privateKey);
      if ('error' in cert)
        fail('tls.clientSecret', `secret '${t.clientSecret}' certificateChain: ${cert.error}`);
      else tls.cert = cert.pem;
      if ('error' in key) fail('tls.clientSecret', `secret '${t.clientSecret}' privateKey: ${key.error}`);
      else tls.key = key.pem;
    }
  }
  return { tls, diagnostics };
}
