/**
 * What a State-of-the-World and an incremental ADS stream have in common: the lifetime of the
 * gRPC call, reading the node from the first request (and with it the node group the stream
 * watches), and counting what is written.
 *
 * @module
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { SnapshotWatcher } from './cache.js';
import type { StreamHost } from './host.js';
import type { Snapshot } from './snapshot.js';
import type { XdsNode } from './wire.js';

/** The node of a client that sent none: an empty id, in the default group. */
function anonymousNode(): XdsNode {
  return {
    id: '',
    cluster: '',
    userAgentName: '',
    userAgentVersion: '',
    clientFeatures: [],
    metadata: {},
  };
}

/**
 * One ADS stream of either flavour. Subclasses answer requests ({@link AdsStream.onRequest}) and
 * new snapshots; this base class owns the call, the node and the cache watch.
 *
 * @example
 * ```ts
 * class EchoStream extends AdsStream<SotwRequest> {
 *   protected onRequest(req: SotwRequest, node: XdsNode): void {
 *     this.host.log.info(`${node.id} asked for ${req.typeUrl}`);
 *   }
 *   onSnapshot(): void {}
 * }
 * ```
 */
export abstract class AdsStream<Req extends { node?: XdsNode }> implements SnapshotWatcher {
  /** The client's node, from its first request. */
  node?: XdsNode;
  /** The node group whose snapshots this stream serves (known once the node is). */
  group?: string;
  protected readonly host: StreamHost;
  readonly #call: ServerDuplexStream<Req, Buffer>;
  #unwatch?: () => void;
  #closed = false;

  constructor(call: ServerDuplexStream<Req, Buffer>, host: StreamHost) {
    this.#call = call;
    this.host = host;
    call.on('data', (req: Req) => this.#receive(req));
    call.on('end', () => {
      this.close();
      call.end();
    });
    call.on('error', () => this.close());
    call.on('cancelled', () => this.close());
  }

  /** Ends the stream (server shutdown). */
  end(): void {
    if (this.#closed) return;
    this.close();
    this.#call.end();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch?.();
    this.host.streamClosed(this);
  }

  /** The stream was closed: nothing more is sent. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** A request on an open stream whose node is known. */
  protected abstract onRequest(req: Req, node: XdsNode): void;

  /** A new snapshot for this stream's group. */
  abstract onSnapshot(snapshot: Snapshot): void;

  /** Writes one encoded response of `resources` resources and counts it. */
  protected send(message: Buffer, resources: number): void {
    this.host.metrics.responses++;
    this.host.metrics.resourcesSent += resources;
    this.host.metrics.bytesSent += message.length;
    this.#call.write(message);
  }

  #receive(req: Req): void {
    if (this.#closed) return;
    this.host.metrics.requests++;
    if (!this.node) {
      // The node travels on the first request only; the stream keeps it.
      this.node = req.node ?? anonymousNode();
      this.group = this.host.nodeGroup(this.node);
      this.#unwatch = this.host.cache.watch(this.group, this);
      this.host.streamIdentified(this);
    }
    this.onRequest(req, this.node);
  }
}
