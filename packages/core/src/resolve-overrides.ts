import { sealIR } from './ir/defaults.js';
import type { GatewayIR, IRCluster } from './ir/types.js';
import { parseService } from './util/service.js';

/**
 * Applies `--resolve name=host:port` overrides (like curl's): every DNS cluster whose host, first
 * DNS label of the host, or `service` equals `name` becomes a static cluster pointing at
 * `host:port`. Pure: returns a new, re-sealed IR; the input is not modified. Entries that match
 * nothing are ignored; malformed targets are ignored too (callers validate user input).
 *
 * @example
 * ```ts
 * const local = resolveOverrides(ir, { quote: '127.0.0.1:9000' });
 * ```
 */
export function resolveOverrides(ir: GatewayIR, map: Record<string, string>): GatewayIR {
  const targets = new Map<string, { address: string; port: number }>();
  for (const [name, target] of Object.entries(map ?? {})) {
    const parsed = parseService(target);
    if (!parsed.ok || parsed.value.port === undefined) continue;
    targets.set(name, { address: parsed.value.host, port: parsed.value.port });
  }
  const { version: _version, schema: _schema, ...body } = ir;
  if (targets.size === 0) return sealIR(body);
  const clusters = ir.clusters.map((c): IRCluster => {
    if (c.discovery.kind !== 'dns') return c;
    const host = c.discovery.host;
    const target =
      targets.get(host) ??
      targets.get(c.service) ??
      targets.get(host.split('.')[0]!) ??
      targets.get(host.replace(/\.$/, ''));
    if (!target) return c;
    return {
      ...c,
      discovery: {
        kind: 'static',
        endpoints: [{ address: target.address, port: target.port, weight: 1, zone: '', health: 'unknown' }],
      },
    };
  });
  return sealIR({ ...body, clusters });
}
