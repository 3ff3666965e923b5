/**
 * Process-signal wiring shared by the long-running commands (`serve`, `xds`, `demo`,
 * `controller`): each exposes a library function that stops on an `AbortSignal`, and its CLI
 * `run()` turns SIGINT/SIGTERM into that abort.
 *
 * @module
 */

/**
 * Runs `body` with a signal that aborts on SIGINT or SIGTERM; the process listeners are removed
 * when `body` settles, so an embedding process keeps its own signal handling afterwards.
 *
 * @example
 * ```ts
 * export const run = (argv: string[], io: CliIO) =>
 *   runUntilSignal((signal) => serve(argv, io, { signal }));
 * ```
 */
export async function runUntilSignal(body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Resolves once `signal` is aborted (at once if it already is); never resolves without a signal,
 * which is how an embedder without one keeps a command running.
 *
 * @example
 * ```ts
 * await untilAborted(options.signal);
 * await server.close();
 * ```
 */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    if (signal?.aborted) done();
    signal?.addEventListener('abort', () => done(), { once: true });
  });
}
