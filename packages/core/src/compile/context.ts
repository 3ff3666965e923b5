import type { Diagnostic, Severity } from '../diagnostics.js';
import type { IRCluster, IRSecret, IRSettings } from '../ir/types.js';
import type { ModuleConfig } from '../model/module.js';
import type { Resource } from '../model/resource.js';
import type { TLSContext } from '../model/tls-context.js';
import { stableStringify } from '../util/stable-json.js';
import { diagFor } from '../validate/report.js';

/** Options for {@link compile}. */
export interface CompileOptions {
  /** Namespace the gateway runs in: bare service names elsewhere get qualified. Default `default`. */
  gatewayNamespace?: string;
  /** Only resources whose `ambassador_id` includes this (or `_automatic_`) compile. Default `default`. */
  ambassadorId?: string;
}

/** Mutable state shared by the compile passes. */
export class CompileContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly clusters = new Map<string, { cluster: IRCluster; owner: Resource; text?: string }>();
  readonly secrets = new Map<string, IRSecret>();
  /** TLSContexts by name (names are global in Ambassador). */
  readonly tlsContexts = new Map<string, TLSContext>();

  constructor(
    readonly gatewayNamespace: string,
    readonly module: ModuleConfig,
    readonly settings: IRSettings,
  ) {}

  report(r: Resource, path: string, message: string, severity: Severity, code: string): void {
    this.diagnostics.push(diagFor(r, path, message, severity, code));
  }

  /**
   * Registers a cluster. Clusters are shared by name (as in Emissary); when a later resource
   * builds the same name with different settings, the first definition is kept and the
   * difference reported, so output never depends on which resource won silently.
   */
  addCluster(cluster: IRCluster, owner: Resource, path: string): string {
    const existing = this.clusters.get(cluster.name);
    if (!existing) {
      this.clusters.set(cluster.name, { cluster, owner, text: undefined });
      return cluster.name;
    }
    // Many Mappings usually share a service: serialise the kept definition once.
    existing.text ??= stableStringify(existing.cluster);
    if (existing.text !== stableStringify(cluster)) {
      const diff = Object.keys(cluster).filter(
        (k) =>
          stableStringify((cluster as unknown as Record<string, unknown>)[k]) !==
          stableStringify((existing.cluster as unknown as Record<string, unknown>)[k]),
      );
      const o = existing.owner;
      this.report(
        owner,
        path,
        `cluster ${cluster.name} is also built by ${o.kind} ${o.metadata.namespace}/${o.metadata.name} with different ${diff.join(', ')}; using that definition (give one of them a cluster_tag to separate them)`,
        'warning',
        'cluster-conflict',
      );
    }
    return cluster.name;
  }

  addSecret(secret: IRSecret): string {
    if (!this.secrets.has(secret.name)) this.secrets.set(secret.name, secret);
    return secret.name;
  }
}
