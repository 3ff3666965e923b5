import type { Diagnostic } from './diagnostics.js';
import type { GatewayIR } from './ir/types.js';

/** What a sink reports after applying an IR. */
export interface ApplyResult {
  /** True when the sink now runs this IR; false when it kept its previous config. */
  accepted: boolean;
  /** The IR version the sink runs after this call. */
  version: string;
  /** Why the IR was rejected (or warnings about it). */
  diagnostics: Diagnostic[];
}

/**
 * Anything that runs a {@link GatewayIR}: the ADS server (publishes a snapshot), the in-process
 * proxy (atomic reload), a file writer. Composers (CLI, controller, user programs) depend on this
 * interface only, so adapters never import each other.
 *
 * @example
 * ```ts
 * const sinks: ConfigSink[] = [adsServer, gateway];
 * for (const sink of sinks) await sink.apply(ir);
 * ```
 */
export interface ConfigSink {
  apply(ir: GatewayIR): Promise<ApplyResult>;
}
