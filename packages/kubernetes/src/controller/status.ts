import { type KubeConfig, NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Ingress, LoadBalancerIngress } from '../types.js';
import { errorMessage } from './backoff.js';

/** The Ingress form of a Service's load-balancer address (no `ipMode`). */
export function ingressAddresses(lb: LoadBalancerIngress[]): LoadBalancerIngress[] {
  return lb
    .map((a) => ({
      ...(a.ip ? { ip: a.ip } : {}),
      ...(a.hostname ? { hostname: a.hostname } : {}),
      ...(a.ports?.length ? { ports: a.ports } : {}),
    }))
    .filter((a) => a.ip || a.hostname)
    .sort((a, b) => `${a.ip ?? ''}${a.hostname ?? ''}`.localeCompare(`${b.ip ?? ''}${b.hostname ?? ''}`));
}

/**
 * Keeps `status.loadBalancer.ingress` of the Ingresses this gateway serves equal to the gateway
 * Service's load-balancer address, with merge patches on the status subresource, only when it
 * differs (so its own writes, seen again through the watch, cause nothing).
 */
export class IngressStatusWriter {
  private readonly api: NetworkingV1Api;
  /** What we last wrote per Ingress and when, so our own write echoing back is not re-sent. */
  private readonly written = new Map<string, { json: string; at: number }>();

  constructor(
    kc: KubeConfig,
    private readonly onError?: (message: string) => void,
  ) {
    this.api = kc.makeApiClient(NetworkingV1Api);
  }

  /** Returns how many Ingresses were patched. */
  async sync(ingresses: Ingress[], addresses: LoadBalancerIngress[]): Promise<number> {
    const desired = ingressAddresses(addresses);
    const desiredJson = JSON.stringify(desired);
    let patched = 0;
    for (const ing of ingresses) {
      const ns = ing.metadata?.namespace ?? 'default';
      const name = ing.metadata?.name ?? '';
      const key = `${ns}/${name}/${ing.metadata?.uid ?? ''}`;
      const current = JSON.stringify(ingressAddresses(ing.status?.loadBalancer?.ingress ?? []));
      if (current === desiredJson) continue;
      const last = this.written.get(key);
      if (last && last.json === desiredJson && Date.now() - last.at < 5_000) continue; // our write is on its way back
      try {
        await this.api.patchNamespacedIngressStatus(
          { name, namespace: ns, body: { status: { loadBalancer: { ingress: desired } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        this.written.set(key, { json: desiredJson, at: Date.now() });
        patched++;
      } catch (err) {
        this.onError?.(`updating status of Ingress ${ns}/${name}: ${errorMessage(err)}`);
      }
    }
    return patched;
  }

  /** Forget what was written (after losing and regaining leadership). */
  reset(): void {
    this.written.clear();
  }
}
