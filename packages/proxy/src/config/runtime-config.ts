import type { Diagnostic, GatewayIR, IRSecret, IRSettings } from '@gateway/core';
import { buildFilterPipeline, type FilterPipeline } from '../filters/pipeline.js';
import type { FilterDeps, HttpFilterFactory } from '../filters/types.js';
import { compileRouteTables, type ListenerRouteTable } from '../routing/route-table.js';
import { compileIpFilter, type IpFilter } from '../security/ip-filter.js';
import { buildListenerTls, type ListenerTls } from '../server/tls-sni.js';

/**
 * Everything one IR compiles to, built completely before it replaces the running config (so a
 * reload is one reference swap). Requests keep a reference to the config they started on; a
 * replaced config closes its filters once its last request finishes.
 */
export interface RuntimeConfig {
  readonly ir: GatewayIR;
  readonly version: string;
  readonly settings: IRSettings;
  readonly tables: ReadonlyMap<string, ListenerRouteTable>;
  readonly pipeline: FilterPipeline;
  readonly tls: ReadonlyMap<string, ListenerTls>;
  readonly ipFilter: IpFilter;
  /** Requests currently running on this config. */
  inflight: number;
  /** Replaced by a newer config; close resources when `inflight` reaches 0. */
  retired: boolean;
}

export interface BuildResult {
  config?: RuntimeConfig;
  diagnostics: Diagnostic[];
}

const IR_REF = { kind: 'GatewayIR', namespace: '', name: 'ir' };

export function buildRuntimeConfig(
  ir: GatewayIR,
  filterDeps: FilterDeps,
  filterFactories?: readonly HttpFilterFactory[],
): BuildResult {
  const diagnostics: Diagnostic[] = [];
  if (ir === null || typeof ir !== 'object' || ir.schema !== 'gateway.ir/v1') {
    diagnostics.push({
      resource: IR_REF,
      path: 'schema',
      message: `expected schema "gateway.ir/v1", got ${JSON.stringify((ir as { schema?: unknown } | null)?.schema)}`,
      severity: 'error',
      code: 'proxy-ir-schema',
    });
    return { diagnostics };
  }
  const seen = new Map<string, string>();
  ir.listeners.forEach((l, i) => {
    const key = `${l.address}:${l.port}`;
    const other = seen.get(key);
    // Port 0 means "any free port" (tests, embedders): never a conflict.
    if (other !== undefined && l.port !== 0) {
      diagnostics.push({
        resource: { kind: 'Listener', namespace: '', name: l.name },
        path: 'port',
        message: `listeners[${i}] ${l.name} binds ${key}, already bound by ${other}`,
        severity: 'error',
        code: 'proxy-listener-conflict',
      });
    }
    seen.set(key, l.name);
  });
  const routes = compileRouteTables(ir);
  diagnostics.push(...routes.diagnostics);
  const secrets = new Map<string, IRSecret>();
  for (const s of ir.secrets) secrets.set(s.name, s);
  const tls = new Map<string, ListenerTls>();
  ir.listeners.forEach((l, i) => {
    if (l.protocol !== 'https') return;
    const t = buildListenerTls(l, i, secrets, diagnostics);
    if (t) tls.set(l.name, t);
  });
  const ipFilter = compileIpFilter(ir.settings, diagnostics);
  const built = buildFilterPipeline(ir, filterDeps, filterFactories);
  diagnostics.push(...built.diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) {
    void built.pipeline.close();
    return { diagnostics };
  }
  return {
    config: {
      ir,
      version: ir.version,
      settings: ir.settings,
      tables: routes.tables,
      pipeline: built.pipeline,
      tls,
      ipFilter,
      inflight: 0,
      retired: false,
    },
    diagnostics,
  };
}
