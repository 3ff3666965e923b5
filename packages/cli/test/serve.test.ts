import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gateway } from '@gateway/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/commands/serve.js';
import { capture, echoOrigin, until } from './support/cli-io.js';

const mapping = (name: string, prefix: string, service: string) => `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: ${name}, namespace: default }
spec: { hostname: "*", prefix: ${prefix}, service: ${service} }
`;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('gateway serve', () => {
  let dir: string;
  let origin: http.Server;
  let originPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-serve-'));
    ({ server: origin, port: originPort } = await echoOrigin());
  });

  afterAll(() => {
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a YAML config with --resolve, reloads with --watch, and drains on stop', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, mapping('quote', '/quote/', 'quote'));
    const io = capture();
    const controller = new AbortController();
    let gateway: Gateway | undefined;
    const done = serve(
      [
        '-f',
        file,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--resolve',
        `quote=127.0.0.1:${originPort}`,
        '--watch',
        '--no-access-log',
      ],
      io,
      { signal: controller.signal, onGateway: (g) => (gateway = g) },
    );
    await until(() => gateway !== undefined, 'gateway start');
    const base = `http://127.0.0.1:${gateway?.address()?.port}`;
    expect(await get(`${base}/quote/today`)).toEqual({ status: 200, body: 'origin saw /today' });
    expect(io.out).toMatch(
      /serve: version [0-9a-f]+ on listener-8080=127\.0\.0\.1:\d+ admin=127\.0\.0\.1:\d+/,
    );

    // A valid edit is swapped in.
    writeFileSync(file, mapping('quote', '/quote/', 'quote') + mapping('stock', '/stock/', 'quote'));
    await until(async () => (await get(`${base}/stock/x`)).status === 200, 'reload with /stock/');
    // An invalid edit is reported and the last good config keeps serving.
    writeFileSync(
      file,
      `${mapping('stock', '/stock/', 'quote')}---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: bad }\nspec: { prefix: 42 }\n`,
    );
    await until(() => io.err.includes('change not applied'), 'invalid edit reported');
    expect((await get(`${base}/stock/x`)).status).toBe(200);

    const admin = `http://127.0.0.1:${gateway?.adminAddress()?.port}`;
    expect((await get(`${admin}/ready`)).status).toBe(200);

    controller.abort();
    expect(await done).toBe(0);
    expect(io.out).toContain('serve: stopped');
  });

  it('refuses to start on an invalid config (exit 1) and on bad flags (usage error)', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: bad }\nspec: { prefix: 42 }\n',
    );
    const io = capture();
    expect(await serve(['-f', file, '--listen', '127.0.0.1:0'], io)).toBe(1);
    expect(io.err).toContain('Mapping default/bad');
    await expect(serve(['-f', file, '--listen', 'nope'], capture())).rejects.toThrow(
      /--listen must be addr:port/,
    );
    await expect(serve(['-f', file, '--workers', '0'], capture())).rejects.toThrow(/--workers/);
  });
});
