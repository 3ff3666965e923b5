import type { NodeGroupFn, SnapshotCache } from './cache.js';
import type { AckEvent, AdsLogger, AdsMetrics, NackEvent } from './events.js';
import type { XdsNode } from './wire.js';

/** What a stream needs from the server that owns it. */
export interface StreamHost {
  readonly cache: SnapshotCache;
  readonly nodeGroup: NodeGroupFn;
  readonly maxResponseBytes: number;
  readonly metrics: AdsMetrics;
  readonly log: AdsLogger;
  ack(e: AckEvent): void;
  nack(e: NackEvent): void;
  streamIdentified(stream: { node?: XdsNode; group?: string }): void;
  streamClosed(stream: { node?: XdsNode; group?: string }): void;
}
