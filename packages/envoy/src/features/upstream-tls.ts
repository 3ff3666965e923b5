/**
 * TLS origination → `Cluster.transport_socket` with an UpstreamTlsContext: SNI, ALPN, optional
 * client certificate (mTLS) and CA from SDS, verification against a CA secret or the system
 * trust store, and the SNI name checked against the certificate's DNS SANs.
 *
 * gRPC xDS clients accept upstream TLS only through certificate-provider instances defined in
 * their own bootstrap (gRFC A29), so their variant names instances after the IR secrets.
 *
 * @module
 */
import type { IRCluster, IRUpstreamTls } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { TranslateContext } from '../types.js';
import { caSecretName, EXT, irRef, report, sdsSecretRef, T } from './common.js';
import { hasCertificate, hasTrustedCa } from './downstream-tls.js';
import { usesAlpnAuto } from './protocol-options.js';

/** The SNI to send: the IR's, else the DNS name of a DNS cluster. */
export function upstreamSni(c: IRCluster): string | undefined {
  return c.tls?.sni ?? (c.discovery.kind === 'dns' ? c.discovery.host : undefined);
}

function alpn(c: IRCluster, t: IRUpstreamTls): string[] {
  if (t.alpnProtocols.length > 0) return [...t.alpnProtocols];
  if (usesAlpnAuto(c)) return ['h2', 'http/1.1'];
  if (c.protocol === 'http2') return ['h2'];
  return [];
}

/** Envoy's `transport_socket` for a TLS cluster, or undefined for plaintext clusters. */
export function upstreamTransportSocket(c: IRCluster, ctx: TranslateContext): JsonObject | undefined {
  const t = c.tls;
  if (!t) return undefined;
  const ref = irRef('Cluster', c.name);
  const common: JsonObject = {};
  if (t.clientSecret) {
    if (hasCertificate(ctx, t.clientSecret))
      common.tls_certificate_sds_secret_configs = [sdsSecretRef(t.clientSecret, ctx)];
    else
      report(
        ctx,
        ref,
        'tls.clientSecret',
        `secret ${t.clientSecret} has no certificate and key; connecting without a client certificate`,
      );
  }
  const sni = upstreamSni(c);
  if (t.verify) {
    const sans = sni ? [{ san_type: 'DNS', matcher: { exact: sni } }] : undefined;
    if (t.caSecret && hasTrustedCa(ctx, t.caSecret)) {
      const caRef = sdsSecretRef(caSecretName(ctx.secrets.get(t.caSecret), t.caSecret), ctx);
      if (sans)
        common.combined_validation_context = {
          default_validation_context: { match_typed_subject_alt_names: sans },
          validation_context_sds_secret_config: caRef,
        };
      else common.validation_context_sds_secret_config = caRef;
    } else {
      if (t.caSecret)
        report(
          ctx,
          ref,
          'tls.caSecret',
          `secret ${t.caSecret} has no CA bundle; verifying against the system trust store`,
        );
      const vc: JsonObject = { system_root_certs: {} };
      if (sans) vc.match_typed_subject_alt_names = sans;
      common.validation_context = vc;
    }
  }
  const protocols = alpn(c, t);
  if (protocols.length > 0) common.alpn_protocols = protocols;
  const context: JsonObject = { common_tls_context: common };
  if (sni) context.sni = sni;
  return { name: EXT.tls, typed_config: any(T.upstreamTls, context) };
}

/** The gRPC-client form: certificate-provider instances named after the IR secrets. */
export function grpcUpstreamTransportSocket(c: IRCluster): JsonObject | undefined {
  const t = c.tls;
  if (!t) return undefined;
  const common: JsonObject = {
    validation_context: { ca_certificate_provider_instance: { instance_name: t.caSecret ?? 'default' } },
  };
  if (t.clientSecret) common.tls_certificate_provider_instance = { instance_name: t.clientSecret };
  return { name: EXT.tls, typed_config: any(T.upstreamTls, { common_tls_context: common }) };
}
