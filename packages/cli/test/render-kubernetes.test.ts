import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from '../src/commands/render-kubernetes.js';
import { capture } from './support/cli-io.js';

const INPUT = `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote, namespace: default }
spec: { hostname: "*", prefix: /quote/, service: "quote:8080", rewrite: /quote/ }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: beta, namespace: default }
spec: { hostname: "*", prefix: /beta/, service: beta, headers: { x-beta: "1" } }
`;

function input(text = INPUT): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-k8s-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

const kinds = (yaml: string) => parseAllDocuments(yaml).map((d) => (d.toJS() as { kind: string }).kind);

describe('gateway render kubernetes', () => {
  it('prints Ingress objects and reports what Ingress cannot express', async () => {
    const io = capture();
    expect(await run(['-f', input(), '--kind', 'ingress'], io)).toBe(0);
    expect(kinds(io.out)).toEqual(['IngressClass', 'Ingress']);
    expect(io.out).toContain('path: /quote/');
    expect(io.err).toContain(
      'warning: Mapping default/beta: route default/beta: Ingress cannot express a header match (x-beta = "1"); route not emitted',
    );
  });

  it('exits 1 with --strict when something was not expressible', async () => {
    const io = capture();
    expect(await run(['-f', input(), '--kind', 'ingress', '--strict'], io)).toBe(1);
  });

  it('prints Gateway API objects', async () => {
    const io = capture();
    expect(await run(['-f', input(), '--kind', 'gateway-api', '--gateway-class', 'envoy'], io)).toBe(0);
    expect(kinds(io.out)).toEqual(['Gateway', 'HTTPRoute']);
    expect(io.out).toContain('gatewayClassName: envoy');
    expect(io.out).toContain('name: x-beta');
  });

  it('prints Services, plain or Ambassador-style', async () => {
    const plain = capture();
    expect(
      await run(
        ['-f', input(), '--kind', 'services', '--service-type', 'LoadBalancer', '--metallb-pool', 'public'],
        plain,
      ),
    ).toBe(0);
    expect(kinds(plain.out)).toEqual(['Service', 'Service']);
    expect(plain.out).toContain('metallb.io/address-pool: public');
    const annotated = capture();
    expect(await run(['-f', input(), '--kind', 'services', '--annotated'], annotated)).toBe(0);
    expect(annotated.out).toContain('getambassador.io/config: |');
    expect(annotated.out).toContain('prefix: /quote/');
  });

  it('prints the install bundle without inputs', async () => {
    const io = capture();
    expect(
      await run(
        ['--kind', 'install', '--image', 'registry.example/gateway:1', '--service-type', 'NodePort'],
        io,
      ),
    ).toBe(0);
    expect(kinds(io.out)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'IngressClass',
      'Deployment',
      'Service',
    ]);
    expect(io.out).toContain('image: registry.example/gateway:1');
    expect(io.out).toContain('type: NodePort');
  });

  it('exits 1 when the inputs have errors', async () => {
    const io = capture();
    expect(
      await run(
        [
          '-f',
          input(
            `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: bad }\nspec: { prefix: /x/ }\n`,
          ),
          '--kind',
          'ingress',
        ],
        io,
      ),
    ).toBe(1);
    expect(io.err).toContain('Mapping default/bad');
  });

  it('rejects an unknown --kind', async () => {
    await expect(run(['-f', input(), '--kind', 'helm'], capture())).rejects.toThrow(
      '--kind must be one of ingress, gateway-api, services, install',
    );
  });
});
