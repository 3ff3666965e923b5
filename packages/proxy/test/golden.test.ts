import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileYaml, type Diagnostic, type defaultSettings } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { compileRouteTables, normalizeTarget, pickWeightedCluster } from '../src/index.js';
import { compileTcpConfig } from '../src/server/tcp-proxy.js';

/** Golden pairs: testdata/in/<feature> -> testdata/out/<feature>.json (UPDATE_GOLDEN=1 rewrites). */
const dir = (p: string) => fileURLToPath(new URL(`./testdata/${p}`, import.meta.url));

function golden(feature: string, actual: unknown): void {
  const file = dir(`out/${feature}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('golden: path normalisation', () => {
  it('normalises request targets as recorded', () => {
    const input = JSON.parse(readFileSync(dir('in/normalize.json'), 'utf8')) as {
      policy: ReturnType<typeof defaultSettings>;
      targets: string[];
    };
    golden(
      'normalize',
      input.targets.map((target) => ({ target, result: normalizeTarget(target, input.policy) })),
    );
  });
});

describe('golden: routing decisions for compiled Ambassador resources', () => {
  it('routes the recorded requests', () => {
    const { ir, diagnostics } = compileYaml(readFileSync(dir('in/routing.yaml'), 'utf8'));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const requests = JSON.parse(readFileSync(dir('in/routing-requests.json'), 'utf8')) as Array<{
      authority: string;
      path: string;
      draw?: number;
    }>;
    const table = compileRouteTables(ir).tables.get('listener-8080');
    if (!table) throw new Error('no table');
    golden(
      'routing',
      requests.map((r) => {
        const draw = r.draw ?? 0;
        const d = table.route({
          path: r.path,
          query: '',
          method: 'GET',
          authority: r.authority.toLowerCase().replace(/:\d+$/, ''),
          headers: {},
          secure: false,
          fractionDraw: draw * 100,
        });
        if (d.kind !== 'route' || d.route.action.kind !== 'forward') return { request: r, decision: d.kind };
        const action = d.route.action;
        return {
          request: r,
          vhost: d.vhost.ir.name,
          route: d.route.ir.name,
          cluster: pickWeightedCluster(action, draw)?.cluster,
          path: action.rewrite ? action.rewrite(r.path) : r.path,
        };
      }),
    );
  });
});

describe('golden: L4 routes (TCPMappings) compiled for the proxy', () => {
  it('picks the route each recorded connection gets', () => {
    const { ir, diagnostics } = compileYaml(readFileSync(dir('in/tcp-routes.yaml'), 'utf8'));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const proxyDiagnostics: Diagnostic[] = [];
    const tcp = compileTcpConfig(ir, proxyDiagnostics);
    const connections = JSON.parse(readFileSync(dir('in/tcp-routes-connections.json'), 'utf8')) as Array<{
      listenerPort: number;
      sni?: string;
    }>;
    const tables = [...tcp.tables.values()];
    golden('tcp-routes', {
      tables: tables.map((t) => ({
        listener: t.listener.name,
        inspectClientHello: t.inspect,
        routes: t.routes.map((r) => ({
          name: r.ir.name,
          sni: r.ir.sniHost ?? null,
          backends: r.backends.map((b) => ({
            cluster: b.cluster,
            weight: b.weight,
            maxConnections: b.maxConnections,
          })),
          idleTimeoutMs: r.ir.idleTimeoutMs,
        })),
        fallback: t.fallback?.ir.name ?? null,
      })),
      connections: connections.map((c) => {
        const table = tables.find((t) => t.listener.port === c.listenerPort);
        const route =
          (c.sni !== undefined ? table?.bySni.match(c.sni.toLowerCase()) : undefined) ?? table?.fallback;
        return { ...c, route: route?.ir.name ?? null };
      }),
      diagnostics: proxyDiagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`),
    });
  });
});
