/**
 * IR secrets → SDS `Secret`s: `tls_certificate` for certificate + key, `validation_context` for a
 * CA bundle (named `<name>/ca` when the same IR secret also holds a certificate, since one Secret
 * holds one kind of material). Secrets the IR could not read (only a Kubernetes reference) are
 * reported and left out; the listeners and clusters that need them already degraded.
 *
 * @module
 */
import type { IRSecret } from '@gateway/core';
import { any, type JsonObject } from '../proto/json.js';
import type { EnvoyResource, TranslateContext } from '../types.js';
import { caSecretName, irRef, report, T } from './common.js';

function dataSource(d: NonNullable<IRSecret['certificateChain']>): JsonObject {
  return 'inline' in d ? { inline_string: d.inline } : { filename: d.file };
}

/** Secret bodies (without `@type`) for one IR secret. */
export function secretBodies(s: IRSecret, ctx: TranslateContext): JsonObject[] {
  const out: JsonObject[] = [];
  if (s.certificateChain && s.privateKey) {
    out.push({
      name: s.name,
      tls_certificate: {
        certificate_chain: dataSource(s.certificateChain),
        private_key: dataSource(s.privateKey),
      },
    });
  }
  if (s.trustedCa)
    out.push({ name: caSecretName(s, s.name), validation_context: { trusted_ca: dataSource(s.trustedCa) } });
  if (out.length === 0)
    report(
      ctx,
      irRef('Secret', s.name),
      '',
      s.kubernetesSecret
        ? `secret ${s.kubernetesSecret.namespace}/${s.kubernetesSecret.name} could not be read; no SDS secret emitted`
        : 'secret has no certificate, key or CA; no SDS secret emitted',
      'notice',
    );
  return out;
}

/** All SDS secrets of the IR. */
export function sdsSecrets(ctx: TranslateContext): EnvoyResource[] {
  return ctx.ir.secrets.flatMap((s) => secretBodies(s, ctx).map((b) => any(T.secret, b) as EnvoyResource));
}
