import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, type JsonObject } from '@gateway/envoy';
import { describe, expect, it } from 'vitest';
import { run } from '../src/commands/render-envoy.js';
import { capture } from './support/cli-io.js';

const GATEWAY = `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote, namespace: default }
spec: { prefix: /backend/, service: quote }
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: quote-canary, namespace: default }
spec: { prefix: /backend/, service: quote-canary, weight: 20 }
`;

function writeInput(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-envoy-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

describe('gateway render envoy', () => {
  it('prints every resource kind with @type, in JSON, and exits 0', async () => {
    const io = capture();
    expect(await run(['-f', writeInput(GATEWAY)], io)).toBe(0);
    const out = JSON.parse(io.out) as Record<string, JsonObject[]>;
    expect(Object.keys(out).sort()).toEqual(['clusters', 'endpoints', 'listeners', 'routes', 'secrets']);
    expect(out.listeners?.[0]?.['@type']).toBe('type.googleapis.com/envoy.config.listener.v3.Listener');
    const routes = JSON.stringify(out.routes);
    expect(routes).toContain('"weight":80');
    expect(routes).toContain('"weight":20');
    expect(io.err).toBe('');
  });

  it('prints YAML with -o yaml', async () => {
    const io = capture();
    expect(await run(['-f', writeInput(GATEWAY), '-o', 'yaml'], io)).toBe(0);
    expect(io.out).toMatch(/^clusters:/m);
    expect(io.out).toContain('"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster');
  });

  it('prints a dynamic bootstrap for --ads that encodes with the Bootstrap proto', async () => {
    const io = capture();
    expect(
      await run(
        ['-f', writeInput(GATEWAY), '--bootstrap', '--ads', '127.0.0.1:18000', '--node-id', 'edge'],
        io,
      ),
    ).toBe(0);
    const b = JSON.parse(io.out) as JsonObject;
    expect(b).toMatchObject({
      node: { id: 'edge' },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
      },
    });
    expect(
      decodeMessage(
        'envoy.config.bootstrap.v3.Bootstrap',
        encodeMessage('envoy.config.bootstrap.v3.Bootstrap', b),
      ),
    ).toEqual(b);
  });

  it('prints a static bootstrap with --bootstrap alone', async () => {
    const io = capture();
    expect(await run(['-f', writeInput(GATEWAY), '--bootstrap'], io)).toBe(0);
    const b = JSON.parse(io.out) as { static_resources: { listeners: JsonObject[]; clusters: JsonObject[] } };
    expect(b.static_resources.listeners).toHaveLength(1);
    expect(b.static_resources.clusters.map((c) => c.name).sort()).toEqual([
      'cluster_quote_canary_default',
      'cluster_quote_default',
    ]);
  });

  it('reports invalid input on stderr and exits 1, still printing what is valid', async () => {
    const io = capture();
    const bad = `${GATEWAY}---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: broken, namespace: default }\nspec: { prefix: /x/ }\n`;
    expect(await run(['-f', writeInput(bad)], io)).toBe(1);
    expect(io.err).toMatch(/^Mapping default\/broken: /m);
    expect(JSON.parse(io.out)).toHaveProperty('routes');
  });

  it('rejects an unknown output format as a usage error', async () => {
    await expect(run(['-f', writeInput(GATEWAY), '-o', 'xml'], capture())).rejects.toThrow(/json or yaml/);
  });
});
