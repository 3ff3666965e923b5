import { EventEmitter } from 'node:events';
import type { ApplyResult, ConfigSink, Diagnostic, GatewayIR } from '@gateway/core';
import * as grpc from '@grpc/grpc-js';
import type { TranslateOptions } from '../types.js';
import { DEFAULT_GROUP, type NodeGroupFn, SnapshotCache } from './cache.js';
import { DeltaStream } from './delta.js';
import { type AckEvent, type AdsLogger, type AdsMetrics, emptyMetrics, type NackEvent } from './events.js';
import type { StreamHost } from './host.js';
import { type Snapshot, snapshotFromIR } from './snapshot.js';
import { SotwStream } from './sotw.js';
import { ADS_SERVICE, type DeltaRequest, type SotwRequest, type XdsNode } from './wire.js';

/** gRPC's default receive limit (4 MiB) minus room for the response envelope. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

export interface AdsServerOptions {
  /** Node → snapshot group. Default: every node shares {@link DEFAULT_GROUP}. */
  nodeGroup?: NodeGroupFn;
  /** Group {@link AdsServer.apply} publishes to. Default {@link DEFAULT_GROUP}. */
  group?: string;
  /** Responses carrying Route/Endpoint/Secret (and all Delta responses) are split above this size. */
  maxResponseBytes?: number;
  /** Log sink; default writes warnings and errors to stderr. */
  logger?: AdsLogger;
  /** Options passed to {@link translate} by {@link AdsServer.apply}. */
  translate?: Omit<TranslateOptions, 'mode'>;
  /** Extra gRPC server options. */
  grpcOptions?: grpc.ServerOptions;
}

/** Information about one connected client stream. */
export interface AdsClientInfo {
  nodeId: string;
  group: string;
  flavor: 'sotw' | 'delta';
  userAgent: string;
}

const stderrLogger: AdsLogger = {
  info: () => {},
  warn: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};

export interface AdsServer {
  on(event: 'nack', listener: (e: NackEvent) => void): this;
  on(event: 'ack', listener: (e: AckEvent) => void): this;
  on(event: 'snapshot', listener: (e: { group: string; version: string }) => void): this;
  on(event: 'client', listener: (e: AdsClientInfo & { state: 'connected' | 'disconnected' }) => void): this;
  emit(event: 'nack', e: NackEvent): boolean;
  emit(event: 'ack', e: AckEvent): boolean;
  emit(event: 'snapshot', e: { group: string; version: string }): boolean;
  emit(event: 'client', e: AdsClientInfo & { state: 'connected' | 'disconnected' }): boolean;
}

/**
 * An Aggregated Discovery Service for Envoy (SotW or Delta) and gRPC xDS clients (SotW), on
 * @grpc/grpc-js. It is a {@link ConfigSink}: `apply(ir)` translates, encodes and checks a new
 * snapshot and pushes it to every connected client, or keeps the last good one and says why.
 *
 * NACKs are reported as a `nack` event, a log line and the `nacks` counter; the client stays on
 * its last accepted version.
 *
 * @example
 * ```ts
 * const server = new AdsServer();
 * const { port } = await server.listen('127.0.0.1:18000');
 * server.on('nack', (e) => console.error(`${e.nodeId} rejected ${e.kind}: ${e.message}`));
 * const result = await server.apply(ir);
 * // ... later
 * await server.close();
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed EventEmitter overloads
export class AdsServer extends EventEmitter implements ConfigSink {
  readonly cache = new SnapshotCache();
  readonly #metrics: AdsMetrics = emptyMetrics();
  readonly #options: AdsServerOptions;
  readonly #streams = new Set<SotwStream | DeltaStream>();
  readonly #log: AdsLogger;
  #server?: grpc.Server;
  #port?: number;

  constructor(options: AdsServerOptions = {}) {
    super();
    this.#options = options;
    this.#log = options.logger ?? stderrLogger;
  }

  /** Counters (a copy). */
  metrics(): AdsMetrics {
    return {
      ...this.#metrics,
      nacksByType: { ...this.#metrics.nacksByType },
      streamsActive: this.#streams.size,
    };
  }

  /** Connected, identified client streams. */
  clients(): AdsClientInfo[] {
    const out: AdsClientInfo[] = [];
    for (const s of this.#streams) if (s.node) out.push(this.#info(s));
    return out;
  }

  /** The bound port after {@link listen}. */
  get port(): number | undefined {
    return this.#port;
  }

  #info(s: SotwStream | DeltaStream): AdsClientInfo {
    return {
      nodeId: s.node?.id ?? '',
      group: s.group ?? '',
      flavor: s instanceof DeltaStream ? 'delta' : 'sotw',
      userAgent: [s.node?.userAgentName, s.node?.userAgentVersion].filter(Boolean).join(' '),
    };
  }

  #host(): StreamHost {
    return {
      cache: this.cache,
      nodeGroup: this.#options.nodeGroup ?? ((_node: XdsNode) => DEFAULT_GROUP),
      maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      metrics: this.#metrics,
      log: this.#log,
      ack: (e) => {
        this.#metrics.acks++;
        this.emit('ack', e);
      },
      nack: (e) => {
        this.#metrics.nacks++;
        this.#metrics.nacksByType[e.kind] = (this.#metrics.nacksByType[e.kind] ?? 0) + 1;
        this.#log.warn(
          `xds: NACK from ${e.nodeId || '<no id>'} (${e.flavor}) for ${e.kind} version ${e.rejectedVersion} (nonce ${e.nonce}); client stays on ${e.version || '<none>'}: ${e.message}`,
        );
        this.emit('nack', e);
      },
      streamIdentified: (s) => {
        this.emit('client', { ...this.#info(s as SotwStream), state: 'connected' });
      },
      streamClosed: (s) => {
        if (this.#streams.delete(s as SotwStream | DeltaStream)) {
          this.#metrics.streamsActive = this.#streams.size;
          if (s.node) this.emit('client', { ...this.#info(s as SotwStream), state: 'disconnected' });
        }
      },
    };
  }

  /**
   * Starts serving on `address` (`host:port`, port 0 = any). Resolves with the bound port.
   */
  async listen(
    address = '127.0.0.1:0',
    credentials = grpc.ServerCredentials.createInsecure(),
  ): Promise<{ port: number }> {
    if (this.#server) throw new Error('AdsServer is already listening');
    const server = new grpc.Server({ 'grpc.max_send_message_length': -1, ...this.#options.grpcOptions });
    const host = this.#host();
    server.addService(ADS_SERVICE, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<SotwRequest, Buffer>) => {
        this.#opened(new SotwStream(call, host));
      },
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaRequest, Buffer>) => {
        this.#opened(new DeltaStream(call, host));
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.#server = server;
    this.#port = port;
    this.#log.info(`xds: ADS listening on ${address.replace(/:\d+$/, `:${port}`)}`);
    return { port };
  }

  #opened(stream: SotwStream | DeltaStream): void {
    this.#streams.add(stream);
    this.#metrics.streamsOpened++;
    this.#metrics.streamsActive = this.#streams.size;
  }

  /** Publishes a snapshot to a group and pushes it to that group's streams. */
  setSnapshot(group: string, snapshot: Snapshot): void {
    this.cache.set(group, snapshot);
    this.#metrics.snapshotsPublished++;
    this.emit('snapshot', { group, version: snapshot.version });
  }

  /**
   * Translates `ir`, encodes and checks the snapshot, and publishes it. When the IR does not
   * produce a valid, consistent snapshot the previous snapshot stays and `accepted` is false.
   */
  async apply(ir: GatewayIR): Promise<ApplyResult> {
    const group = this.#options.group ?? DEFAULT_GROUP;
    let built: { snapshot?: Snapshot; diagnostics: Diagnostic[] };
    try {
      built = snapshotFromIR(ir, this.#options.translate);
    } catch (e) {
      built = {
        diagnostics: [
          {
            resource: { kind: 'GatewayIR', namespace: '', name: ir.version },
            path: '',
            message: `translation failed: ${(e as Error).message}`,
            severity: 'error',
          },
        ],
      };
    }
    const previous = this.cache.get(group)?.version ?? '';
    if (!built.snapshot) {
      this.#metrics.appliesRejected++;
      this.#log.warn(`xds: IR ${ir.version} rejected; still serving ${previous || 'nothing'}`);
      return { accepted: false, version: previous, diagnostics: built.diagnostics };
    }
    if (previous !== built.snapshot.version) this.setSnapshot(group, built.snapshot);
    return { accepted: true, version: built.snapshot.version, diagnostics: built.diagnostics };
  }

  /**
   * Ends every stream, then shuts the gRPC server down gracefully, forcing it after `timeoutMs`.
   */
  async close(timeoutMs = 2000): Promise<void> {
    for (const s of [...this.#streams]) s.end();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
