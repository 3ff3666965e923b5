import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdsServer } from '@gateway/envoy';
import {
  type Controller,
  type FakeApiServer,
  type KubeObject,
  startFakeApiServer,
} from '@gateway/kubernetes';
import type { Gateway } from '@gateway/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runController } from '../src/commands/controller.js';
import { capture } from './support/cli-io.js';

async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const annotated = (name: string, prefix: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: `${name}-routes`,
    namespace: 'default',
    annotations: {
      'getambassador.io/config': `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nname: ${name}\nhostname: "*"\nprefix: ${prefix}\nservice: backend\n`,
    },
  },
  spec: { ports: [{ port: 80 }] },
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('gateway controller', () => {
  let origin: http.Server;
  let originPort: number;
  let api: FakeApiServer;

  beforeAll(async () => {
    origin = http.createServer((req, res) => res.end(`backend saw ${req.url}`));
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    originPort = (origin.address() as AddressInfo).port;
    api = await startFakeApiServer({
      objects: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'backend', namespace: 'default' },
          spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'backend-1',
            namespace: 'default',
            labels: { 'kubernetes.io/service-name': 'backend' },
          },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: originPort, protocol: 'TCP' }],
          endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        },
        annotated('quote', '/quote/'),
      ],
    });
  });

  afterAll(async () => {
    await api.close();
    origin.close();
  });

  it('feeds the real in-process proxy: routes from annotations, endpoints from EndpointSlices', async () => {
    const io = capture();
    const abort = new AbortController();
    let ready: { controller: Controller; gateway?: Gateway } | undefined;
    const done = runController(['--sink', 'proxy', '--listen', '127.0.0.1:0', '--debounce-ms', '10'], io, {
      signal: abort.signal,
      kubeConfig: api.kubeConfig(),
      onReady: (r) => {
        ready = r;
      },
    });
    try {
      const { gateway } = await until(() => ready, 'controller ready');
      const base = `http://127.0.0.1:${gateway!.address()!.port}`;
      // The Mapping rewrites /quote/ to /; the proxy reaches the backend through its EndpointSlice.
      expect(await get(`${base}/quote/hello`)).toEqual({ status: 200, body: 'backend saw /hello' });
      expect((await get(`${base}/books/x`)).status).toBe(404);
      // A new annotation goes live without a restart.
      api.create(annotated('books', '/books/'));
      await until(
        async () => ((await get(`${base}/books/x`)).status === 200 ? true : undefined),
        '/books/ to go live',
      );
      expect(await get(`${base}/books/x`)).toEqual({ status: 200, body: 'backend saw /x' });
      expect(io.out).toContain('controller: synced; serving version');
    } finally {
      abort.abort();
      expect(await done).toBe(0);
    }
    expect(io.out).toContain('controller: stopped');
  });

  it('feeds an ADS server with --sink xds', async () => {
    const io = capture();
    const abort = new AbortController();
    let ready: { controller: Controller; ads?: AdsServer } | undefined;
    const done = runController(['--sink', 'xds', '--listen', '127.0.0.1:0'], io, {
      signal: abort.signal,
      kubeConfig: api.kubeConfig(),
      onReady: (r) => {
        ready = r;
      },
    });
    try {
      const { controller, ads } = await until(() => ready, 'controller ready');
      expect(ads?.cache.get('default')?.version).toBe(controller.ir?.version);
      expect(io.out).toMatch(/controller: ADS server on 127\.0\.0\.1:\d+/);
    } finally {
      abort.abort();
      expect(await done).toBe(0);
    }
  });

  it('rejects bad flags as usage errors', async () => {
    await expect(runController(['--sink', 'nginx'], capture())).rejects.toThrow(
      '--sink must be proxy or xds',
    );
    await expect(runController(['--publish-service', 'gateway'], capture())).rejects.toThrow(
      '--publish-service must be namespace/name',
    );
    await expect(runController(['--sink', 'xds', '--admin', '127.0.0.1:1'], capture())).rejects.toThrow(
      '--admin applies to --sink proxy only',
    );
  });
});
