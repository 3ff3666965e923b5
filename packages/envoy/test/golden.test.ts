import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileYaml, type GatewayIR, stableStringify } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import {
  bootstrap,
  decodeAny,
  decodeMessage,
  encodeAny,
  encodeMessage,
  type JsonObject,
  translate,
} from '../src/index.js';
import { GOLDEN_INPUTS } from './fixtures/golden-inputs.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const IN = join(TESTDATA, 'in');
const OUT = join(TESTDATA, 'out');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

if (UPDATE) {
  mkdirSync(IN, { recursive: true });
  mkdirSync(OUT, { recursive: true });
  for (const [name, build] of Object.entries(GOLDEN_INPUTS))
    writeFileSync(join(IN, `${name}.json`), `${stableStringify(build(), 2)}\n`);
}

/** What a golden input renders to: bootstrap-* files render a bootstrap, the rest xDS resources. */
function render(name: string, ir: GatewayIR): unknown {
  if (name === 'bootstrap-ads') return bootstrap(ir, { ads: 'xds.gateway.svc:18000', nodeId: 'edge-1' });
  if (name.startsWith('bootstrap-')) return bootstrap(ir);
  return translate(ir);
}

/** `<feature>.json` inputs are IR JSON; `<feature>.yaml` inputs are Ambassador YAML compiled by core. */
const inputs = readdirSync(IN)
  .filter((f) => f.endsWith('.json') || f.endsWith('.yaml'))
  .sort();
const features = inputs.map((f) => f.replace(/\.(json|yaml)$/, ''));

function readIR(file: string): GatewayIR {
  const text = readFileSync(join(IN, file), 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text) as GatewayIR;
  const compiled = compileYaml(text, { file });
  expect(compiled.diagnostics).toEqual([]);
  return compiled.ir;
}

describe('golden: IR JSON in -> Envoy v3 JSON out', () => {
  for (const [i, name] of features.entries()) {
    it(name, () => {
      const ir = readIR(inputs[i] as string);
      const actual = JSON.parse(stableStringify(render(name, ir)));
      const outFile = join(OUT, `${name}.json`);
      if (UPDATE) writeFileSync(outFile, `${stableStringify(actual, 2)}\n`);
      expect(actual).toEqual(JSON.parse(readFileSync(outFile, 'utf8')));
    });
  }

  // Runs after the feature tests so UPDATE_GOLDEN=1 has written every output first.
  it('has an input for every golden feature and an output for every input', () => {
    expect(inputs.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))).toEqual(
      Object.keys(GOLDEN_INPUTS).sort(),
    );
    expect(readdirSync(OUT).sort()).toEqual(features.map((f) => `${f}.json`));
  });
});

describe('golden outputs round-trip through the real protos', () => {
  for (const name of features) {
    it(`${name}: decode(encode(x)) equals x for every resource`, () => {
      const out = JSON.parse(readFileSync(join(OUT, `${name}.json`), 'utf8')) as {
        resources?: Record<string, JsonObject[]>;
        bootstrap?: JsonObject;
      };
      if (out.bootstrap) {
        const bytes = encodeMessage('envoy.config.bootstrap.v3.Bootstrap', out.bootstrap);
        expect(decodeMessage('envoy.config.bootstrap.v3.Bootstrap', bytes)).toEqual(out.bootstrap);
        return;
      }
      const all = Object.values(out.resources ?? {}).flat();
      expect(all.length).toBeGreaterThan(0);
      for (const resource of all) expect(decodeAny(encodeAny(resource).any)).toEqual(resource);
    });
  }
});
