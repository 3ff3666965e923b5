import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('..', import.meta.url));

// Runs the example as users do (node main.mjs, on the built packages) in its one-request mode.
describe('examples/ambassador-annotations', () => {
  it('routes /httpbin/ to httpbin.org with the prefix rewritten and the Host rewritten', async () => {
    const { stdout } = await run(process.execPath, ['main.mjs', '--once'], {
      cwd: dir,
      env: { ...process.env, PORT: '0' },
      timeout: 20_000,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('GET /httpbin/get -> '));
    expect(line).toBeDefined();
    const [status, body] = (line ?? '').slice('GET /httpbin/get -> '.length).split(/ (.*)/s);
    expect(status).toBe('200');
    const seen = JSON.parse(body ?? '{}') as { method: string; url: string; host: string };
    // Ambassador's default rewrite is "/": /httpbin/get arrives upstream as /get.
    expect(seen).toEqual({ method: 'GET', url: '/get', host: 'httpbin.org' });
  });
});
