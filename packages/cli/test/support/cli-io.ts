import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIO } from '../../src/io.js';

/**
 * A CliIO that keeps what a command writes, for assertions on `out` and `err`; `stdin` is what
 * the command reads from `-f -`.
 *
 * @example
 * ```ts
 * const io = capture();
 * await run(['-f', file], io);
 * expect(io.err).toBe('');
 * ```
 */
export function capture(stdin = ''): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (s: string) => {
      io.out += s;
    },
    stderr: (s: string) => {
      io.err += s;
    },
    stdin: async () => stdin,
  };
  return io;
}

/**
 * Polls `check` every 25 ms until it holds; throws naming `what` after `timeoutMs`.
 *
 * @example
 * ```ts
 * await until(() => io.out.includes('serving version'), 'the first version');
 * ```
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 8000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A loopback HTTP upstream answering `origin saw <path>`, for `--resolve` targets.
 *
 * @example
 * ```ts
 * const origin = await echoOrigin();
 * // serve([... '--resolve', `quote=127.0.0.1:${origin.port}`], io);
 * origin.server.close();
 * ```
 */
export async function echoOrigin(): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => res.end(`origin saw ${req.url}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}
