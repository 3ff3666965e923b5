import type { Diagnostic } from '../diagnostics.js';
import type { ApplyResult } from '../sink.js';
import type { ApplyRecord, NackRecord } from './types.js';

/**
 * A bounded record of what a sink was offered and what clients said about it: the last N applies
 * (accepted or rejected), the diagnostics of the latest one, and the last N NACKs. Pure state, no
 * I/O: both data planes keep one and hand it to the diagnostics page.
 *
 * @example
 * ```ts
 * const history = new DiagnosticsHistory();
 * const result = await sink.apply(ir);
 * history.recordApply(ir.version, result);
 * history.applies[0]; // { version: ir.version, accepted: true, ... }
 * ```
 */
export class DiagnosticsHistory {
  readonly #applies: ApplyRecord[] = [];
  readonly #nacks: NackRecord[] = [];
  #errors: Diagnostic[] = [];

  constructor(readonly limit = 20) {}

  /** Most recent first. */
  get applies(): readonly ApplyRecord[] {
    return this.#applies;
  }

  /** Most recent first. */
  get nacks(): readonly NackRecord[] {
    return this.#nacks;
  }

  /** Diagnostics (errors, warnings) of the latest load, compile or apply. */
  get errors(): readonly Diagnostic[] {
    return this.#errors;
  }

  /**
   * Records an apply. `extra` carries diagnostics found before the sink saw the IR (load and
   * compile problems), shown together with the sink's own.
   */
  recordApply(
    offered: string,
    result: ApplyResult,
    extra: readonly Diagnostic[] = [],
    at = new Date(),
  ): void {
    const all = [...extra, ...result.diagnostics].filter((d) => d.severity !== 'notice');
    this.#errors = all;
    this.#push(this.#applies, {
      at: at.toISOString(),
      offered,
      version: result.version,
      accepted: result.accepted,
      errors: all.filter((d) => d.severity === 'error').length,
      warnings: all.filter((d) => d.severity === 'warning').length,
    });
  }

  /** Replaces the shown diagnostics without an apply (e.g. an edit that did not compile). */
  setErrors(diagnostics: readonly Diagnostic[]): void {
    this.#errors = diagnostics.filter((d) => d.severity !== 'notice');
  }

  recordNack(nack: Omit<NackRecord, 'at'>, at = new Date()): void {
    this.#push(this.#nacks, { at: at.toISOString(), ...nack });
  }

  #push<T>(list: T[], item: T): void {
    list.unshift(item);
    if (list.length > this.limit) list.length = this.limit;
  }
}
