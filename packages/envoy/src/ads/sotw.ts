/**
 * One State-of-the-World ADS stream (`StreamAggregatedResources`).
 *
 * Rules implemented (see the xDS protocol and docs/architecture.md):
 * - the node is read from the first request and cached for the stream;
 * - versions are per type URL; every response carries a fresh, stream-scoped nonce;
 * - a request whose nonce is not the newest one sent for its type is stale and ignored;
 * - ACK = request answering the newest nonce without `error_detail`; NACK = with it (the client
 *   stays on its last good version, which the stream remembers and never re-pushes);
 * - subscriptions: answer the intersection of requested and available names, re-send names that
 *   are newly requested, remember requested-but-missing names and push them when they appear;
 *   wildcard only for Listener and Cluster (`*`, or never having named anything);
 * - Listener/Cluster responses carry every subscribed resource (full state); Route/Endpoint/Secret
 *   responses carry only what changed or was newly requested;
 * - on a new snapshot types are pushed Cluster → Endpoint → Listener → Route → Secret, with
 *   clusters that disappeared kept until the new routes are out, then removed.
 *
 * @module
 */
import type { EncodedResource } from '../resources.js';
import {
  FULL_STATE_KINDS,
  kindOfTypeUrl,
  PUSH_ORDER,
  type ResourceKind,
  WILDCARD_KINDS,
} from '../type-urls.js';
import type { Snapshot, SnapshotType } from './snapshot.js';
import { AdsStream } from './stream.js';
import { encodeSotwResponse, framedSize, resourcesBlock, type SotwRequest, type XdsNode } from './wire.js';

interface TypeState {
  readonly kind: ResourceKind;
  readonly typeUrl: string;
  names: Set<string>;
  wildcard: boolean;
  /** The client has named resources explicitly at least once (legacy wildcard no longer applies). */
  named: boolean;
  /** Nonces of the newest push (one per chunk); the last one is the newest. */
  inflight: string[];
  /** Type version of the newest push. */
  sentVersion?: string;
  /** Version the client last ACKed. */
  ackedVersion: string;
  /**
   * What was last sent, by name. Not rolled back on a NACK: the client keeps its last good
   * version and the rejected bytes are not pushed again until they change.
   */
  sent: Map<string, EncodedResource>;
}

const MAX_BLOCK_CACHE = 64;

/** Sends one response per chunk so no message exceeds the client's receive limit. */
function chunk(resources: EncodedResource[], maxBytes: number): EncodedResource[][] {
  const out: EncodedResource[][] = [];
  let current: EncodedResource[] = [];
  let size = 0;
  for (const r of resources) {
    const n = framedSize(r);
    if (current.length > 0 && size + n > maxBytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += n;
  }
  out.push(current);
  return out;
}

export class SotwStream extends AdsStream<SotwRequest> {
  readonly #types = new Map<string, TypeState>();
  #nonce = 0;

  protected onRequest(req: SotwRequest, node: XdsNode): void {
    const kind = kindOfTypeUrl(req.typeUrl);
    if (!kind) {
      this.host.log.warn(`xds: ${node.id}: ignoring request for unsupported type ${req.typeUrl}`);
      return;
    }
    let st = this.#types.get(req.typeUrl);
    if (!st) {
      st = {
        kind,
        typeUrl: req.typeUrl,
        names: new Set(),
        wildcard: false,
        named: false,
        inflight: [],
        ackedVersion: '',
        sent: new Map(),
      };
      this.#types.set(req.typeUrl, st);
    }
    // A nonce from before this stream (a client reconnecting) answers nothing we sent: treat the
    // request as an initial one rather than as stale, or the client would never hear back.
    if (req.responseNonce !== '' && st.inflight.length > 0) {
      if (!st.inflight.includes(req.responseNonce)) {
        this.host.metrics.staleRequests++;
        return;
      }
      const newest = st.inflight[st.inflight.length - 1] === req.responseNonce;
      if (req.errorDetail) {
        this.host.nack({
          nodeId: node.id,
          flavor: 'sotw',
          typeUrl: st.typeUrl,
          kind,
          version: req.versionInfo,
          rejectedVersion: st.sentVersion ?? '',
          nonce: req.responseNonce,
          code: req.errorDetail.code,
          message: req.errorDetail.message,
        });
      } else if (newest) {
        st.ackedVersion = req.versionInfo;
        this.host.ack({
          nodeId: node.id,
          flavor: 'sotw',
          typeUrl: st.typeUrl,
          kind,
          version: req.versionInfo,
          nonce: req.responseNonce,
        });
      }
      // An older chunk of the newest push: its ACK carries nothing the newest one won't.
      if (!newest) return;
    }
    const requested = new Set(req.resourceNames.filter((n) => n !== '*'));
    if (requested.size > 0) st.named = true;
    const wildcard =
      WILDCARD_KINDS.has(kind) &&
      (req.resourceNames.includes('*') || (!st.named && req.resourceNames.length === 0));
    const added = [...requested].filter((n) => !st.names.has(n));
    const wildcardAdded = wildcard && !st.wildcard;
    st.names = requested;
    st.wildcard = wildcard;
    const neverAnswered = st.sentVersion === undefined;
    if (neverAnswered || added.length > 0 || wildcardAdded) this.#respond(st, new Set(added), false);
  }

  /** A new snapshot for this stream's group: push changed types in make-before-break order. */
  onSnapshot(snapshot: Snapshot): void {
    if (this.closed) return;
    const cluster = this.#types.get(snapshot.types.cluster.typeUrl);
    const keepStale = cluster !== undefined && cluster.sentVersion !== snapshot.types.cluster.version;
    for (const kind of PUSH_ORDER) {
      const st = this.#types.get(snapshot.types[kind].typeUrl);
      if (!st || st.sentVersion === snapshot.types[kind].version) continue;
      this.#respond(st, new Set(), kind === 'cluster' && keepStale);
    }
    // Routes no longer point at clusters that disappeared: now they can go.
    if (cluster?.sentVersion?.endsWith('+draining')) this.#respond(cluster, new Set(), false);
  }

  #select(st: TypeState, type: SnapshotType): EncodedResource[] {
    const out: EncodedResource[] = [];
    if (st.wildcard) {
      for (const [name, r] of type.items) if (!type.explicitOnly.has(name) || st.names.has(name)) out.push(r);
      return out;
    }
    for (const name of st.names) {
      const r = type.items.get(name);
      if (r) out.push(r);
    }
    return out;
  }

  #respond(st: TypeState, forced: Set<string>, keepStale: boolean): void {
    if (!this.group) return;
    const snapshot = this.host.cache.get(this.group);
    if (!snapshot) return;
    const type = snapshot.types[st.kind];
    if (!st.wildcard && st.names.size === 0 && st.sentVersion !== undefined) {
      // Unsubscribed from everything of this type: nothing to send.
      st.sentVersion = type.version;
      return;
    }
    let resources = this.#select(st, type);
    let version = type.version;
    const fullState = FULL_STATE_KINDS.has(st.kind);
    if (fullState && keepStale) {
      const current = new Set(resources.map((r) => r.name));
      const stale = [...st.sent.values()].filter(
        (r) => !current.has(r.name) && !type.items.has(r.name) && (st.wildcard || st.names.has(r.name)),
      );
      if (stale.length > 0) {
        resources = [...resources, ...stale];
        version = `${type.version}+draining`;
      }
    }
    if (!fullState) {
      const first = st.sentVersion === undefined;
      resources = resources.filter((r) => forced.has(r.name) || st.sent.get(r.name)?.version !== r.version);
      if (resources.length === 0 && !first) {
        st.sentVersion = version;
        return;
      }
      if (resources.length === 0) return; // nothing to say yet; missing names are remembered
    }
    const chunks = fullState ? [resources] : chunk(resources, this.host.maxResponseBytes);
    const nonces: string[] = [];
    for (const part of chunks) {
      const nonce = String(++this.#nonce);
      nonces.push(nonce);
      const key = `${version}\u0000${part.map((r) => r.name).join('\u0000')}`;
      let block = type.blocks.get(key);
      if (!block) {
        block = resourcesBlock(part);
        if (type.blocks.size >= MAX_BLOCK_CACHE) type.blocks.clear();
        type.blocks.set(key, block);
      }
      const message = encodeSotwResponse(version, block, st.typeUrl, nonce);
      this.send(message, part.length);
    }
    st.inflight = nonces;
    st.sentVersion = version;
    if (fullState) st.sent = new Map(resources.map((r) => [r.name, r]));
    else for (const r of resources) st.sent.set(r.name, r);
  }
}
