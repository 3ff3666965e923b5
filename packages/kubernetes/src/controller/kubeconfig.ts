import { KubeConfig } from '@kubernetes/client-node';

/**
 * Loads a client-node KubeConfig: from `file` if given, else the default chain ($KUBECONFIG,
 * ~/.kube/config, or the in-cluster service account), then switches to `context` if given.
 * Throws with a readable message when nothing usable is found.
 *
 * @example
 * ```ts
 * const kc = loadKubeConfig({ file: process.env.KUBECONFIG });
 * ```
 */
export function loadKubeConfig(opts: { file?: string; context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.file) kc.loadFromFile(opts.file);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster())
    throw new Error('no cluster in the kubeconfig (use --kubeconfig or --context)');
  return kc;
}

export { KubeConfig };
