import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IRCluster, IRSecret } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { prepareCluster } from '../../src/upstream/cluster.js';
import { hash32 } from '../../src/upstream/hash.js';
import { MaglevBalancer, RingHashBalancer } from '../../src/upstream/load-balancers/index.js';

/** Golden pairs: testdata/in/<feature>.json -> testdata/out/<feature>.json (UPDATE_GOLDEN=1 rewrites). */
const dir = (p: string) => fileURLToPath(new URL(`../testdata/${p}`, import.meta.url));

function golden(feature: string, actual: unknown): void {
  const file = dir(`out/${feature}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('golden: consistent-hash placement', () => {
  it('places the recorded keys (stable across releases, or sessions move on upgrade)', () => {
    const input = JSON.parse(readFileSync(dir('in/upstream-hashing.json'), 'utf8')) as {
      endpoints: Array<{ address: string; weight: number }>;
      keys: string[];
    };
    const endpoints = input.endpoints.map((e) => ({ ...e, activeRequests: 0 }));
    const ring = new RingHashBalancer(endpoints);
    const maglev = new MaglevBalancer(endpoints);
    golden(
      'upstream-hashing',
      input.keys.map((key) => ({
        key,
        hash32: hash32(key),
        ringHash: ring.pick(key)!.address,
        maglev: maglev.pick(key)!.address,
      })),
    );
  });
});

describe('golden: cluster preparation', () => {
  it('derives pool mode, TLS, SNI, limits and overrides from IR clusters', () => {
    const input = JSON.parse(readFileSync(dir('in/upstream-clusters.json'), 'utf8')) as {
      resolve: Record<string, { host: string; port: number }>;
      secrets: IRSecret[];
      clusters: IRCluster[];
    };
    const secrets = new Map(input.secrets.map((s) => [s.name, s]));
    const resolve = new Map(Object.entries(input.resolve));
    golden(
      'upstream-clusters',
      input.clusters.map((c) => {
        const spec = prepareCluster(c, secrets, resolve);
        const tls = spec.poolConfig.tls;
        return {
          cluster: c.name,
          pool: {
            ...spec.poolConfig,
            tls: tls && {
              servername: tls.servername ?? null,
              rejectUnauthorized: tls.rejectUnauthorized,
              ca: tls.ca !== undefined,
              clientCertificate: tls.cert !== undefined && tls.key !== undefined,
            },
          },
          defaultHost: spec.defaultHost ?? null,
          override: spec.override ?? null,
          diagnostics: spec.diagnostics.map(
            (d) => `${d.resource.kind} ${d.resource.name}: ${d.path}: ${d.message}`,
          ),
        };
      }),
    );
  });
});
