import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdsServer, TYPE_URLS } from '@gateway/envoy';
import { afterAll, describe, expect, it } from 'vitest';
import { serveXds } from '../src/commands/xds.js';
import { rawAdsClient } from './support/ads-client.js';
import { capture, until } from './support/cli-io.js';

const MAPPING = (name: string, prefix: string) => `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: ${name}, namespace: default }
spec: { prefix: ${prefix}, service: ${name} }
`;

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe('gateway xds', () => {
  it('serves, prints NACKs, publishes edits with --watch and keeps the last good snapshot on an invalid edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-xds-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, MAPPING('quote', '/backend/'));
    const io = capture();
    const controller = new AbortController();
    let server: AdsServer | undefined;
    const done = serveXds(['-f', file, '--listen', '127.0.0.1:0', '--watch'], io, {
      signal: controller.signal,
      onServer: (s) => {
        server = s;
      },
    });
    cleanups.push(() => controller.abort());
    await until(() => server !== undefined, 'the server');
    const ads = server as AdsServer;
    expect(io.out).toMatch(/^xds: serving version [0-9a-f]{16} on 127\.0\.0\.1:\d+$/m);
    const firstVersion = ads.cache.get('default')?.version;

    const client = rawAdsClient(ads.port as number);
    cleanups.push(client.close);
    client.send({ type_url: TYPE_URLS.listener, node: { id: 'cli-test' } });
    await until(() => client.responses.length === 1, 'an LDS response');
    const lds = client.responses[0] as { version_info: string; nonce: string };
    client.send({
      type_url: TYPE_URLS.listener,
      response_nonce: lds.nonce,
      error_detail: { code: 3, message: 'listener-8080: not today' },
    });
    await until(() => io.err.includes('xds: NACK from cli-test'), 'the NACK line');
    expect(io.err).toMatch(
      /xds: NACK from cli-test for listener version [0-9a-f]{16}; it keeps nothing: listener-8080: not today/,
    );

    writeFileSync(file, MAPPING('quote', '/backend/') + MAPPING('other', '/other/'));
    await until(() => ads.cache.get('default')?.version !== firstVersion, 'a new snapshot');
    const secondVersion = ads.cache.get('default')?.version;
    await until(() => io.out.includes(`xds: serving version ${secondVersion}`), 'the new version line');

    writeFileSync(
      file,
      `${MAPPING('quote', '/backend/')}---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: broken, namespace: default }\nspec: { prefix: /x/ }\n`,
    );
    await until(() => io.err.includes('change not applied'), 'the rejected edit');
    expect(io.err).toContain(`still serving version ${secondVersion}`);
    expect(ads.cache.get('default')?.version).toBe(secondVersion);

    controller.abort();
    expect(await done).toBe(0);
    expect(io.out).toContain('xds: stopped');
  });

  it('refuses to start on invalid input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-xds-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: { name: broken, namespace: default }\nspec: { prefix: /x/ }\n',
    );
    const io = capture();
    expect(await serveXds(['-f', file, '--listen', '127.0.0.1:0'], io)).toBe(1);
    expect(io.err).toMatch(/^Mapping default\/broken: /m);
    expect(io.err).toContain('xds: not starting');
  });
});
