import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as compileRun } from '../src/commands/compile.js';
import { run as validateRun } from '../src/commands/validate.js';
import type { CliIO } from '../src/io.js';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), stdin: async () => stdin };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

const dir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = join(dir, 'good.yaml');
writeFileSync(
  good,
  `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote}
spec: {prefix: /backend/, service: quote, unknown_thing: 1}
`,
);
const bad = join(dir, 'bad.yaml');
writeFileSync(
  bad,
  `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote, namespace: shop}
spec:
  prefix: /backend/
  service: quote
  weight: 120
`,
);

describe('gateway validate', () => {
  it('exits 0 for valid input and prints warnings without failing', async () => {
    const t = io();
    expect(await validateRun(['-f', good], t.cli)).toBe(0);
    expect(t.err()).toContain(
      'warning: Mapping default/quote: spec.unknown_thing: unknown field "unknown_thing"; ignored',
    );
    expect(t.out()).toContain('valid: 1 resources');
  });

  it('exits 1 with one contract-format line per error', async () => {
    const t = io();
    expect(await validateRun(['-f', bad], t.cli)).toBe(1);
    const lines = t.err().trim().split('\n');
    expect(lines).toEqual([
      `Mapping shop/quote: spec.weight: expected an integer from 0 to 100, got 120 (${bad}:7:3)`,
    ]);
  });

  it('reads stdin with -f -', async () => {
    const t = io('apiVersion: getambassador.io/v3alpha1\nkind: Nope\nmetadata: {name: x}\n');
    expect(await validateRun(['-f', '-'], t.cli)).toBe(1);
    expect(t.err()).toContain('(<stdin>:2:1)');
  });
});

describe('gateway compile', () => {
  it('prints the IR as JSON by default and YAML with -o yaml', async () => {
    const j = io();
    expect(await compileRun(['-f', good], j.cli)).toBe(0);
    const ir = JSON.parse(j.out());
    expect(ir.schema).toBe('gateway.ir/v1');
    expect(ir.clusters.map((c: { name: string }) => c.name)).toEqual(['cluster_quote_default']);
    const y = io();
    expect(await compileRun(['-f', good, '-o', 'yaml'], y.cli)).toBe(0);
    expect(y.out()).toContain('schema: gateway.ir/v1');
    expect(y.out()).toContain(`version: ${ir.version}`);
  });

  it('exits 1 on errors but still prints the IR of the valid rest', async () => {
    const t = io();
    expect(await compileRun(['-f', good, '-f', bad], t.cli)).toBe(1);
    expect(JSON.parse(t.out()).listeners[0].virtualHosts[0].routes).toHaveLength(1);
  });

  it('rejects an unknown output format as a usage error', async () => {
    await expect(compileRun(['-f', good, '-o', 'xml'], io().cli)).rejects.toThrow('-o must be json or yaml');
  });
});
