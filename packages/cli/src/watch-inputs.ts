import { watch } from 'node:fs';

/**
 * Watches input files and directories (recursively) and calls `onChange` once a burst of events
 * has been quiet for `debounceMs`: editors write a file in several steps. The caller chains its
 * reloads so they never overlap.
 *
 * @example
 * ```ts
 * const watcher = watchInputs(['gateway.yaml'], 150, () => {
 *   chain = chain.then(reload);
 * });
 * // later
 * watcher.close();
 * ```
 */
export function watchInputs(
  files: readonly string[],
  debounceMs: number,
  onChange: () => void,
): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers = files.map((f) => watch(f, { recursive: true }, schedule));
  return {
    close: () => {
      for (const w of watchers) w.close();
      clearTimeout(timer);
    },
  };
}
