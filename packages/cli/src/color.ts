import type { Severity } from '@gateway/core';

/**
 * Whether to colour a stream: only a terminal, and never when `NO_COLOR` is set to a non-empty
 * value (https://no-color.org). Pipes, files and CI logs get plain text, so the error lines
 * keep their greppable `<Kind> <namespace>/<name>: <path>: <message>` form.
 *
 * @example
 * ```ts
 * colorEnabled(process.stderr, process.env); // false under `gateway validate ... 2> errors.txt`
 * ```
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

const SGR: Record<Severity, string> = { error: '31', warning: '33', notice: '2' };

/** A diagnostic line in its severity's colour (red, yellow, dim) when `color` is on. */
export function paint(line: string, severity: Severity, color: boolean | undefined): string {
  return color ? `\u001b[${SGR[severity]}m${line}\u001b[0m` : line;
}
