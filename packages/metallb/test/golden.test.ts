import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, formatDiagnostic, stableStringify } from '@gateway/core';
import {
  allocate,
  convertConfigMapToCRDs,
  crdsToConfigMap,
  emitConfigMap,
  emitCRDs,
  legacyToCRDModel,
  loadMetalLBInputs,
  type MetalLBConfig,
  validateMetalLB,
} from '@gateway/metallb';
import { describe, expect, it } from 'vitest';

/**
 * Golden pairs: test/testdata/in/<feature>.yaml → test/testdata/out/<feature>.(yaml|json).
 * The feature's prefix picks the operation. Regenerate with UPDATE_GOLDEN=1.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const inDir = join(here, 'testdata', 'in');
const outDir = join(here, 'testdata', 'out');

function diagnosticLines(diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `# ${d.severity}: ${formatDiagnostic(d)}\n`).join('');
}

function modelOf(text: string, file: string): { config: MetalLBConfig; diagnostics: Diagnostic[] } {
  const inputs = loadMetalLBInputs([{ text, file }]);
  if (inputs.crds) return { config: inputs.crds, diagnostics: inputs.diagnostics };
  if (inputs.legacy) {
    const converted = legacyToCRDModel(inputs.legacy);
    return { config: converted.config, diagnostics: [...inputs.diagnostics, ...converted.diagnostics] };
  }
  throw new Error(`${file}: no MetalLB configuration`);
}

const operations: Record<string, { ext: 'yaml' | 'json'; run: (text: string, file: string) => string }> = {
  // ConfigMap → CRDs exactly as MetalLB's configmaptocrs writes them.
  convert: {
    ext: 'yaml',
    run: (text, file) => {
      const r = convertConfigMapToCRDs(text, { file });
      return r.yaml + diagnosticLines(r.diagnostics);
    },
  },
  // ConfigMap or CRDs → clean CRDs.
  'emit-crds': {
    ext: 'yaml',
    run: (text, file) => {
      const { config, diagnostics } = modelOf(text, file);
      return emitCRDs(config) + diagnosticLines(diagnostics);
    },
  },
  // ConfigMap or CRDs → legacy ConfigMap.
  'emit-configmap': {
    ext: 'yaml',
    run: (text, file) => {
      const inputs = loadMetalLBInputs([{ text, file }]);
      if (inputs.legacy) return emitConfigMap(inputs.legacy) + diagnosticLines(inputs.diagnostics);
      const r = crdsToConfigMap(inputs.crds as MetalLBConfig);
      return emitConfigMap(r.config) + diagnosticLines([...inputs.diagnostics, ...r.diagnostics]);
    },
  },
  // The parsed model.
  parse: {
    ext: 'json',
    run: (text, file) => {
      const inputs = loadMetalLBInputs([{ text, file }]);
      return `${stableStringify({ legacy: inputs.legacy, crds: inputs.crds, services: inputs.services, diagnostics: inputs.diagnostics }, 2)}\n`;
    },
  },
  // Every validation diagnostic.
  validate: {
    ext: 'json',
    run: (text, file) => {
      const inputs = loadMetalLBInputs([{ text, file }]);
      const diagnostics = [...inputs.diagnostics, ...(inputs.crds ? validateMetalLB(inputs.crds) : [])];
      return `${stableStringify(diagnostics, 2)}\n`;
    },
  },
  // Pools + Services → plan.
  allocate: {
    ext: 'json',
    run: (text, file) => {
      const inputs = loadMetalLBInputs([{ text, file }]);
      const config =
        inputs.crds ??
        legacyToCRDModel(
          inputs.legacy ?? {
            namespace: 'metallb-system',
            name: 'config',
            peers: [],
            bgpCommunities: {},
            addressPools: [],
            bfdProfiles: [],
          },
        ).config;
      const plan = allocate(config, inputs.services, { namespaces: inputs.namespaces });
      return `${stableStringify({ ...plan, diagnostics: [...inputs.diagnostics, ...plan.diagnostics] }, 2)}\n`;
    },
  },
};

function operationFor(feature: string) {
  const prefix = Object.keys(operations)
    .sort((a, b) => b.length - a.length)
    .find((p) => feature === p || feature.startsWith(`${p}-`));
  if (!prefix) throw new Error(`no golden operation for ${feature}`);
  return operations[prefix] as (typeof operations)[string];
}

const features = readdirSync(inDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

describe('golden files', () => {
  it('has golden inputs', () => {
    expect(features.length).toBeGreaterThan(5);
  });

  for (const feature of features) {
    it(feature, () => {
      const op = operationFor(feature);
      const text = readFileSync(join(inDir, `${feature}.yaml`), 'utf8');
      const actual = op.run(text, `in/${feature}.yaml`);
      const outFile = join(outDir, `${feature}.${op.ext}`);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(outDir, { recursive: true });
        writeFileSync(outFile, actual);
      }
      expect(existsSync(outFile), `${outFile} missing; run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(outFile, 'utf8'));
    });
  }
});
