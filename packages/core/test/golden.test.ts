import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileYaml, stableStringify } from '../src/index.js';

// Golden pairs: test/golden/<feature>/in.yaml -> out.json ({ ir, diagnostics }).
// Regenerate with UPDATE_GOLDEN=1 and review every diff by eye before committing.
const root = join(import.meta.dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const features = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('golden compile output', () => {
  it('has golden folders', () => {
    expect(features.length).toBeGreaterThan(20);
  });
  for (const feature of features) {
    it(feature, () => {
      const dir = join(root, feature);
      const text = readFileSync(join(dir, 'in.yaml'), 'utf8');
      const optsFile = join(dir, 'options.json');
      const opts = existsSync(optsFile) ? (JSON.parse(readFileSync(optsFile, 'utf8')) as object) : {};
      const { ir, diagnostics } = compileYaml(text, { file: 'in.yaml', ...opts });
      const actual = `${stableStringify({ ir, diagnostics }, 2)}\n`;
      const outFile = join(dir, 'out.json');
      if (update) writeFileSync(outFile, actual);
      expect(existsSync(outFile), `${outFile} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toBe(readFileSync(outFile, 'utf8'));
    });
  }
});
