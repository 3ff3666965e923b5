import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forward,
  makeIR,
  type Origin,
  route,
  startOrigin,
  staticCluster,
} from './support/gateway-helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/workers-main.mjs', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Spawns the BUILT package (the repository's test command builds before testing).
describe('--workers: node:cluster workers share the port and get every reload', () => {
  let dir: string;
  let a: Origin;
  let b: Origin;
  let child: ChildProcess;
  let out = '';
  let port: number;
  let irFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-workers-'));
    a = await startOrigin('a');
    b = await startOrigin('b');
    port = await freePort();
    irFile = join(dir, 'ir.json');
    writeFileSync(
      irFile,
      JSON.stringify(
        makeIR(
          [route('main', '/', forward('ca'))],
          [staticCluster('ca', a.port), staticCluster('cb', b.port)],
        ),
      ),
    );
    child = spawn(process.execPath, [fixture], {
      env: { ...process.env, IR_FILE: irFile, PORT: String(port), WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until(() => out.includes('ready'), 'workers ready');
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await Promise.all([a.close(), b.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function sample(n: number): Promise<{ pids: Set<string>; origins: Set<string> }> {
    const pids = new Set<string>();
    const origins = new Set<string>();
    for (let i = 0; i < n; i++) {
      // A new connection per request: node:cluster balances connections, not requests.
      const dispatcher = new Agent({ pipelining: 0 });
      const res = await request(`http://127.0.0.1:${port}/x`, { dispatcher });
      const body = (await res.body.json()) as { origin: string };
      pids.add(String(res.headers['x-worker-pid']));
      origins.add(body.origin);
      await dispatcher.close();
    }
    return { pids, origins };
  }

  it('serves from two worker processes on one port', async () => {
    const { pids, origins } = await sample(20);
    expect(pids.size).toBe(2);
    expect([...origins]).toEqual(['a']);
  });

  it('sends a reloaded config to every worker', async () => {
    writeFileSync(
      irFile,
      JSON.stringify(
        makeIR(
          [route('main', '/', forward('cb'))],
          [staticCluster('ca', a.port), staticCluster('cb', b.port)],
        ),
      ),
    );
    const before = (out.match(/applied/g) ?? []).length;
    child.kill('SIGHUP');
    await until(() => (out.match(/applied/g) ?? []).length >= before + 2, 'both workers applied');
    const { pids, origins } = await sample(20);
    expect(pids.size).toBe(2);
    expect([...origins]).toEqual(['b']);
  });

  it('drains and stops every worker on SIGTERM', async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(out).toContain('stopped');
    await expect(request(`http://127.0.0.1:${port}/x`)).rejects.toThrow();
  });
});
