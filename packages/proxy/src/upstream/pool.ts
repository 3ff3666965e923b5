import type { IRCluster } from '@gateway/core';
import { Pool } from 'undici';
import type { UpstreamDispatcher } from './dispatch-handler.js';
import { H1Pool } from './h1-pool.js';
import { H2Pool } from './h2-pool.js';
import type { UpstreamTlsOptions } from './tls.js';

export type { UpstreamDispatcher } from './dispatch-handler.js';

/** How connections to one endpoint are made; equal keys mean a pool can be reused as is. */
export interface PoolConfig {
  /** `h1`: HTTP/1.1; `h2`: HTTP/2 (ALPN over TLS, prior knowledge (h2c) in cleartext); `auto`: ALPN over TLS, else HTTP/1.1. */
  mode: 'h1' | 'h2' | 'auto';
  tls?: UpstreamTlsOptions;
  connectTimeoutMs: number;
  /** Keep-alive idle timeout for pooled connections. */
  idleTimeoutMs: number;
  /** Max connection lifetime; 0 = unlimited. */
  maxConnectionLifetimeMs: number;
  /** Connection cap for this endpoint (its share of the cluster's `maxConnections`). */
  connections: number;
  /** TCP keepalive initial delay in ms; 0 = OS default. */
  tcpKeepaliveDelayMs: number;
}

/** undici's connect timeout default, used when the IR says 0. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Keep-alive timeout when the cluster has none and the server sends no `Keep-Alive` hint. */
const DEFAULT_KEEPALIVE_MS = 4_000;

/**
 * The pool mode for a cluster: gRPC and `http2` clusters speak HTTP/2; `auto` negotiates over
 * TLS and stays on HTTP/1.1 in cleartext.
 */
export function poolMode(cluster: IRCluster): PoolConfig['mode'] {
  if (cluster.protocol === 'http2') return 'h2';
  if (cluster.protocol === 'auto' && cluster.tls) return 'auto';
  return 'h1';
}

/** A stable key for a pool's configuration (TLS material included), used to reuse pools across updates. */
export function poolConfigKey(config: PoolConfig): string {
  const t = config.tls;
  return JSON.stringify([
    config.mode,
    config.connectTimeoutMs,
    config.idleTimeoutMs,
    config.maxConnectionLifetimeMs,
    config.connections,
    config.tcpKeepaliveDelayMs,
    t ? [t.servername ?? '', t.rejectUnauthorized, t.ca ?? '', t.cert ?? '', t.key ?? ''] : null,
  ]);
}

/** `scheme://host:port` for an endpoint, bracketing IPv6 literals. */
export function endpointOrigin(host: string, port: number, tls: boolean): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** node:net / node:tls connect options shared by pools and health-check clients. */
export function connectOptions(config: PoolConfig): Record<string, unknown> {
  const connect: Record<string, unknown> = {
    timeout: config.connectTimeoutMs > 0 ? config.connectTimeoutMs : DEFAULT_CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
  if (config.tcpKeepaliveDelayMs > 0) connect.keepAliveInitialDelay = config.tcpKeepaliveDelayMs;
  const t = config.tls;
  if (t) {
    connect.rejectUnauthorized = t.rejectUnauthorized;
    if (t.servername !== undefined) connect.servername = t.servername;
    if (t.ca !== undefined) connect.ca = t.ca;
    if (t.cert !== undefined) connect.cert = t.cert;
    if (t.key !== undefined) connect.key = t.key;
  } else if (config.mode === 'h2') {
    // Cleartext HTTP/2 with prior knowledge (h2c), which is what gRPC backends speak.
    connect.useH2c = true;
  }
  return connect;
}

function keepAliveOptions(config: PoolConfig) {
  const keepAliveTimeout = config.idleTimeoutMs > 0 ? config.idleTimeoutMs : DEFAULT_KEEPALIVE_MS;
  return { keepAliveTimeout, keepAliveMaxTimeout: Math.max(keepAliveTimeout, 600_000) };
}

/**
 * The connection pool for one endpoint. HTTP/1.1 uses {@link H1Pool} (keep-alive connections on
 * node:net/node:tls that never pipeline: head-of-line blocking would make retries unsafe); `auto`
 * over TLS uses an undici `Pool` so ALPN can pick h2 with one stream per connection. HTTP/2 uses {@link H2Pool} (node:http2,
 * h2c prior knowledge in cleartext), which multiplexes streaming requests as gRPC needs.
 *
 * @example
 * ```ts
 * const pool = createEndpointPool('127.0.0.1', 8080, { mode: 'h1', connectTimeoutMs: 1000,
 *   idleTimeoutMs: 0, maxConnectionLifetimeMs: 0, connections: 64, tcpKeepaliveDelayMs: 0 });
 * ```
 */
export function createEndpointPool(host: string, port: number, config: PoolConfig): UpstreamDispatcher {
  const origin = endpointOrigin(host, port, config.tls !== undefined);
  if (config.mode === 'h2') {
    const options: ConstructorParameters<typeof H2Pool>[1] = {
      connectTimeoutMs: config.connectTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxConnectionLifetimeMs: config.maxConnectionLifetimeMs,
      maxSessions: config.connections,
      tcpKeepaliveDelayMs: config.tcpKeepaliveDelayMs,
    };
    if (config.tls) options.tls = config.tls;
    return new H2Pool(origin, options);
  }
  if (config.mode === 'h1') {
    return new H1Pool(host, port, {
      ...(config.tls ? { tls: config.tls } : {}),
      connectTimeoutMs: config.connectTimeoutMs,
      idleTimeoutMs: keepAliveOptions(config).keepAliveTimeout,
      maxConnectionLifetimeMs: config.maxConnectionLifetimeMs,
      connections: Math.max(config.connections, 0),
      tcpKeepaliveDelayMs: config.tcpKeepaliveDelayMs,
    });
  }
  // `auto` (ALPN over TLS may pick h2): undici negotiates and speaks either.
  return new Pool(origin, {
    connections: config.connections > 0 ? config.connections : null,
    pipelining: 1,
    allowH2: config.mode === 'auto',
    connect: connectOptions(config),
    clientTtl: config.maxConnectionLifetimeMs > 0 ? config.maxConnectionLifetimeMs : null,
    ...keepAliveOptions(config),
  });
}
