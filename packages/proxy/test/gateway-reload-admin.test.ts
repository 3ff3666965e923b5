import { Writable } from 'node:stream';
import pino from 'pino';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import {
  forward,
  makeIR,
  type Origin,
  route,
  send,
  startGateway,
  startOrigin,
  staticCluster,
} from './support/gateway-helpers.js';

describe('hot reload', () => {
  let a: Origin;
  let b: Origin;
  let slow: Origin;
  let gateway: Gateway;
  let base: string;
  const clusters = () => [
    staticCluster('ca', a.port),
    staticCluster('cb', b.port),
    staticCluster('cslow', slow.port),
  ];
  const configA = () =>
    makeIR([route('slow', '/slow', forward('cslow')), route('main', '/', forward('ca'))], clusters());
  const configB = () =>
    makeIR(
      [
        route('main', '/', forward('cb'), {
          responseHeaders: { add: [{ name: 'x-config', value: 'b', append: false }], remove: [] },
        }),
      ],
      clusters(),
    );

  beforeAll(async () => {
    a = await startOrigin('a');
    b = await startOrigin('b');
    slow = await startOrigin('slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('slow done');
      }, 300);
      return true;
    });
    ({ gateway, base } = await startGateway(configA(), { admin: { host: '127.0.0.1', port: 0 } }));
  });

  afterAll(async () => {
    await gateway.close({ drainTimeoutMs: 200 });
    await Promise.all([a.close(), b.close(), slow.close()]);
  });

  it('swaps configs under load with zero failed requests', async () => {
    const pool = new Pool(base, { connections: 8, pipelining: 1 });
    const origins = new Set<string>();
    let failures = 0;
    let done = 0;
    const total = 600;
    const worker = async () => {
      while (done < total) {
        done++;
        try {
          const r = await pool.request({ path: '/load', method: 'GET' });
          const body = (await r.body.json()) as { origin: string };
          if (r.statusCode !== 200) failures++;
          origins.add(body.origin);
        } catch {
          failures++;
        }
      }
    };
    let swapping = true;
    let swaps = 0;
    const swapper = (async () => {
      while (swapping) {
        const result = await gateway.apply(swaps % 2 === 0 ? configB() : configA());
        expect(result.accepted).toBe(true);
        swaps++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all(Array.from({ length: 8 }, worker));
    swapping = false;
    await swapper;
    await pool.close();
    expect(failures).toBe(0);
    expect(swaps).toBeGreaterThan(5);
    expect([...origins].sort()).toEqual(['a', 'b']);
  });

  it('lets in-flight requests finish on the config they started on', async () => {
    await gateway.apply(configA());
    const pending = send(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const applied = await gateway.apply(configB()); // /slow no longer routes to the slow cluster
    expect(applied.accepted).toBe(true);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.text).toBe('slow done');
    expect((await send(`${base}/slow`)).json().origin).toBe('b');
  });

  it('rejects an invalid config with diagnostics and keeps serving the last good one', async () => {
    const good = await gateway.apply(configB());
    const bad = makeIR(
      [
        route('broken', { kind: 'regex', value: '/(unclosed' }, forward('ca')),
        route('orphan', '/', forward('no_such_cluster')),
      ],
      clusters(),
    );
    const result = await gateway.apply(bad);
    expect(result.accepted).toBe(false);
    expect(result.version).toBe(good.version);
    const names = result.diagnostics.map((d) => `${d.resource.name}:${d.path}`);
    expect(names).toContain('broken:match.path.value');
    expect(names).toContain('orphan:action.clusters[0].cluster');
    const r = await send(`${base}/still`);
    expect(r.status).toBe(200);
    expect(r.headers['x-config']).toBe('b');
  });

  it('serves /ready, /live, /metrics and /config on the admin listener', async () => {
    const admin = `http://127.0.0.1:${gateway.adminAddress()?.port}`;
    expect((await send(`${admin}/live`)).status).toBe(200);
    expect((await send(`${admin}/ready`)).status).toBe(200);
    const metrics = (await send(`${admin}/metrics`)).text;
    expect(metrics).toMatch(/gateway_route_requests_total\{route="main",status_class="2xx"\} \d+/);
    expect(metrics).toMatch(/gateway_cluster_requests_total\{cluster="cb",status_class="2xx"\} \d+/);
    expect(metrics).toMatch(/gateway_config_reloads_total\{result="accepted"\} \d+/);
    expect(metrics).toMatch(/gateway_config_reloads_total\{result="rejected"\} [1-9]/);
    expect(metrics).toContain('gateway_route_request_duration_seconds_bucket');
    const config = (await send(`${admin}/config`)).json<{
      version: string;
      lastApply: { accepted: boolean; diagnostics: unknown[] };
    }>();
    expect(config.version).toBe(gateway.version);
    expect(config.lastApply.accepted).toBe(false);
    expect(config.lastApply.diagnostics.length).toBeGreaterThan(0);
    gateway.adminRoute('/diagnostics', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>diag</h1>');
    });
    expect((await send(`${admin}/diagnostics`)).text).toBe('<h1>diag</h1>');
  });
});

describe('access logs and graceful close', () => {
  it('writes structured JSON access log lines with route, cluster, upstream and status', async () => {
    const origin = await startOrigin('o');
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const { gateway, base } = await startGateway(
      makeIR([route('logged', '/', forward('c'))], [staticCluster('c', origin.port)]),
      { logger },
    );
    await send(`${base}/hello?q=1`);
    await send(`${base}/hello`, { method: 'POST', body: 'x' });
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
    const access = lines.filter((l) => l.msg === 'access');
    expect(access).toHaveLength(2);
    expect(access[0]).toMatchObject({
      method: 'GET',
      path: '/hello',
      route: 'logged',
      cluster: 'c',
      status: 200,
      protocol: 'HTTP/1.1',
    });
    expect(access[0]?.upstream).toBe(`127.0.0.1:${origin.port}`);
    expect(typeof access[0]?.durationMs).toBe('number');
  });

  it('can switch access logs off', async () => {
    const origin = await startOrigin('o');
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(c: Buffer, _e, cb) {
          lines.push(c.toString());
          cb();
        },
      }),
    );
    const { gateway, base } = await startGateway(
      makeIR([route('r', '/', forward('c'))], [staticCluster('c', origin.port)]),
      { logger, accessLog: false },
    );
    await send(`${base}/x`);
    await gateway.close({ drainTimeoutMs: 100 });
    await origin.close();
    expect(lines.filter((l) => l.includes('"msg":"access"'))).toHaveLength(0);
  });

  it('finishes in-flight requests when closing, then stops accepting', async () => {
    const slow = await startOrigin('slow', (_req, res) => {
      setTimeout(() => res.end('finished'), 200);
      return true;
    });
    const { gateway, base } = await startGateway(
      makeIR([route('r', '/', forward('c'))], [staticCluster('c', slow.port)]),
    );
    const pending = send(`${base}/x`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = gateway.close({ drainTimeoutMs: 2000 });
    const r = await pending;
    await closing;
    expect(r.status).toBe(200);
    expect(r.text).toBe('finished');
    await expect(send(`${base}/x`)).rejects.toThrow();
    await slow.close();
  });
});
