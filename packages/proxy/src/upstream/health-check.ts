import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { IRHealthCheck } from '@gateway/core';
import { type Dispatcher, util as undiciUtil } from 'undici';
import { createEndpointPool, type PoolConfig, type UpstreamDispatcher } from './pool.js';

/** What the checker needs to know about an endpoint. */
export interface HealthTarget {
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** Result of one probe. */
interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** gRPC health `ServingStatus.SERVING`. */
const GRPC_SERVING = 1;

/** One endpoint x one check: counters, timer and the probe's own connection. */
class CheckState<T extends HealthTarget> {
  consecutiveOk = 0;
  consecutiveFail = 0;
  timer: NodeJS.Timeout | null = null;
  client: UpstreamDispatcher | null = null;
  stopped = false;

  constructor(
    readonly target: T,
    readonly index: number,
    public failing: boolean,
  ) {}
}

export interface HealthCheckHooks<T extends HealthTarget> {
  /** Called when check `index` flips between passing and failing for an endpoint. */
  changed(target: T, index: number, failing: boolean, detail: string): void;
}

/**
 * Encodes `grpc.health.v1.HealthCheckRequest { string service = 1; }` as one gRPC message frame
 * (no protobuf library needed for a one-field message).
 */
export function encodeGrpcHealthRequest(service: string | undefined): Buffer {
  const name = Buffer.from(service ?? '', 'utf8');
  const lenBytes: number[] = [];
  let n = name.length;
  do {
    lenBytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const message = name.length > 0 ? Buffer.concat([Buffer.from([0x0a, ...lenBytes]), name]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** Decodes `HealthCheckResponse.status` from a gRPC message frame; -1 when malformed. */
export function decodeGrpcHealthStatus(frame: Buffer): number {
  if (frame.length < 5 || frame[0] !== 0) return -1;
  const len = frame.readUInt32BE(1);
  const end = 5 + len;
  if (frame.length < end) return -1;
  let i = 5;
  let status = 0; // proto3 default: UNKNOWN
  while (i < end) {
    const tag = frame[i++]!;
    const wire = tag & 7;
    let value = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        if (i >= end) return -1;
        const b = frame[i++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      if (tag >>> 3 === 1) status = value;
    } else if (wire === 2) {
      for (;;) {
        if (i >= end) return -1;
        const b = frame[i++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      i += value;
    } else {
      return -1;
    }
  }
  return status;
}

interface ProbeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  trailers: Record<string, unknown>;
}

/** Collects a whole (small) response through the same dispatch-handler protocol the proxy uses. */
class ProbeHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private readonly chunks: Buffer[] = [];
  private abortFn: ((err?: Error) => void) | null = null;
  private readonly timer: NodeJS.Timeout;
  private settled = false;

  constructor(
    private readonly resolve: (r: ProbeResponse) => void,
    private readonly reject: (err: Error) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(
      () => this.fail(new Error(`health check timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.timer.unref();
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.abortFn?.(err);
    this.reject(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
  }

  onHeaders(status: number, raw: Buffer[]): boolean {
    if (status < 200) return true;
    this.status = status;
    this.headers = undiciUtil.parseHeaders(raw) as Record<string, string | string[]>;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks.length < 64) this.chunks.push(chunk);
    return true;
  }

  onComplete(trailers: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const t = Array.isArray(trailers)
      ? (undiciUtil.parseHeaders(trailers as Buffer[]) as Record<string, unknown>)
      : ((trailers as Record<string, unknown> | null) ?? {});
    this.resolve({
      status: this.status,
      headers: this.headers,
      body: Buffer.concat(this.chunks),
      trailers: t,
    });
  }

  onError(err: Error): void {
    this.fail(err);
  }
}

function probeRequest(
  dispatcher: UpstreamDispatcher,
  options: Dispatcher.DispatchOptions,
  timeoutMs: number,
): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new ProbeHandler(resolve, reject, Math.max(1, timeoutMs)));
  });
}

function statusExpected(status: number, ranges: Array<[number, number]>): boolean {
  if (ranges.length === 0) return status === 200;
  for (const [start, end] of ranges) if (status >= start && status < end) return true;
  return false;
}

/**
 * Active health checking for one cluster (Envoy semantics): every `intervalMs` each endpoint is
 * probed (HTTP GET with an expected status range, the gRPC health protocol, or a TCP connect),
 * with `timeoutMs` per probe. `unhealthyThreshold` consecutive failures mark the endpoint's check
 * failing; `healthyThreshold` consecutive successes clear it. An endpoint is routable only while
 * all its checks pass. Probes use their own connection per endpoint; timers are unref'd and
 * everything stops on {@link HealthChecker.stop}.
 *
 * @example
 * ```ts
 * const hc = new HealthChecker(cluster.healthChecks, poolConfig, 'quote.default', hooks);
 * hc.add(endpoint); // probes start immediately
 * hc.stop();
 * ```
 */
export class HealthChecker<T extends HealthTarget> {
  private readonly checks: readonly IRHealthCheck[];
  private readonly poolConfig: PoolConfig;
  private readonly defaultHost: string | undefined;
  private readonly hooks: HealthCheckHooks<T>;
  private readonly states = new Map<T, CheckState<T>[]>();
  private stopped = false;

  constructor(
    checks: readonly IRHealthCheck[],
    poolConfig: PoolConfig,
    defaultHost: string | undefined,
    hooks: HealthCheckHooks<T>,
  ) {
    this.checks = checks;
    this.poolConfig = poolConfig;
    this.defaultHost = defaultHost;
    this.hooks = hooks;
    const sni = poolConfig.tls?.servername;
    // undici would otherwise take SNI from the Host header.
    this.servername = sni === undefined ? {} : { servername: sni };
  }

  private readonly servername: { servername?: string };

  /**
   * Starts probing an endpoint. `failing` carries check state over from a previous cluster
   * version (index -> failing), so a reload does not make a known-bad endpoint routable.
   */
  add(target: T, failing?: readonly boolean[]): void {
    if (this.stopped || this.states.has(target)) return;
    const states = this.checks.map((_, i) => new CheckState(target, i, failing?.[i] ?? false));
    this.states.set(target, states);
    for (const s of states) this.schedule(s, 0);
  }

  /** Stops probing an endpoint (it left the cluster). */
  remove(target: T): void {
    const states = this.states.get(target);
    if (!states) return;
    this.states.delete(target);
    for (const s of states) this.stopState(s);
  }

  /** Per-check failing flags for an endpoint (to carry over into a new cluster version). */
  failingFlags(target: T): boolean[] | undefined {
    return this.states.get(target)?.map((s) => s.failing);
  }

  stop(): void {
    this.stopped = true;
    for (const states of this.states.values()) for (const s of states) this.stopState(s);
    this.states.clear();
  }

  private stopState(s: CheckState<T>): void {
    s.stopped = true;
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    const client = s.client;
    s.client = null;
    if (client) client.destroy().catch(() => {});
  }

  private schedule(s: CheckState<T>, delayMs: number): void {
    if (s.stopped) return;
    s.timer = setTimeout(() => {
      s.timer = null;
      this.probe(s).then(
        (r) => this.record(s, r),
        (err: Error) => this.record(s, { ok: false, detail: err.message }),
      );
    }, delayMs);
    s.timer.unref();
  }

  private record(s: CheckState<T>, r: ProbeResult): void {
    if (s.stopped) return;
    const check = this.checks[s.index]!;
    if (r.ok) {
      s.consecutiveOk++;
      s.consecutiveFail = 0;
      if (s.failing && s.consecutiveOk >= Math.max(1, check.healthyThreshold)) {
        s.failing = false;
        this.hooks.changed(s.target, s.index, false, r.detail);
      }
    } else {
      s.consecutiveFail++;
      s.consecutiveOk = 0;
      if (!s.failing && s.consecutiveFail >= Math.max(1, check.unhealthyThreshold)) {
        s.failing = true;
        this.hooks.changed(s.target, s.index, true, r.detail);
      }
    }
    this.schedule(s, Math.max(1, check.intervalMs));
  }

  private probe(s: CheckState<T>): Promise<ProbeResult> {
    const check = this.checks[s.index]!;
    const kind = check.check.kind;
    if (kind === 'tcp') return this.probeTcp(s.target, check.timeoutMs);
    if (!s.client) {
      // The probe's own one-connection pool, so checks measure the endpoint and not the traffic queue.
      const mode = kind === 'grpc' ? 'h2' : this.poolConfig.mode;
      s.client = createEndpointPool(s.target.host, s.target.port, {
        ...this.poolConfig,
        mode,
        connections: 1,
      });
    }
    return kind === 'grpc' ? this.probeGrpc(s, check) : this.probeHttp(s, check);
  }

  private async probeHttp(s: CheckState<T>, check: IRHealthCheck): Promise<ProbeResult> {
    const c = check.check as Extract<IRHealthCheck['check'], { kind: 'http' }>;
    const res = await probeRequest(
      s.client!,
      {
        method: 'GET',
        path: c.path,
        headers: {
          host: c.host ?? this.defaultHost ?? s.target.address,
          'user-agent': 'gateway-health-check',
        },
        headersTimeout: check.timeoutMs,
        bodyTimeout: check.timeoutMs,
        ...this.servername,
      },
      check.timeoutMs,
    );
    return { ok: statusExpected(res.status, c.expectedStatuses), detail: `GET ${c.path} -> ${res.status}` };
  }

  private async probeGrpc(s: CheckState<T>, check: IRHealthCheck): Promise<ProbeResult> {
    const c = check.check as Extract<IRHealthCheck['check'], { kind: 'grpc' }>;
    const res = await probeRequest(
      s.client!,
      {
        method: 'POST',
        path: '/grpc.health.v1.Health/Check',
        headers: {
          host: c.authority ?? this.defaultHost ?? s.target.address,
          'content-type': 'application/grpc',
          te: 'trailers',
          'user-agent': 'gateway-health-check',
        },
        body: encodeGrpcHealthRequest(c.serviceName),
        headersTimeout: check.timeoutMs,
        bodyTimeout: check.timeoutMs,
        ...this.servername,
      },
      check.timeoutMs,
    );
    const grpcStatus = res.trailers['grpc-status'] ?? res.headers['grpc-status'];
    if (res.status !== 200) return { ok: false, detail: `gRPC health: HTTP ${res.status}` };
    if (grpcStatus !== '0') return { ok: false, detail: `gRPC health: grpc-status ${String(grpcStatus)}` };
    const status = decodeGrpcHealthStatus(res.body);
    return { ok: status === GRPC_SERVING, detail: `gRPC health: serving status ${status}` };
  }

  private probeTcp(target: T, timeoutMs: number): Promise<ProbeResult> {
    return new Promise((resolve) => {
      const tls = this.poolConfig.tls;
      let socket: Socket;
      const done = (ok: boolean, detail: string) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ ok, detail });
      };
      const timer = setTimeout(
        () => done(false, `connect timeout after ${timeoutMs} ms`),
        Math.max(1, timeoutMs),
      );
      timer.unref();
      if (tls) {
        socket = tlsConnect({
          host: target.host,
          port: target.port,
          servername: tls.servername,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: tls.rejectUnauthorized,
        });
        socket.once('secureConnect', () => done(true, 'TLS connect ok'));
      } else {
        socket = netConnect({ host: target.host, port: target.port });
        socket.once('connect', () => done(true, 'TCP connect ok'));
      }
      socket.once('error', (err) => done(false, err.message));
    });
  }
}
