import type { IRListener, IRTcpRoute, IRWeightedCluster } from '../ir/types.js';
import type { TCPMapping } from '../model/mapping.js';
import { buildCluster } from './clusters.js';
import type { CompileContext } from './context.js';
import { moduleBreakers } from './groups.js';
import { tlsContextSecrets } from './secrets.js';

/**
 * TCPMappings grouped by (port, SNI host). Weights are raw shares (Emissary feeds cumulative
 * numbers to weighted_clusters, turning 20/none into 16.7 %/83.3 %; we emit 20/80).
 */
export function compileTcp(
  mappings: TCPMapping[],
  ctx: CompileContext,
  listeners: IRListener[],
): IRTcpRoute[] {
  const groups = new Map<string, TCPMapping[]>();
  for (const m of mappings) {
    const key = `${m.spec.port}\u0000${m.spec.host ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(m);
    groups.set(key, list);
  }
  const routes: IRTcpRoute[] = [];
  const listenerByPort = new Map(listeners.map((l) => [l.port, l]));
  for (const members of groups.values()) {
    const first = members[0]!;
    const port = first.spec.port;
    const host = first.spec.host;
    const existing = listenerByPort.get(port);
    if (existing && (existing.protocol === 'http' || existing.protocol === 'https')) {
      for (const m of members)
        ctx.report(
          m,
          'spec.port',
          `port ${port} is an ${existing.protocol.toUpperCase()} listener; a TCPMapping needs its own port`,
          'error',
          'tcp-port-conflict',
        );
      continue;
    }
    const weights = rawWeights(members, ctx);
    if (!weights) continue;
    const clusters: IRWeightedCluster[] = [];
    let ok = true;
    members.forEach((m, i) => {
      const s = m.spec;
      const name = buildCluster(ctx, {
        owner: m,
        path: 'spec.service',
        service: s.service,
        namespace: m.metadata.namespace,
        marker: s.clusterTag || undefined,
        tls: s.tls,
        resolver: s.resolver ?? 'kubernetes-service',
        connectTimeoutMs: s.connectTimeoutMs,
        circuitBreakers: s.circuitBreakers ?? moduleBreakers(ctx),
        enableIpv4: s.enableIpv4,
        enableIpv6: s.enableIpv6,
        statsName: s.statsName,
      });
      if (!name) ok = false;
      else
        clusters.push({
          cluster: name,
          source: { kind: 'TCPMapping', name: m.metadata.name, namespace: m.metadata.namespace },
          weight: weights[i]!,
        });
    });
    if (!ok) continue;
    let tlsSecret: string | undefined;
    if (host) {
      const tctx = [...ctx.tlsContexts.values()].find((c) => (c.spec.hosts ?? []).includes(host));
      if (tctx) tlsSecret = tlsContextSecrets(ctx, tctx).certificate;
    }
    routes.push({
      clusters,
      idleTimeoutMs: first.spec.idleTimeoutMs ?? 0,
      name: `${first.metadata.namespace}/${first.metadata.name}`,
      port,
      ...(host ? { sniHost: host } : {}),
      sources: members.map((m) => ({
        kind: 'TCPMapping',
        name: m.metadata.name,
        namespace: m.metadata.namespace,
      })),
      ...(tlsSecret ? { tlsSecret } : {}),
    });
    if (!existing) {
      const l: IRListener = {
        address: first.spec.address ?? '0.0.0.0',
        name: `listener-${port}`,
        port,
        protocol: host ? 'tls' : 'tcp',
        securityModel: 'INSECURE',
        statsPrefix: `ingress-tcp-${port}`,
        tls: [],
        virtualHosts: [],
      };
      listeners.push(l);
      listenerByPort.set(port, l);
    }
  }
  return routes.sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function rawWeights(members: TCPMapping[], ctx: CompileContext): number[] | undefined {
  if (members.length === 1) return [100];
  const sum = members.reduce((n, m) => n + (m.spec.weight ?? 0), 0);
  const weightless = members.filter((m) => m.spec.weight === undefined);
  const list = members
    .map((m) => `${m.metadata.namespace}/${m.metadata.name}=${m.spec.weight ?? 'none'}`)
    .join(', ');
  if (sum > 100 || (weightless.length === 0 && sum < 100)) {
    ctx.report(
      members[0]!,
      'spec.weight',
      `TCPMapping weights on port ${members[0]!.spec.port} sum to ${sum} (${list}); expected 100, or less with a TCPMapping without weight taking the rest`,
      'error',
      sum > 100 ? 'weight-over-100' : 'weight-under-100',
    );
    return undefined;
  }
  const remaining = 100 - sum;
  const each = weightless.length > 0 ? Math.floor(remaining / weightless.length) : 0;
  let given = 0;
  return members.map((m) => {
    if (m.spec.weight !== undefined) return m.spec.weight;
    given++;
    return given === weightless.length ? remaining - each * (weightless.length - 1) : each;
  });
}
