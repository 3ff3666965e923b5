import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demo, findQuickstart } from '../src/commands/demo.js';
import { UsageError } from '../src/io.js';
import { capture } from './support/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gateway demo', () => {
  it('finds the quickstart configuration from the repository', () => {
    expect(findQuickstart()).toMatch(/examples[/\\]quickstart[/\\]gateway\.yaml$/);
  });

  it('rejects a bad port as a usage error', async () => {
    await expect(demo(['--port', 'eighty'], capture())).rejects.toBeInstanceOf(UsageError);
    await expect(demo(['--admin', '70000'], capture())).rejects.toBeInstanceOf(UsageError);
  });

  it('does not start on a configuration with errors, and names the resource and field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: bad, namespace: default}\nspec: {prefix: /x/, service: quote, weight: 120}\n',
    );
    const io = capture();
    expect(await demo(['-f', file, '--port', '0', '--admin', '0'], io)).toBe(1);
    expect(io.err).toContain('Mapping default/bad: spec.weight');
    expect(io.err).toContain('not starting');
  });

  it('says which port is taken and exits 1', async () => {
    const blocker = http.createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const io = capture();
      expect(await demo(['--port', String(taken), '--admin', '0'], io)).toBe(1);
      expect(io.err).toMatch(/demo: cannot start: .*EADDRINUSE.*try --port/);
    } finally {
      blocker.close();
    }
  });
});
