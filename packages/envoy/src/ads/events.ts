import type { ResourceKind } from '../type-urls.js';

/** A client rejected a response. The client keeps running its last accepted version. */
export interface NackEvent {
  nodeId: string;
  /** `sotw` (StreamAggregatedResources) or `delta` (DeltaAggregatedResources). */
  flavor: 'sotw' | 'delta';
  typeUrl: string;
  kind: ResourceKind;
  /** The version the client still runs (SotW `version_info`; for Delta the snapshot it last accepted). */
  version: string;
  /** The version it rejected. */
  rejectedVersion: string;
  nonce: string;
  /** `error_detail.code` and `.message`, the client's own words. */
  code: number;
  message: string;
}

/** A client accepted a response. */
export interface AckEvent {
  nodeId: string;
  flavor: 'sotw' | 'delta';
  typeUrl: string;
  kind: ResourceKind;
  version: string;
  nonce: string;
}

/** Counters exposed by {@link AdsServer.metrics}. */
export interface AdsMetrics {
  streamsOpened: number;
  streamsActive: number;
  requests: number;
  staleRequests: number;
  responses: number;
  resourcesSent: number;
  bytesSent: number;
  acks: number;
  nacks: number;
  nacksByType: Partial<Record<ResourceKind, number>>;
  snapshotsPublished: number;
  appliesRejected: number;
}

/** Where the server writes log lines. */
export interface AdsLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function emptyMetrics(): AdsMetrics {
  return {
    streamsOpened: 0,
    streamsActive: 0,
    requests: 0,
    staleRequests: 0,
    responses: 0,
    resourcesSent: 0,
    bytesSent: 0,
    acks: 0,
    nacks: 0,
    nacksByType: {},
    snapshotsPublished: 0,
    appliesRejected: 0,
  };
}
