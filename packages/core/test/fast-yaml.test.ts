import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fastParseDocument, RangeParser } from '../src/load/fast-yaml.js';
import { documentRanges, splitDocuments } from '../src/load/yaml-text.js';

/** The fast path must agree with the `yaml` package on everything it accepts. */
function agrees(text: string): boolean {
  const fast = fastParseDocument(text);
  if (!fast) return false;
  let expected: unknown;
  try {
    expected = parse(text);
  } catch {
    throw new Error(`fast parser accepted text that yaml rejects:\n${text}`);
  }
  expect(fast.value).toEqual(expected ?? null);
  return true;
}

const keyArb = fc.oneof(
  fc.constantFrom(
    'name',
    'prefix',
    'x-header',
    'getambassador.io/config',
    'a b',
    'key_with_underscore',
    'true',
    '1',
    '',
    'k:v',
    '#k',
    "it's",
    'x: y',
  ),
  fc.string({ maxLength: 6 }),
);
const scalarArb = fc.oneof(
  fc.constantFrom(
    '',
    'true',
    'True',
    'null',
    '~',
    '1',
    '0o17',
    '0x1F',
    '1.5',
    '1e3',
    '.inf',
    '-.Inf',
    '.nan',
    'yes',
    '- a',
    'a: b',
    'a #b',
    'http://x:80/y',
    "it's",
    'line1\nline2',
    '  lead',
    'trail ',
    '"q"',
    '[x]',
    '{y}',
    '*',
    '&a',
    '!t',
    '|',
    '>',
    '@',
    '%',
    '017',
    '+5',
    '-0',
    '1_000',
    '0b1',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArb, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 4 }),
  obj: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
})).value;

describe('fast YAML subset parser', () => {
  it('agrees with the yaml package on generated documents in every style', () => {
    let accepted = 0;
    fc.assert(
      fc.property(valueArb, fc.constantFrom('block', 'flow-leaves', 'quoted'), (value, style) => {
        const text = stringify(value, {
          collectionStyle: 'any',
          flowCollectionPadding: style !== 'block',
          defaultStringType: style === 'quoted' ? 'QUOTE_DOUBLE' : 'PLAIN',
          defaultKeyType: style === 'quoted' ? 'QUOTE_SINGLE' : null,
          lineWidth: 0,
        });
        if (agrees(text)) accepted++;
      }),
      { numRuns: 800 },
    );
    expect(accepted).toBeGreaterThan(150);
  });

  it('agrees on hand-written manifest shapes (and bails out on what it does not handle)', () => {
    const cases = [
      'a: 1\nb:\n  - x\n  - y: 2\n    z: [1, "two", \'three\']\n',
      'metadata: {name: m, labels: {app: "x"}}\nspec:\n  prefix: /a/ # comment\n  weight: 10\n',
      'list:\n- a\n- b\n',
      'k: |\n  line 1\n\n  line 3\nnext: v\n',
      'k: |-\n  text\n',
      'annotations:\n  getambassador.io/config: |\n    ---\n    apiVersion: ambassador/v0\n    kind: Mapping\n',
      '- - a\n  - b\n- c\n',
      'a: "esc \\" \\\\ \\n \\u00e9"\n',
      "a: 'single ''quoted'''\n",
      'a:\n  b:\n    c: d\n  e: f\n',
      '"quoted key": 1\n',
      'a: -1\nb: +2\nc: .5\nd: -.inf\n',
    ];
    for (const c of cases) expect(agrees(c), c).toBe(true);
    const bails = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: >\n  folded\n',
      'a: b\na: c\n',
      'a: [1,\n  2]\n',
      'a: multi\n  line\n',
      'a: |+\n  keep\n\n',
      '? complex\n: v\n',
      'a:\tb\n',
      'a: "\\x41"\n',
    ];
    for (const b of bails) expect(fastParseDocument(b), b).toBeUndefined();
  });

  it('agrees on every golden input document', () => {
    const root = join(import.meta.dirname, 'golden');
    let accepted = 0;
    for (const dir of readdirSync(root)) {
      const text = readFileSync(join(root, dir, 'in.yaml'), 'utf8');
      for (const chunk of splitDocuments(text) ?? []) if (agrees(chunk.text)) accepted++;
    }
    expect(accepted).toBeGreaterThan(150);
  });

  it('agrees on CRLF line ends, comments and blank lines', () => {
    const cases = [
      'a: 1\r\nb:\r\n  - x\r\n  - y: 2\r\n',
      'k: |\r\n  line 1\r\n\r\n  line 3\r\nnext: v\r\n',
      '# leading\n\n  # indented comment\na: 1 # trailing\n# between\nb: "x" # c\n',
      'a: b #c: d\n',
      'key : v\n',
      '- a #x\n-   b\n- # empty\n',
    ];
    for (const c of cases) expect(agrees(c), JSON.stringify(c)).toBe(true);
    for (const b of ['a: b: c\n', 'a: x #\n  y\n', "a: 'open\n", 'a: "open\n']) {
      expect(fastParseDocument(b), JSON.stringify(b)).toBeUndefined();
    }
  });

  it('leaves whitespace that only JavaScript trims (NBSP, NEL, Unicode spaces) to the yaml package', () => {
    for (const ws of ['\u00a0', '\u0085', '\u2003', '\u3000', '\ufeff', '\v', '\f']) {
      const text = `a: b${ws}\nc:${ws} d\n`;
      expect(fastParseDocument(text), JSON.stringify(text)).toBeUndefined();
      const parser = new RangeParser(`x: 1\n---\n${text}`);
      expect(parser.parse(0, 5)).toBeDefined();
      expect(parser.parse(9, 9 + text.length)).toBeUndefined();
    }
  });

  it('parses every document range of a stream in place like the documents cut out of it', () => {
    const stream = [
      '# header comment\n---\na: 1\n...\n---  # marker comment\nb:\n  - x\n',
      '--- \r\nk: |\n  text\n---\n---\n...\n\n---\nlast: "no newline"',
      'a: 1\n---\n\n# only a comment\n---\nb: [1, {c: d}]\n...\n',
      "x: 'it''s'\n---\n- - a\n  - b\n---\n\tbad: tab\n---\nok: true\n",
    ];
    for (const text of stream) {
      const ranges = documentRanges(text);
      const chunks = splitDocuments(text);
      expect(ranges, text).toBeDefined();
      const parser = new RangeParser(text);
      const inPlace: Array<{ line: number; value: unknown }> = [];
      let line = 1;
      for (let k = 0; k < ranges!.length; k += 2) {
        const [start, end] = [ranges![k]!, ranges![k + 1]!];
        if (end <= start) {
          line++;
          continue;
        }
        const doc = parser.parse(start, end);
        const chunk = text.slice(start, end);
        expect(doc?.value, chunk).toEqual(fastParseDocument(chunk)?.value);
        inPlace.push({ line, value: doc?.value });
        line += chunk.split('\n').length;
      }
      expect(inPlace).toEqual(
        chunks!.map((c) => ({ line: c.line, value: fastParseDocument(c.text)?.value })),
      );
    }
    expect(documentRanges('%YAML 1.2\n---\na: 1\n')).toBeUndefined();
    expect(documentRanges('a: 1\n--- |\n  text\n')).toBeUndefined();
  });
});
