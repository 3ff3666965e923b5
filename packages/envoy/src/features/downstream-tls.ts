/**
 * TLS termination: one filter chain per SNI entry of an `https` listener with a
 * DownstreamTlsContext whose certificate (and optional client CA) come from SDS.
 *
 * @module
 */
import type { IRListener, IRListenerTls } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';
import { caSecretName, EXT, irRef, report, sdsSecretRef, T } from './common.js';

/** IR TLS version → `TlsParameters.TlsProtocol`. */
export const TLS_VERSIONS: Record<NonNullable<IRListenerTls['minVersion']>, string> = {
  'v1.0': 'TLSv1_0',
  'v1.1': 'TLSv1_1',
  'v1.2': 'TLSv1_2',
  'v1.3': 'TLSv1_3',
};

/** Whether an IR secret exists and carries a certificate and key. */
export function hasCertificate(ctx: TranslateContext, name: string): boolean {
  const s = ctx.secrets.get(name);
  return !!s?.certificateChain && !!s.privateKey;
}

/** Whether an IR secret exists and carries a CA bundle. */
export function hasTrustedCa(ctx: TranslateContext, name: string): boolean {
  return !!ctx.secrets.get(name)?.trustedCa;
}

/** `TlsParameters` for versions, ciphers and curves, or undefined when all are defaults. */
export function tlsParams(t: {
  minVersion?: IRListenerTls['minVersion'];
  maxVersion?: IRListenerTls['maxVersion'];
  cipherSuites?: string[];
  ecdhCurves?: string[];
}): JsonObject | undefined {
  const p: JsonObject = {};
  if (t.minVersion) p.tls_minimum_protocol_version = TLS_VERSIONS[t.minVersion];
  if (t.maxVersion) p.tls_maximum_protocol_version = TLS_VERSIONS[t.maxVersion];
  if (t.cipherSuites && t.cipherSuites.length > 0) p.cipher_suites = [...t.cipherSuites];
  if (t.ecdhCurves && t.ecdhCurves.length > 0) p.ecdh_curves = [...t.ecdhCurves];
  return Object.keys(p).length > 0 ? p : undefined;
}

/**
 * The `transport_socket` terminating TLS for one SNI entry, or undefined (with a warning) when
 * its certificate or client CA is not available.
 */
export function downstreamTransportSocket(
  t: IRListenerTls,
  l: IRListener,
  ctx: TranslateContext,
): JsonObject | undefined {
  if (!hasCertificate(ctx, t.secret)) {
    report(
      ctx,
      irRef('Listener', l.name),
      `tls[${t.serverNames.join(',') || 'default'}].secret`,
      `secret ${t.secret} has no certificate and key the gateway can serve; this TLS server name is left out`,
    );
    return undefined;
  }
  if (t.clientCaSecret && !hasTrustedCa(ctx, t.clientCaSecret)) {
    report(
      ctx,
      irRef('Listener', l.name),
      `tls[${t.serverNames.join(',') || 'default'}].clientCaSecret`,
      `secret ${t.clientCaSecret} has no CA bundle; this TLS server name is left out`,
    );
    return undefined;
  }
  const common: JsonObject = {};
  const params = tlsParams(t);
  if (params) common.tls_params = params;
  common.tls_certificate_sds_secret_configs = [sdsSecretRef(t.secret, ctx)];
  if (t.clientCaSecret)
    common.validation_context_sds_secret_config = sdsSecretRef(
      caSecretName(ctx.secrets.get(t.clientCaSecret), t.clientCaSecret),
      ctx,
    );
  if (t.alpnProtocols.length > 0) common.alpn_protocols = [...t.alpnProtocols];
  const context: JsonObject = { common_tls_context: common };
  if (t.requireClientCertificate) context.require_client_certificate = true;
  return { name: EXT.tls, typed_config: any(T.downstreamTls, context) };
}

/** `FilterChainMatch` for an SNI entry (none for the default chain). */
export function sniMatch(serverNames: readonly string[]): JsonObject | undefined {
  return serverNames.length > 0 ? { server_names: [...serverNames] } : undefined;
}
