import type { ApplyResult, ConfigSink, GatewayIR } from '@gateway/core';

/** A ConfigSink that records every IR it is given, with helpers to wait for a condition. */
export class RecordingSink implements ConfigSink {
  readonly applied: GatewayIR[] = [];
  private waiters: Array<{ pred: (ir: GatewayIR) => boolean; resolve: (ir: GatewayIR) => void }> = [];

  async apply(ir: GatewayIR): Promise<ApplyResult> {
    this.applied.push(ir);
    for (const w of [...this.waiters]) {
      if (w.pred(ir)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(ir);
      }
    }
    return { accepted: true, version: ir.version, diagnostics: [] };
  }

  get last(): GatewayIR | undefined {
    return this.applied[this.applied.length - 1];
  }

  /** Resolves with the first applied IR (the current one included) that satisfies `pred`. */
  waitFor(pred: (ir: GatewayIR) => boolean, timeoutMs: number, what = 'condition'): Promise<GatewayIR> {
    const last = this.last;
    if (last && pred(last)) return Promise.resolve(last);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; last IR routes: ${JSON.stringify(last ? routePaths(this.last!) : [])}`,
          ),
        );
      }, timeoutMs);
      const done = (ir: GatewayIR) => {
        clearTimeout(timer);
        resolve(ir);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }
}

/** `name path` of every route in the IR. */
export function routePaths(ir: GatewayIR): string[] {
  const out = new Set<string>();
  for (const l of ir.listeners)
    for (const v of l.virtualHosts) for (const r of v.routes) out.add(`${r.name} ${r.match.path.value}`);
  return [...out].sort();
}

export function hasRoute(ir: GatewayIR, prefix: string): boolean {
  return ir.listeners.some((l) =>
    l.virtualHosts.some((v) => v.routes.some((r) => r.match.path.value === prefix)),
  );
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
