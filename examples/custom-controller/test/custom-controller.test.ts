import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('..', import.meta.url));
let scratch = '';

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// Runs the controller once (node main.mjs <file>, on the built packages).
describe('examples/custom-controller', () => {
  it('turns apps.json into routes, a 90/10 canary included, and applies them to the sink', async () => {
    const { stdout } = await run(process.execPath, ['main.mjs', 'apps.json'], { cwd: dir, timeout: 20_000 });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(
      'route /backend/ -> cluster_quote_v2_80_default 10%, cluster_quote_80_default 90%',
    );
    expect(lines).toContain('route /search/ -> cluster_search_8080_default 100%');
    expect(lines).toContain('route /old/ -> cluster_legacy_80_default 100%');
    expect(lines.at(-1)).toMatch(/^applied version [0-9a-f]+: accepted=true$/);
  });

  it('reports an invalid app as an error and still applies the valid ones', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'custom-controller-'));
    const file = join(scratch, 'apps.json');
    await writeFile(
      file,
      JSON.stringify([
        { name: 'ok', prefix: '/ok/', port: 80 },
        { name: 'bad', prefix: 'no-leading-slash', port: 80 },
      ]),
    );
    const { stdout, stderr } = await run(process.execPath, ['main.mjs', file], { cwd: dir, timeout: 20_000 });
    expect(stdout).toContain('route /ok/ -> cluster_ok_80_default 100%');
    expect(stdout).not.toContain('no-leading-slash');
    expect(stderr).toContain('bad');
  });
});
