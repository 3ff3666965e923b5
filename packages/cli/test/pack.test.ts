import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What users get from the registry: each package packed the way `pnpm publish` packs it
// (workspace:* rewritten to real versions, only the `files` list), installed with npm into a
// project outside the workspace, and loaded as ESM and as CommonJS. Needs the built dist
// (the test command builds first).

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGES = ['core', 'envoy', 'proxy', 'kubernetes', 'metallb', 'cli'] as const;

/** One exported value per package that must be a function in both module systems. */
const PROBES: Record<(typeof PACKAGES)[number], string> = {
  core: 'compile',
  envoy: 'translate',
  proxy: 'createGateway',
  kubernetes: 'emitIngress',
  metallb: 'allocate',
  cli: 'main',
};

let scratch = '';
const tarballs = new Map<string, string>();

beforeAll(async () => {
  for (const name of PACKAGES) {
    if (!existsSync(join(ROOT, 'packages', name, 'dist', 'index.js')))
      throw new Error(`packages/${name}/dist is missing: run the build first (pnpm build)`);
  }
  scratch = await mkdtemp(join(tmpdir(), 'gateway-pack-'));
  const packDir = join(scratch, 'tarballs');
  // pnpm pack rewrites workspace:* dependencies; npm pack would leave them unresolvable.
  await Promise.all(
    PACKAGES.map((name) =>
      run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packDir], {
        cwd: join(ROOT, 'packages', name),
        timeout: 60_000,
      }),
    ),
  );
  for (const file of await readdir(packDir)) {
    const match = /^gateway-(\w+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file);
    if (match?.[1]) tarballs.set(match[1], join(packDir, file));
  }
  const app = join(scratch, 'app');
  const dependencies = Object.fromEntries(
    PACKAGES.map((name) => [`@gateway/${name}`, `file:${tarballs.get(name) ?? 'missing'}`]),
  );
  // overrides: the packages depend on each other by version (@gateway/core 0.1.0); point every
  // such edge at the local tarball so nothing is fetched under our names from the registry.
  await mkdir(app, { recursive: true });
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'pack-smoke',
      private: true,
      version: '0.0.0',
      dependencies,
      overrides: dependencies,
    }),
  );
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
    { cwd: app, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
  );
}, 300_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function probeScript(kind: 'esm' | 'cjs', name: string, probe: string): string {
  const load =
    kind === 'esm' ? `const m = await import('@gateway/${name}');` : `const m = require('@gateway/${name}');`;
  const body = `${load} if (typeof m.${probe} !== 'function') { console.error('missing ${probe}'); process.exit(1); } console.log(Object.keys(m).length);`;
  return kind === 'esm'
    ? body
    : `(async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });`;
}

describe('packed packages', () => {
  it('packs one tarball per package with dist, README and CHANGELOG only', async () => {
    expect([...tarballs.keys()].sort()).toEqual([...PACKAGES].sort());
    const { stdout } = await run('tar', ['-tzf', tarballs.get('core') ?? '']);
    const files = stdout.trim().split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.cjs');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/index.d.cts');
    expect(files).toContain('package/CHANGELOG.md');
    expect(files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);
  });

  for (const name of PACKAGES) {
    it(`@gateway/${name} loads with import (ESM)`, async () => {
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', probeScript('esm', name, PROBES[name])],
        { cwd: join(scratch, 'app'), timeout: 30_000 },
      );
      expect(Number(stdout.trim())).toBeGreaterThan(0);
    });

    it(`@gateway/${name} loads with require (CommonJS)`, async () => {
      const { stdout } = await run(
        process.execPath,
        ['--input-type=commonjs', '-e', probeScript('cjs', name, PROBES[name])],
        { cwd: join(scratch, 'app'), timeout: 30_000 },
      );
      expect(Number(stdout.trim())).toBeGreaterThan(0);
    });
  }

  it('installs the gateway bin, which prints its usage', async () => {
    const bin = join(scratch, 'app', 'node_modules', '.bin', 'gateway');
    const { stdout } = await run(bin, ['--help'], { cwd: join(scratch, 'app'), timeout: 30_000 });
    expect(stdout).toContain('gateway <command>');
    expect(stdout).toContain('Exit codes: 0 ok, 1 invalid input, 2 usage error.');
  });
});
