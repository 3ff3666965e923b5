import type { TLSContext } from '../model/tls-context.js';
import type { CompileContext } from './context.js';

/**
 * Resolves a secret reference as Ambassador does: `name` lives in the referring namespace,
 * `name.namespace` names another namespace (unless `secret_namespacing: false`).
 */
export function secretRef(
  ref: string,
  namespace: string,
  namespacing = true,
): { namespace: string; name: string } {
  if (namespacing && ref.includes('.')) {
    const dot = ref.lastIndexOf('.');
    return { name: ref.slice(0, dot), namespace: ref.slice(dot + 1) };
  }
  return { name: ref, namespace };
}

/** Registers a Kubernetes-secret-backed IRSecret and returns its name (`namespace/name`). */
export function kubernetesSecret(ctx: CompileContext, namespace: string, name: string): string {
  return ctx.addSecret({ kubernetesSecret: { name, namespace }, name: `${namespace}/${name}` });
}

/** The certificate and CA secrets a TLSContext refers to (registering them). */
export function tlsContextSecrets(ctx: CompileContext, t: TLSContext): { certificate?: string; ca?: string } {
  const s = t.spec;
  const ns = t.metadata.namespace;
  const out: { certificate?: string; ca?: string } = {};
  if (s.secret) {
    const ref = secretRef(s.secret, ns, s.secretNamespacing !== false);
    out.certificate = kubernetesSecret(ctx, ref.namespace, ref.name);
  } else if (s.certChainFile && s.privateKeyFile) {
    out.certificate = ctx.addSecret({
      certificateChain: { file: s.certChainFile },
      name: `file:${ns}/${t.metadata.name}`,
      privateKey: { file: s.privateKeyFile },
    });
  }
  if (s.caSecret) {
    const ref = secretRef(s.caSecret, ns, s.secretNamespacing !== false);
    out.ca = kubernetesSecret(ctx, ref.namespace, ref.name);
  } else if (s.cacertChainFile) {
    out.ca = ctx.addSecret({
      name: `file-ca:${ns}/${t.metadata.name}`,
      trustedCa: { file: s.cacertChainFile },
    });
  }
  return out;
}
