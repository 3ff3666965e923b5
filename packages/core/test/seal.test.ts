import { describe, expect, it } from 'vitest';
import { compileYaml } from '../src/compile/index.js';
import { createIR, sealIR } from '../src/ir/defaults.js';
import { contentHash, stableStringify } from '../src/util/stable-json.js';

const yaml = `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote, namespace: default }
spec: { hostname: "*", prefix: /backend/, service: quote:80 }
`;

describe('sealIR', () => {
  it('versions the IR by its content: sha256 of the stable JSON of everything but schema and version', () => {
    const { ir } = compileYaml(yaml);
    const { version, schema: _schema, ...body } = ir;
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    expect(version).toBe(contentHash(body));
  });

  it('computes the version on first read and then holds it as a plain data property', () => {
    const { ir } = compileYaml(yaml);
    expect(typeof Object.getOwnPropertyDescriptor(ir, 'version')?.get).toBe('function');
    const first = ir.version;
    const descriptor = Object.getOwnPropertyDescriptor(ir, 'version');
    expect(descriptor?.get).toBeUndefined();
    expect(descriptor).toMatchObject({ value: first, enumerable: true, writable: true });
    expect(ir.version).toBe(first);
  });

  it('keeps the key order and JSON of an eagerly built IR', () => {
    const { ir } = compileYaml(yaml);
    expect(Object.keys(ir)).toEqual([
      'schema',
      'version',
      'settings',
      'listeners',
      'clusters',
      'secrets',
      'filters',
      'tcpRoutes',
    ]);
    const json = JSON.parse(JSON.stringify(ir));
    expect(json.version).toBe(ir.version);
    expect(stableStringify(structuredClone(ir))).toBe(stableStringify(ir));
    expect({ ...ir }.version).toBe(ir.version);
  });

  it('gives equal content an equal version and different content a different one', () => {
    const a = compileYaml(yaml).ir;
    const b = compileYaml(yaml.replace('quote:80', 'quote:8080')).ir;
    expect(createIR().version).toBe(createIR().version);
    const { version: _v, schema: _s, ...body } = a;
    expect(sealIR(body).version).toBe(a.version);
    expect(b.version).not.toBe(a.version);
  });

  it('takes an explicitly assigned version as is', () => {
    const ir = createIR();
    ir.version = 'pinned';
    expect(ir.version).toBe('pinned');
    expect(JSON.parse(JSON.stringify(ir)).version).toBe('pinned');
  });
});
