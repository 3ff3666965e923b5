import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileYaml, type Diagnostic, formatDiagnostic, loadYaml } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { emitGatewayApi } from '../../src/emit/gateway-api.js';
import { emitIngress } from '../../src/emit/ingress.js';
import { emitInstall } from '../../src/emit/install.js';
import { emitAnnotatedServices, emitServices } from '../../src/emit/services.js';
import { toYamlDocuments } from '../../src/emit/yaml.js';
import type { KubeObject } from '../../src/types.js';
import { validateObject } from '../../src/validation/index.js';
import { modelError } from '../support/models.js';

const dir = join(import.meta.dirname, '..', 'testdata');
const inputs = readdirSync(join(dir, 'in'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Splits off the optional leading `kind: EmitOptions` document (options for the emitter). */
function splitOptions(text: string): { options: Record<string, unknown>; rest: string } {
  const docs = parseAllDocuments(text);
  const first = docs[0]?.toJS() as { kind?: string; options?: Record<string, unknown> } | null;
  if (first?.kind !== 'EmitOptions') return { options: {}, rest: text };
  const end = docs[0]!.range[2];
  return { options: first.options ?? {}, rest: text.slice(end) };
}

function render(
  feature: string,
  text: string,
): { objects: KubeObject[]; diagnostics: Diagnostic[]; compileErrors: Diagnostic[] } {
  const { options, rest } = splitOptions(text);
  if (feature.startsWith('install-')) return { ...emitInstall(options), compileErrors: [] };
  if (feature.startsWith('services-annotated-')) {
    const loaded = loadYaml(rest, { file: feature });
    return {
      ...emitAnnotatedServices(loaded.resources, options),
      compileErrors: loaded.diagnostics.filter((d) => d.severity === 'error'),
    };
  }
  const compiled = compileYaml(rest, {
    file: feature,
    ...(options.gatewayNamespace ? { gatewayNamespace: String(options.gatewayNamespace) } : {}),
  });
  const compileErrors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (feature.startsWith('ingress-')) return { ...emitIngress(compiled.ir, options), compileErrors };
  if (feature.startsWith('gateway-api-')) return { ...emitGatewayApi(compiled.ir, options), compileErrors };
  if (feature.startsWith('services-')) return { ...emitServices(compiled.ir, options), compileErrors };
  throw new Error(`no emitter for ${feature}`);
}

function golden(objects: KubeObject[], diagnostics: Diagnostic[]): string {
  const header = diagnostics.length
    ? `# diagnostics:\n${diagnostics.map((d) => `# ${d.severity} ${formatDiagnostic(d)}`).join('\n')}\n`
    : '# diagnostics: none\n';
  return header + toYamlDocuments(objects);
}

describe('emitter golden files (testdata/in -> testdata/out)', () => {
  it('has inputs for every emitter', () => {
    for (const prefix of ['ingress-', 'gateway-api-', 'services-', 'services-annotated-', 'install-']) {
      expect(inputs.some((f) => f.startsWith(prefix))).toBe(true);
    }
  });

  for (const file of inputs) {
    const feature = file.replace(/\.yaml$/, '');
    it(feature, () => {
      const { objects, diagnostics, compileErrors } = render(
        feature,
        readFileSync(join(dir, 'in', file), 'utf8'),
      );
      expect(compileErrors.map(formatDiagnostic)).toEqual([]);
      expect(objects.length).toBeGreaterThan(0);
      for (const obj of objects) {
        expect({ object: `${obj.kind} ${obj.metadata?.name}`, error: modelError(obj) }).toEqual({
          object: `${obj.kind} ${obj.metadata?.name}`,
          error: undefined,
        });
        expect(
          validateObject(obj)
            .filter((d) => d.severity === 'error')
            .map(formatDiagnostic),
        ).toEqual([]);
      }
      const actual = golden(objects, diagnostics);
      const outFile = join(dir, 'out', file);
      if (process.env.UPDATE_GOLDEN) writeFileSync(outFile, actual);
      expect(actual).toBe(readFileSync(outFile, 'utf8'));
    });
  }
});
