import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { colorEnabled } from '../src/color.js';
import { PROGRESS_MIN_BYTES } from '../src/commands/shared-load.js';
import type { CliIO } from '../src/io.js';
import { main } from '../src/main.js';

// The conventions every `gateway` command keeps: --help with examples and the exit codes,
// exit 2 on usage mistakes, -o json|yaml where it prints data, file:line:column in errors about
// YAML input, and colour only for a terminal without NO_COLOR.

const COMMANDS = [
  ['validate'],
  ['compile'],
  ['render', 'envoy'],
  ['render', 'kubernetes'],
  ['render', 'metallb'],
  ['metallb'],
  ['serve'],
  ['xds'],
  ['controller'],
] as const;

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function gateway(argv: string[], opts: { color?: boolean; stdin?: string } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stdin: async () => opts.stdin ?? '',
    ...(opts.color === undefined ? {} : { color: opts.color }),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const BAD_MAPPING = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: quote
spec:
  prefix: backend/
  service: quote:80
`;

const GOOD_MAPPING = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: quote
  namespace: shop
spec:
  prefix: /backend/
  service: quote.shop:80
`;

const METALLB = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: lan, namespace: metallb-system }
spec: { addresses: [192.168.1.240/28] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: lan, namespace: metallb-system }
spec: { ipAddressPools: [lan] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { type: LoadBalancer, ports: [{ port: 80 }] }
`;

let dir = '';
let bad = '';
let good = '';
let metallb = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-cli-'));
  bad = join(dir, 'bad.yaml');
  good = join(dir, 'good.yaml');
  metallb = join(dir, 'metallb.yaml');
  await writeFile(bad, BAD_MAPPING);
  await writeFile(good, GOOD_MAPPING);
  await writeFile(metallb, METALLB);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('--help', () => {
  for (const words of COMMANDS) {
    it(`gateway ${words.join(' ')} --help prints usage, examples and exit codes`, async () => {
      const { code, stdout } = await gateway([...words, '--help']);
      expect(code).toBe(0);
      expect(stdout.startsWith(`gateway ${words.join(' ')}`)).toBe(true);
      expect(stdout).toMatch(/^Examples:$/m);
      expect(stdout).toContain('Exit codes: 0 ok, 1 invalid input, 2 usage error.');
    });
  }

  it('the top-level help lists every command and the exit codes', async () => {
    const { code, stdout } = await gateway(['--help']);
    expect(code).toBe(0);
    for (const words of COMMANDS) expect(stdout).toContain(`  ${words.join(' ')} `);
    expect(stdout).toContain('Exit codes: 0 ok, 1 invalid input, 2 usage error.');
  });
});

describe('exit code 2 on usage mistakes', () => {
  for (const words of COMMANDS) {
    const argv = words[0] === 'metallb' ? ['metallb', 'allocate'] : [...words];
    it(`gateway ${argv.join(' ')} --no-such-flag exits 2 and shows the help`, async () => {
      const { code, stdout, stderr } = await gateway([...argv, '--no-such-flag']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('--no-such-flag');
    });
  }

  it('an unknown command exits 2', async () => {
    const { code, stderr } = await gateway(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });

  it('a bad -o value exits 2', async () => {
    expect((await gateway(['compile', '-f', good, '-o', 'xml'])).code).toBe(2);
    expect((await gateway(['render', 'kubernetes', '-f', good, '--kind', 'ingress', '-o', 'xml'])).code).toBe(
      2,
    );
    expect((await gateway(['metallb', 'allocate', '-f', metallb, '-o', 'toml'])).code).toBe(2);
  });
});

describe('file:line:column for YAML input', () => {
  it('validate exits 1 and points at the offending field', async () => {
    const { code, stderr, stdout } = await gateway(['validate', '-f', bad]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `Mapping default/quote: spec.prefix: expected a path starting with "/", got "backend/" (${bad}:6:3)\n`,
    );
  });

  it('stdin input is named <stdin>', async () => {
    const { code, stderr } = await gateway(['validate', '-f', '-'], { stdin: BAD_MAPPING });
    expect(code).toBe(1);
    expect(stderr).toContain('(<stdin>:6:3)');
  });

  it('a valid file exits 0', async () => {
    const { code, stdout } = await gateway(['validate', '-f', good]);
    expect(code).toBe(0);
    expect(stdout).toBe('valid: 1 resources\n');
  });
});

describe('-o json|yaml', () => {
  it('compile prints the same IR in both formats', async () => {
    const json = await gateway(['compile', '-f', good, '-o', 'json']);
    const yaml = await gateway(['compile', '-f', good, '-o', 'yaml']);
    expect(json.code).toBe(0);
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('render envoy prints the same resources in both formats', async () => {
    const json = await gateway(['render', 'envoy', '-f', good, '-o', 'json']);
    const yaml = await gateway(['render', 'envoy', '-f', good, '-o', 'yaml']);
    expect(json.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('render kubernetes -o json prints a v1 List of the objects the YAML has', async () => {
    const json = await gateway(['render', 'kubernetes', '-f', good, '--kind', 'ingress', '-o', 'json']);
    const yaml = await gateway(['render', 'kubernetes', '-f', good, '--kind', 'ingress']);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((o) => o.kind)).toEqual(['IngressClass', 'Ingress']);
    expect(yaml.stdout).toContain('kind: Ingress\n');
  });

  it('render metallb -o json prints the CRDs as a v1 List', async () => {
    const { code, stdout } = await gateway(['render', 'metallb', '-f', metallb, '-o', 'json']);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { items: { kind: string }[] };
    expect(list.items.map((o) => o.kind)).toEqual(['IPAddressPool', 'L2Advertisement']);
  });

  it('metallb allocate prints the same plan as JSON (default) and YAML', async () => {
    const json = await gateway(['metallb', 'allocate', '-f', metallb]);
    const yaml = await gateway(['metallb', 'allocate', '-f', metallb, '-o', 'yaml']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { assignments: { ips: string[] }[] };
    expect(plan.assignments[0]?.ips).toEqual(['192.168.1.240']);
    expect(parseYaml(yaml.stdout)).toEqual(plan);
  });
});

describe('progress', () => {
  const mappings = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m-${i}, namespace: default}\nspec: {prefix: /svc-${i}/, service: svc-${i}}\n`,
    ).join('');

  it('shows loading and compiling lines for large inputs when the CLI has a terminal', async () => {
    const lines: string[] = [];
    const text = mappings(10_000);
    expect(text.length).toBeGreaterThanOrEqual(PROGRESS_MIN_BYTES);
    const io: CliIO = {
      stdout: () => {},
      stderr: () => {},
      stdin: async () => text,
      progress: (l) => lines.push(l),
    };
    expect(await main(['validate', '-f', '-'], io)).toBe(0);
    expect(lines[0]).toMatch(/^gateway: loading <stdin> \(1\/1, \d+\.\d MB in all\)$/);
    expect(lines).toContain('gateway: compiling 10000 resources');
    expect(lines.at(-1)).toMatch(/^gateway: compiled 10000 resources in \d+ ms\n$/);
  });

  it('stays quiet for small inputs, and without a terminal', async () => {
    const lines: string[] = [];
    const io: CliIO = {
      stdout: () => {},
      stderr: () => {},
      stdin: async () => mappings(3),
      progress: (l) => lines.push(l),
    };
    expect(await main(['validate', '-f', '-'], io)).toBe(0);
    expect(lines).toEqual([]);
  });
});

describe('colour', () => {
  it('is on only for a terminal without NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // no-color.org: empty = unset
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it('errors are red when the IO asks for colour, plain otherwise', async () => {
    const coloured = await gateway(['validate', '-f', bad], { color: true });
    expect(coloured.stderr.startsWith('\u001b[31mMapping default/quote: spec.prefix:')).toBe(true);
    expect(coloured.stderr.endsWith('\u001b[0m\n')).toBe(true);
    const plain = await gateway(['validate', '-f', bad]);
    expect(plain.stderr).not.toContain('\u001b[');
  });

  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  it('the built binary writes no escape codes into a pipe', async () => {
    expect(existsSync(bin)).toBe(true); // the test command builds first
    const run = promisify(execFile);
    const failed = await run(process.execPath, [bin, 'validate', '-f', bad]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`(${bad}:6:3)`);
    expect(failed?.stderr).not.toContain('\u001b[');
  });
});
