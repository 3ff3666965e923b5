import { type Diagnostic, type GatewayIR, type IRSecret, sealIR } from '@gateway/core';
import type { Secret } from '../types.js';

/** Looks up a Secret by namespace and name. */
export type SecretLookup = (namespace: string, name: string) => Secret | undefined;

/**
 * Lookup over an array of Secrets.
 *
 * @example
 * ```ts
 * applySecrets(ir, secretLookupFrom(secrets));
 * ```
 */
export function secretLookupFrom(secrets: Secret[]): SecretLookup {
  const map = new Map<string, Secret>();
  for (const s of secrets) map.set(`${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}`, s);
  return (ns, name) => map.get(`${ns}/${name}`);
}

function decode(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const b64 = secret.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

/**
 * Resolves IR secrets that point at Kubernetes Secrets (`kubernetesSecret`) into inline PEM:
 * `tls.crt` → certificate chain, `tls.key` → private key, `ca.crt` → trusted CA. A missing
 * Secret or key, or data that is not PEM, is reported and the IR secret left unresolved (the
 * data plane then rejects what depends on it). Returns a new, re-sealed IR when anything changed.
 *
 * @example
 * ```ts
 * const { ir, diagnostics } = applySecrets(compiled, secretLookupFrom(secrets));
 * ```
 */
export function applySecrets(
  ir: GatewayIR,
  lookup: SecretLookup,
  opts: { seal?: (body: Omit<GatewayIR, 'version' | 'schema'>) => GatewayIR } = {},
): { ir: GatewayIR; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let changed = false;
  const secrets = ir.secrets.map((s): IRSecret => {
    const ref = s.kubernetesSecret;
    if (!ref) return s;
    const resource = { kind: 'Secret', namespace: ref.namespace, name: ref.name };
    const secret = lookup(ref.namespace, ref.name);
    if (!secret) {
      diagnostics.push({
        resource,
        path: '',
        message: `Secret ${ref.namespace}/${ref.name} not found (referenced as TLS secret ${s.name})`,
        severity: 'error',
        code: 'secret-not-found',
      });
      return s;
    }
    const out: IRSecret = { name: s.name };
    const pem = (key: string, path: string): string | undefined => {
      const v = decode(secret, key);
      if (v === undefined) return undefined;
      if (!PEM_BLOCK.test(v)) {
        diagnostics.push({
          resource,
          path,
          message: `expected PEM data in ${key}`,
          severity: 'error',
          code: 'secret-not-pem',
        });
        return undefined;
      }
      return v;
    };
    const crt = pem('tls.crt', 'data["tls.crt"]');
    const key = pem('tls.key', 'data["tls.key"]');
    const ca = pem('ca.crt', 'data["ca.crt"]');
    if (crt !== undefined && key !== undefined) {
      out.certificateChain = { inline: crt };
      out.privateKey = { inline: key };
    } else if (crt !== undefined || key !== undefined) {
      diagnostics.push({
        resource,
        path: 'data',
        message: `expected both tls.crt and tls.key, got only ${crt !== undefined ? 'tls.crt' : 'tls.key'}`,
        severity: 'error',
        code: 'secret-incomplete',
      });
    }
    if (ca !== undefined) out.trustedCa = { inline: ca };
    if (!out.certificateChain && !out.trustedCa) {
      if (crt === undefined && key === undefined && ca === undefined) {
        diagnostics.push({
          resource,
          path: 'data',
          message: 'expected tls.crt and tls.key (or ca.crt)',
          severity: 'error',
          code: 'secret-empty',
        });
      }
      return s;
    }
    changed = true;
    return out;
  });
  if (!changed) return { ir, diagnostics };
  const { version: _v, schema: _s, ...body } = ir;
  return { ir: (opts.seal ?? sealIR)({ ...body, secrets }), diagnostics };
}

/** Kubernetes Secrets (`namespace/name`) an IR refers to. */
export function referencedSecrets(ir: GatewayIR): Set<string> {
  const out = new Set<string>();
  for (const s of ir.secrets)
    if (s.kubernetesSecret) out.add(`${s.kubernetesSecret.namespace}/${s.kubernetesSecret.name}`);
  return out;
}
