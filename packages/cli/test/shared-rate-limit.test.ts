// Two `gateway serve` processes share one rate limit through a real redis-server: together they
// admit exactly the limit, and when Redis goes away they keep serving (the documented fail-open
// default) instead of crashing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const LIMIT = 10;

const dir = mkdtempSync(join(tmpdir(), 'gw-shared-rl-'));
let redis: ChildProcess | undefined;
let origin: Server;
const gateways: Array<{ proc: ChildProcess; port: number; stderr: string }> = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once `ready` appears on stdout. */
function startProcess(
  cmd: string,
  args: string[],
  ready: string,
): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start:\n${out}\n${err}`)), 15_000);
    const check = () => {
      if (out.includes(ready)) {
        clearTimeout(timer);
        proc.stdout?.off('data', check);
        resolve({ proc, out: () => err });
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${out}\n${err}`));
    });
  });
}

function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

async function get(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  const redisPort = await freePort();
  redis = (
    await startProcess(
      '/usr/bin/redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      'Ready to accept connections',
    )
  ).proc;

  origin = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as { port: number }).port;

  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: limited, namespace: default}
spec:
  prefix: /limited/
  service: origin
  gateway_sdk:
    rate_limit:
      requests_per_unit: ${LIMIT}
      unit: minute
      shared: {redis_url: "redis://127.0.0.1:${redisPort}", prefix: "test:${Date.now()}:"}
`,
  );
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const { proc, out } = await startProcess(
      process.execPath,
      [
        BIN,
        'serve',
        '-f',
        config,
        '--listen',
        `127.0.0.1:${port}`,
        '--resolve',
        `origin=127.0.0.1:${originPort}`,
        '--no-access-log',
      ],
      'serve: version',
    );
    gateways.push({ proc, port, stderr: out() });
  }
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => stop(g.proc)));
  await stop(redis);
  await new Promise<void>((resolve) => origin?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a rate limit shared by two gateway processes through Redis', () => {
  it('admits exactly the limit across both processes, then answers 429 on either', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LIMIT; i++) {
      const gw = gateways[i % 2];
      if (!gw) throw new Error('gateway missing');
      statuses.push(await get(gw.port, '/limited/x'));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * LIMIT);
    // Both processes turned requests away: the count really is shared, not per process.
    const odd = statuses.filter((_, i) => i % 2 === 1);
    const even = statuses.filter((_, i) => i % 2 === 0);
    expect(odd).toContain(429);
    expect(even).toContain(429);
  });

  it('keeps serving without Redis (fail open by default) and neither process crashes', async () => {
    await stop(redis);
    redis = undefined;
    for (const gw of gateways) {
      const status = await get(gw.port, '/limited/y');
      expect(status).toBe(200);
      expect(gw.proc.exitCode).toBeNull();
    }
  });
});
