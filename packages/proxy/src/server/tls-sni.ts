import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Diagnostic, IRListener, IRListenerTls, IRSecret } from '@gateway/core';
import { HostMatcher } from '../routing/host-match.js';

/**
 * TLS termination with SNI: one port, one certificate per server name. Secure contexts are built
 * once per config from the IR's `tls[]` entries and `secrets`; the listener's SNICallback reads
 * the current set, so a reload swaps certificates without rebinding the port.
 */
export interface SniEntry {
  context: tls.SecureContext;
  options: tls.SecureContextOptions;
  entry: IRListenerTls;
}

export interface ListenerTls {
  /** The certificate used when the client sends no (or an unknown) server name. */
  readonly fallback: SniEntry;
  readonly byName: HostMatcher<SniEntry>;
  /** Some entry verifies client certificates: the server must request them. */
  readonly requestCert: boolean;
  /** ALPN protocols offered (union of the entries', default h2 + http/1.1). */
  readonly alpn: string[];
}

export function lookupSni(config: ListenerTls, servername: string | undefined | false): SniEntry {
  if (!servername) return config.fallback;
  return config.byName.match(servername.toLowerCase()) ?? config.fallback;
}

const VERSIONS: Record<string, tls.SecureVersion> = {
  'v1.0': 'TLSv1',
  'v1.1': 'TLSv1.1',
  'v1.2': 'TLSv1.2',
  'v1.3': 'TLSv1.3',
};

function readMaterial(ref: { inline: string } | { file: string } | undefined): string | undefined {
  if (!ref) return undefined;
  return 'inline' in ref ? ref.inline : readFileSync(ref.file, 'utf8');
}

/** Builds the SNI table for an `https` listener; problems become diagnostics. */
export function buildListenerTls(
  listener: IRListener,
  listenerIndex: number,
  secrets: ReadonlyMap<string, IRSecret>,
  diagnostics: Diagnostic[],
): ListenerTls | undefined {
  const report = (i: number, field: string, message: string) =>
    diagnostics.push({
      resource: { kind: 'Listener', namespace: '', name: listener.name },
      path: `tls[${i}].${field}`,
      message: `listener ${listener.name} (listeners[${listenerIndex}]): ${message}`,
      severity: 'error',
      code: 'proxy-tls-invalid',
    });
  if (listener.tls.length === 0) {
    diagnostics.push({
      resource: { kind: 'Listener', namespace: '', name: listener.name },
      path: 'tls',
      message: `listener ${listener.name} is https but has no TLS certificates`,
      severity: 'error',
      code: 'proxy-tls-missing',
    });
    return undefined;
  }
  const byName = new HostMatcher<SniEntry>();
  let fallback: SniEntry | undefined;
  let first: SniEntry | undefined;
  let requestCert = false;
  const alpn = new Set<string>();
  listener.tls.forEach((entry, i) => {
    const secret = secrets.get(entry.secret);
    if (!secret) {
      report(i, 'secret', `secret ${JSON.stringify(entry.secret)} is not defined in ir.secrets`);
      return;
    }
    let cert: string | undefined;
    let key: string | undefined;
    let ca: string | undefined;
    try {
      cert = readMaterial(secret.certificateChain);
      key = readMaterial(secret.privateKey);
      if (entry.clientCaSecret) {
        const caSecret = secrets.get(entry.clientCaSecret);
        if (!caSecret) {
          report(
            i,
            'clientCaSecret',
            `secret ${JSON.stringify(entry.clientCaSecret)} is not defined in ir.secrets`,
          );
          return;
        }
        ca = readMaterial(caSecret.trustedCa ?? caSecret.certificateChain);
      }
    } catch (err) {
      report(i, 'secret', `cannot read TLS material of ${entry.secret}: ${(err as Error).message}`);
      return;
    }
    if (!cert || !key) {
      report(
        i,
        'secret',
        secret.kubernetesSecret
          ? `secret ${entry.secret} refers to Kubernetes Secret ${secret.kubernetesSecret.namespace}/${secret.kubernetesSecret.name}, which the proxy cannot read`
          : `secret ${entry.secret} needs certificateChain and privateKey`,
      );
      return;
    }
    const options: tls.SecureContextOptions = { cert, key };
    if (entry.minVersion) options.minVersion = VERSIONS[entry.minVersion];
    if (entry.maxVersion) options.maxVersion = VERSIONS[entry.maxVersion];
    if (entry.cipherSuites?.length) options.ciphers = entry.cipherSuites.join(':');
    if (entry.ecdhCurves?.length) options.ecdhCurve = entry.ecdhCurves.join(':');
    if (ca) {
      options.ca = ca;
      requestCert = true;
    }
    let context: tls.SecureContext;
    try {
      context = tls.createSecureContext(options);
    } catch (err) {
      report(i, 'secret', `invalid certificate or key in ${entry.secret}: ${(err as Error).message}`);
      return;
    }
    const sni: SniEntry = { context, options, entry };
    for (const p of entry.alpnProtocols) alpn.add(p);
    first ??= sni;
    if (entry.serverNames.length === 0) fallback ??= sni;
    for (const name of entry.serverNames) byName.add(name, sni);
  });
  const chosen = fallback ?? first;
  if (!chosen) return undefined;
  return { fallback: chosen, byName, requestCert, alpn: alpn.size > 0 ? [...alpn] : ['h2', 'http/1.1'] };
}
