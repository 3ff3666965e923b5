import {
  compileYaml,
  DiagnosticsHistory,
  type DiagnosticsSnapshot,
  describeClusters,
  describeRoutes,
  diagnosticsPageResponse,
  type GatewayIR,
  type IRRoute,
  renderDiagnosticsPage,
} from '@gateway/core';
import { describe, expect, it } from 'vitest';

const CANARY = `
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote}
spec: {prefix: /backend/, service: quote}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote-canary}
spec: {prefix: /backend/, service: quote-canary, weight: 10}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: limited}
spec:
  prefix: /limited/
  service: quote
  rewrite: /quote/
  host_rewrite: example.org
  gateway_sdk: {rate_limit: {requests_per_unit: 5, unit: minute}}
`;

/** An IR with one vhost whose routes are given; the rest compiled from a trivial config. */
function irWithRoutes(routes: IRRoute[]): GatewayIR {
  const { ir } = compileYaml(CANARY);
  const base = ir.listeners[0]?.virtualHosts[0]?.routes[0] as IRRoute;
  const listener = ir.listeners[0];
  if (!listener) throw new Error('no listener');
  return {
    ...ir,
    listeners: [
      {
        ...listener,
        virtualHosts: [{ ...listener.virtualHosts[0]!, routes: routes.map((r) => ({ ...base, ...r })) }],
      },
    ],
  };
}

function forward(name: string, group: string, clusters: Array<[string, number]>, fraction?: number): IRRoute {
  const { ir } = compileYaml(CANARY);
  const base = ir.listeners[0]?.virtualHosts[0]?.routes[0] as IRRoute;
  if (base.action.kind !== 'forward') throw new Error('expected forward');
  return {
    ...base,
    name,
    statsName: name,
    group,
    match: { ...base.match, ...(fraction !== undefined ? { fraction } : {}) },
    action: { ...base.action, clusters: clusters.map(([cluster, weight]) => ({ cluster, weight })) },
  };
}

describe('describeRoutes', () => {
  it('shows a compiled 90/10 canary as 90% and 10%', () => {
    const { ir } = compileYaml(CANARY);
    const row = describeRoutes(ir).find((r) => r.match === 'prefix /backend/');
    expect(row?.backends.map((b) => [b.cluster, b.effectivePercent]).sort()).toEqual([
      ['cluster_quote_canary_default', 10],
      ['cluster_quote_default', 90],
    ]);
  });

  it('shows rewrite, host_rewrite and the local rate limit', () => {
    const { ir } = compileYaml(CANARY);
    const row = describeRoutes(ir).find((r) => r.match === 'prefix /limited/');
    expect(row).toMatchObject({
      rewrite: 'prefix → /quote/',
      hostRewrite: 'example.org',
      rateLimit: '5 / 60s (burst 5)',
      hosts: ['*'],
    });
  });

  it('gives a weight-0 backend 0%, and every backend of an all-zero route 0% (never 100%)', () => {
    const ir = irWithRoutes([
      forward('a', 'g1', [
        ['primary', 100],
        ['canary', 0],
      ]),
      forward('b', 'g2', [['dark', 0]]),
    ]);
    const rows = describeRoutes(ir);
    expect(rows[0]?.backends.map((b) => b.effectivePercent)).toEqual([100, 0]);
    expect(rows[1]?.backends.map((b) => b.effectivePercent)).toEqual([0]);
  });

  it('combines runtime fractions of split canary routes with weights', () => {
    const ir = irWithRoutes([
      forward('canary', 'g', [['canary', 100]], 25),
      forward('primary', 'g', [
        ['p1', 50],
        ['p2', 50],
      ]),
    ]);
    const rows = describeRoutes(ir);
    expect(rows.map((r) => r.backends.map((b) => b.effectivePercent))).toEqual([[25], [37.5, 37.5]]);
  });
});

describe('describeClusters', () => {
  it('lists discovery and default circuit-breaker limits', () => {
    const { ir, diagnostics } = compileYaml(`${CANARY}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: guarded}
spec:
  prefix: /guarded/
  service: 10.0.0.7:8080
  circuit_breakers: [{max_connections: 7, max_requests: 9}]
`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const rows = describeClusters(ir);
    expect(rows.find((r) => r.name === 'cluster_quote_default')?.discovery).toBe('dns quote:80');
    const guarded = rows.find((r) => r.service.startsWith('10.0.0.7'));
    expect(guarded?.endpoints.map((e) => e.address)).toEqual(['10.0.0.7:8080']);
    expect(guarded?.limits).toMatchObject({ maxConnections: 7, maxRequests: 9 });
  });
});

describe('DiagnosticsHistory', () => {
  it('keeps the last N applies, newest first, and the latest diagnostics', () => {
    const h = new DiagnosticsHistory(3);
    for (let i = 0; i < 5; i++)
      h.recordApply(`v${i}`, { accepted: i % 2 === 0, version: `v${i}`, diagnostics: [] });
    expect(h.applies.map((a) => a.offered)).toEqual(['v4', 'v3', 'v2']);
    h.recordApply('bad', {
      accepted: false,
      version: 'v4',
      diagnostics: [
        {
          resource: { kind: 'Mapping', namespace: 'default', name: 'x' },
          path: 'spec.prefix',
          message: 'm',
          severity: 'error',
        },
        {
          resource: { kind: 'Mapping', namespace: 'default', name: 'y' },
          path: '',
          message: 'n',
          severity: 'notice',
        },
      ],
    });
    expect(h.applies[0]).toMatchObject({
      offered: 'bad',
      version: 'v4',
      accepted: false,
      errors: 1,
      warnings: 0,
    });
    expect(h.errors).toHaveLength(1);
  });
});

describe('renderDiagnosticsPage', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const snapshot: DiagnosticsSnapshot = {
    plane: 'xds',
    generatedAt: '2026-01-01T00:00:00.000Z',
    version: 'abc"><script>',
    routes: [
      {
        name: evil,
        statsName: `"${evil}`,
        listener: 'l',
        hosts: [evil],
        match: `prefix /${evil}`,
        action: 'forward',
        backends: [{ cluster: evil, weight: 0, effectivePercent: 0 }],
        grpc: false,
        sources: [{ kind: 'Mapping', namespace: 'default', name: evil }],
      },
    ],
    clusters: [],
    history: [],
    errors: [
      {
        resource: { kind: 'Mapping', namespace: 'default', name: evil },
        path: 'spec',
        message: evil,
        severity: 'error',
      },
    ],
    nacks: [
      {
        at: 't',
        client: evil,
        kind: 'Listener',
        rejectedVersion: '2',
        keptVersion: '1',
        message: `</script>${evil}`,
      },
    ],
  };

  it('escapes every user-supplied string', () => {
    const html = renderDiagnosticsPage(snapshot);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // One script element only: the page's own.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('0%');
  });

  it('ships a CSP that allows only the nonce-tagged inline script', () => {
    const { headers, body } = diagnosticsPageResponse(snapshot);
    const nonce = /'nonce-([^']+)'/.exec(headers['content-security-policy'] ?? '')?.[1];
    expect(nonce).toBeTruthy();
    expect(body).toContain(`<script nonce="${nonce}">`);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
