import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createIR,
  emptyFilters,
  type GatewayIR,
  type IRCluster,
  type IRFilters,
  type IRRoute,
  type ResourceRef,
} from '@gateway/core';
import type { FilterContext, FilterDeps, FilterRequest } from '../../src/filters/types.js';

/** Test fixtures shared by the auth / rate-limit filter tests. */

export const SOURCE: ResourceRef = { kind: 'Test', namespace: 'default', name: 'test' };

export function makeRoute(overrides: Partial<IRRoute> = {}): IRRoute {
  return {
    name: 'default/r1',
    group: 'g1',
    sources: [SOURCE],
    match: { path: { kind: 'prefix', value: '/' }, caseSensitive: true, headers: [], queryParams: [] },
    action: {
      kind: 'forward',
      clusters: [{ cluster: 'cluster_backend_default', weight: 100 }],
      autoHostRewrite: false,
      timeoutMs: 0,
      idleTimeoutMs: 0,
      mirrors: [],
      upgrades: [],
      grpc: false,
      priority: 'default',
    },
    requestHeaders: { add: [], remove: [] },
    responseHeaders: { add: [], remove: [] },
    auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
    rateLimits: [],
    authorizationPolicies: [],
    statsName: 'r1',
    ...overrides,
  };
}

export function staticCluster(name: string, port: number): IRCluster {
  return {
    name,
    service: `${name}:${port}`,
    discovery: {
      kind: 'static',
      endpoints: [{ address: '127.0.0.1', port, weight: 1, zone: '', health: 'unknown' }],
    },
    protocol: 'http1',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 1000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: name,
  };
}

export function makeIR(
  filters: Partial<IRFilters>,
  routes: IRRoute[],
  clusters: IRCluster[] = [],
): GatewayIR {
  return createIR({
    filters: { ...emptyFilters(), ...filters },
    clusters,
    listeners: [
      {
        name: 'listener-8080',
        address: '127.0.0.1',
        port: 8080,
        protocol: 'http',
        securityModel: 'XFP',
        statsPrefix: 'l',
        tls: [],
        virtualHosts: [{ name: 'listener-8080/*', domains: ['*'], insecure: 'route', routes }],
      },
    ],
  });
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

/** FilterDeps whose clusters all live on 127.0.0.1 at the given ports, with a recording logger. */
export function makeDeps(ports: Record<string, number>): FilterDeps & { logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  return {
    logs,
    resolveCluster(cluster) {
      const port = ports[cluster];
      return port === undefined ? undefined : { host: '127.0.0.1', port, tls: false };
    },
    log: {
      info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
    },
  };
}

export interface RequestInit {
  method?: string;
  path?: string;
  query?: string;
  authority?: string;
  scheme?: 'http' | 'https';
  headers?: Record<string, string | string[]>;
  remoteAddress?: string;
  body?: Buffer | string;
}

export function makeRequest(init: RequestInit = {}): FilterRequest {
  const body = init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body);
  return {
    method: init.method ?? 'GET',
    path: init.path ?? '/',
    query: init.query ?? '',
    authority: init.authority ?? 'gateway.test',
    scheme: init.scheme ?? 'http',
    headers: init.headers ?? {},
    remoteAddress: init.remoteAddress ?? '192.0.2.10',
    async readBody(maxBytes: number) {
      return { body: body.subarray(0, maxBytes), truncated: body.length > maxBytes };
    },
  };
}

export function makeCtx(ir: GatewayIR, route: IRRoute, init: RequestInit = {}): FilterContext {
  return {
    request: makeRequest(init),
    route,
    ir,
    upstreamHeaders: new Map(),
    upstreamHeadersToRemove: new Set(),
    responseHeaders: new Map(),
  };
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A real redis-server on 127.0.0.1 in a temporary directory, without persistence. */
export class RedisProcess {
  private proc: ChildProcess | undefined;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'gw-redis-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
