import pino, { type Logger } from 'pino';

/**
 * Structured JSON access logs through pino. The entry object is only built when logging is on
 * and the request is sampled, and the default destination is pino's asynchronous one (buffered
 * writes off the request path).
 */
export interface AccessLogOptions {
  /** Log every request (1, default), a fraction (0 < r < 1), or none (0). */
  sampleRate?: number;
}

export interface AccessLogEntry {
  method: string;
  path: string;
  authority: string;
  protocol: string;
  status: number;
  route?: string;
  cluster?: string;
  upstream?: string;
  durationMs: number;
  upstreamMs?: number;
  retries?: number;
  client: string;
  requestId?: string;
  reason?: string;
  bytesOut?: number;
}

/** One line per closed TCP (L4) connection, written with `msg: 'access'` like HTTP entries. */
export interface TcpAccessLogEntry {
  protocol: 'tcp';
  /** IR listener name the connection arrived on. */
  listener: string;
  /** TCP route name (`namespace/name` of the TCPMapping); absent when no route matched. */
  route?: string;
  cluster?: string;
  /** `host:port` of the upstream endpoint connected to. */
  upstream?: string;
  /** SNI read from the ClientHello (passthrough) or the TLS handshake (termination). */
  sni?: string;
  client: string;
  /** Bytes received from the client. */
  bytesIn: number;
  /** Bytes sent to the client. */
  bytesOut: number;
  durationMs: number;
  /** Why the connection ended early: no-route, circuit-open, connect-failure, idle-timeout, ... */
  reason?: string;
}

export class AccessLog {
  readonly enabled: boolean;
  private readonly sampleRate: number;

  constructor(
    private readonly logger: Logger | undefined,
    opts: AccessLogOptions | false | undefined,
  ) {
    this.sampleRate = opts === false ? 0 : (opts?.sampleRate ?? 1);
    this.enabled = logger !== undefined && this.sampleRate > 0;
  }

  /** Cheap check before building an entry. */
  sampled(): boolean {
    return this.enabled && (this.sampleRate >= 1 || Math.random() < this.sampleRate);
  }

  write(entry: AccessLogEntry | TcpAccessLogEntry): void {
    this.logger?.info(entry, 'access');
  }
}

/**
 * A pino logger writing JSON lines asynchronously to stdout (or another fd), as `gateway serve`
 * uses it. Call `logger.flush()` before exiting.
 *
 * @example
 * ```ts
 * const logger = createJsonLogger({ level: 'info' });
 * const gateway = createGateway({ ir, logger });
 * ```
 */
export function createJsonLogger(opts: { level?: string; fd?: number; sync?: boolean } = {}): Logger {
  return pino(
    { level: opts.level ?? 'info', base: { pid: process.pid } },
    pino.destination({ dest: opts.fd ?? 1, sync: opts.sync ?? false, minLength: opts.sync ? 0 : 4096 }),
  );
}

export type { Logger };
