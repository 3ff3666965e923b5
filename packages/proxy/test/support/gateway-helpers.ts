import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  createIR,
  defaultSettings,
  type GatewayIR,
  type IRCluster,
  type IRListener,
  type IRRoute,
  type IRRouteAction,
  type IRRouteMatch,
  type IRSettings,
  type IRVirtualHost,
} from '@gateway/core';
import { request } from 'undici';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/index.js';

// ---------------------------------------------------------------------------------------------
// IR builders (hand-built IR, as the compiler would emit it)

export function staticCluster(name: string, port: number, extra: Partial<IRCluster> = {}): IRCluster {
  return {
    name,
    service: `${name}:${port}`,
    discovery: {
      kind: 'static',
      endpoints: [{ address: '127.0.0.1', port, weight: 1, zone: '', health: 'unknown' }],
    },
    protocol: 'http1',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 2000,
    idleTimeoutMs: 0,
    maxConnectionLifetimeMs: 0,
    circuitBreakers: [],
    healthChecks: [],
    dnsLookupFamily: 'v4',
    statsName: name,
    ...extra,
  };
}

export function forward(
  cluster: string | Array<[string, number]>,
  extra: Partial<IRRouteAction & { kind: 'forward' }> = {},
): IRRouteAction {
  const clusters =
    typeof cluster === 'string'
      ? [{ cluster, weight: 100 }]
      : cluster.map(([c, w]) => ({ cluster: c, weight: w }));
  return {
    kind: 'forward',
    clusters,
    autoHostRewrite: false,
    timeoutMs: 5000,
    idleTimeoutMs: 0,
    mirrors: [],
    upgrades: [],
    grpc: false,
    priority: 'default',
    ...extra,
  } as IRRouteAction;
}

export function route(
  name: string,
  path: IRRouteMatch['path'] | string,
  action: IRRouteAction,
  extra: Partial<Omit<IRRoute, 'match'>> & { match?: Partial<IRRouteMatch> } = {},
): IRRoute {
  const { match, ...rest } = extra;
  return {
    name,
    group: name,
    sources: [{ kind: 'Mapping', namespace: 'default', name }],
    match: {
      path: typeof path === 'string' ? { kind: 'prefix', value: path } : path,
      caseSensitive: true,
      headers: [],
      queryParams: [],
      ...match,
    },
    action,
    requestHeaders: { add: [], remove: [] },
    responseHeaders: { add: [], remove: [] },
    auth: { bypassExtAuthz: false, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
    rateLimits: [],
    authorizationPolicies: [],
    statsName: name.replace(/[^A-Za-z0-9_]/g, '_'),
    ...rest,
  };
}

export function vhost(
  domains: string[],
  routes: IRRoute[],
  extra: Partial<IRVirtualHost> = {},
): IRVirtualHost {
  return { name: `vh-${domains.join(',')}`, domains, insecure: 'route', routes, ...extra };
}

export function httpListener(virtualHosts: IRVirtualHost[], extra: Partial<IRListener> = {}): IRListener {
  return {
    name: 'listener-8080',
    address: '127.0.0.1',
    port: 0,
    protocol: 'http',
    securityModel: 'XFP',
    statsPrefix: 'ingress-http',
    virtualHosts,
    tls: [],
    ...extra,
  };
}

export function makeIR(
  routes: IRRoute[] | IRVirtualHost[],
  clusters: IRCluster[],
  settings: Partial<IRSettings> = {},
  extra: Partial<Parameters<typeof createIR>[0]> = {},
): GatewayIR {
  const vhosts =
    routes.length > 0 && 'domains' in (routes[0] as object)
      ? (routes as IRVirtualHost[])
      : [vhost(['*'], routes as IRRoute[])];
  return createIR({
    settings: { ...defaultSettings(), ...settings },
    listeners: [httpListener(vhosts)],
    clusters,
    ...extra,
  });
}

// ---------------------------------------------------------------------------------------------
// Servers

export interface Origin {
  server: http.Server;
  port: number;
  /** Requests seen, in order. */
  seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/**
 * An HTTP/1.1 origin that answers JSON describing the request it got (method, url, headers,
 * body) plus `x-origin: <name>`. `handler` may take over a request.
 */
export async function startOrigin(
  name: string,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => boolean | undefined,
): Promise<Origin> {
  const seen: Origin['seen'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler?.(req, res, body)) return;
      const payload = JSON.stringify({
        origin: name,
        method: req.method,
        url: req.url,
        headers: req.headers,
        body,
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-origin': name,
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startGateway(
  ir: GatewayIR,
  opts: Partial<GatewayOptions> = {},
): Promise<{ gateway: Gateway; base: string; port: number }> {
  const gateway = createGateway({
    ir,
    listen: { host: '127.0.0.1', port: 0 },
    processMetrics: false,
    ...opts,
  });
  await gateway.start();
  const addr = gateway.address();
  if (!addr) throw new Error('gateway has no address');
  return { gateway, base: `http://127.0.0.1:${addr.port}`, port: addr.port };
}

// ---------------------------------------------------------------------------------------------
// Clients

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<
    T = { origin: string; method: string; url: string; headers: Record<string, string>; body: string },
  >(): T;
}

export async function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const res = await request(url, {
    method: (opts.method ?? 'GET') as 'GET',
    headers: opts.headers,
    body: opts.body,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text),
  };
}

/** Sends raw bytes over a fresh TCP connection and returns everything received until close. */
export function rawExchange(port: number, payload: string | Buffer, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(payload));
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Status code of the first response in a raw HTTP/1.1 exchange (0 when none). */
export function rawStatus(response: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return m ? Number(m[1]) : 0;
}
