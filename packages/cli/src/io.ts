import { colorEnabled } from './color.js';

/** Where a command writes and reads; injected so commands are testable in-process. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
  /** Colour diagnostics on stderr: set by the `gateway` binary for a terminal without NO_COLOR. */
  color?: boolean;
  /**
   * Progress lines for long work (large inputs): set by the `gateway` binary only when stderr is
   * a terminal, so pipes, files and CI logs never get them.
   */
  progress?: (line: string) => void;
}

/** Exit codes, documented in the CLI help: 0 ok, 1 invalid input, 2 usage error. */
export const ExitCode = { Ok: 0, Invalid: 1, Usage: 2 } as const;

/** A usage mistake (unknown flag, missing argument): printed with the command's help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function processIO(): CliIO {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: colorEnabled(process.stderr, process.env),
    ...(process.stderr.isTTY
      ? { progress: (line: string) => process.stderr.write(`\r\u001b[2K${line}`) }
      : {}),
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
