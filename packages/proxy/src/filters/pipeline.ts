import type { Diagnostic, GatewayIR } from '@gateway/core';
import { HTTP_FILTER_FACTORIES } from './registry.js';
import type { FilterContext, FilterDeps, FilterOutcome, HttpFilter, HttpFilterFactory } from './types.js';

/**
 * Runs a config's HTTP filters in order until one answers the request. Built once per config; a
 * config that uses no filter gets the empty pipeline, which the request path skips entirely.
 */
export interface FilterPipeline {
  readonly filters: readonly HttpFilter[];
  /** True when no filter is active: the request path skips building a FilterContext. */
  readonly empty: boolean;
  /** Resolves with the first `respond` outcome, or `continue` after the last filter. */
  run(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome>;
  close(): Promise<void>;
}

const CONTINUE: FilterOutcome = Object.freeze({ kind: 'continue' });

/** Builds the pipeline for one config. A factory that throws rejects the config with a diagnostic. */
export function buildFilterPipeline(
  ir: GatewayIR,
  deps: FilterDeps,
  factories: readonly HttpFilterFactory[] = HTTP_FILTER_FACTORIES,
): { pipeline: FilterPipeline; diagnostics: Diagnostic[] } {
  const filters: HttpFilter[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const factory of factories) {
    try {
      const filter = factory(ir, deps);
      if (filter) filters.push(filter);
    } catch (err) {
      diagnostics.push({
        resource: { kind: 'HttpFilter', namespace: '', name: factory.name || 'anonymous' },
        path: '',
        message: `filter could not be built: ${(err as Error).message}`,
        severity: 'error',
        code: 'proxy-filter-invalid',
      });
    }
  }
  return { pipeline: new Pipeline(filters), diagnostics };
}

class Pipeline implements FilterPipeline {
  readonly empty: boolean;

  constructor(readonly filters: readonly HttpFilter[]) {
    this.empty = filters.length === 0;
  }

  run(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome> {
    return this.runFrom(0, ctx);
  }

  /** Stays synchronous while filters answer synchronously; switches to async at the first promise. */
  private runFrom(start: number, ctx: FilterContext): FilterOutcome | Promise<FilterOutcome> {
    const filters = this.filters;
    for (let i = start; i < filters.length; i++) {
      const out = (filters[i] as HttpFilter).onRequest(ctx);
      if (isPromise(out)) return out.then((o) => (o.kind === 'continue' ? this.runFrom(i + 1, ctx) : o));
      if (out.kind !== 'continue') return out;
    }
    return CONTINUE;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.filters.map((f) => f.close?.()));
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}
