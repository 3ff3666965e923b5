/**
 * One incremental ADS stream (`DeltaAggregatedResources`).
 *
 * - Per resource versions (hash of the encoding); only resources whose version differs from what
 *   the client holds travel, plus `removed_resources` for ones that went away.
 * - `initial_resource_versions` on a (re)connect seeds what the client holds, so unchanged
 *   resources are not re-sent after a reconnect.
 * - Subscription changes are honoured even when the request's nonce is stale; ACK/NACK pairing
 *   uses the nonce. A NACK rolls back what the stream believes the client holds for that response.
 * - A subscribed name that does not exist is answered in `removed_resources` (fast
 *   does-not-exist). Wildcard only for Listener and Cluster; unsubscribing a name still covered by
 *   the wildcard re-sends it, otherwise it is answered with a removal.
 * - Make-before-break: Cluster → Endpoint → Listener → Route → Secret, cluster removals last.
 *
 * @module
 */
import type { EncodedResource } from '../resources.js';
import { kindOfTypeUrl, PUSH_ORDER, type ResourceKind, WILDCARD_KINDS } from '../type-urls.js';
import type { Snapshot } from './snapshot.js';
import { AdsStream } from './stream.js';
import {
  type DeltaRequest,
  deltaResourcesBlock,
  encodeDeltaResponse,
  framedSize,
  type XdsNode,
} from './wire.js';

interface DeltaTypeState {
  readonly kind: ResourceKind;
  readonly typeUrl: string;
  wildcard: boolean;
  names: Set<string>;
  /** What the client holds: name → version. */
  held: Map<string, string>;
  /** Per in-flight nonce: the previous `held` entries it changed (undefined = absent), for NACK rollback. */
  pending: Map<string, { changes: Map<string, string | undefined>; version: string }>;
  /** Snapshot type version of the newest response the client ACKed. */
  ackedVersion: string;
  /** Versions the client NACKed, by name: not pushed again until they change. */
  rejected: Map<string, string>;
}

/** In-flight responses remembered per type; older ones can no longer be ACKed meaningfully. */
const MAX_PENDING = 64;

export class DeltaStream extends AdsStream<DeltaRequest> {
  readonly #types = new Map<string, DeltaTypeState>();
  #nonce = 0;

  protected onRequest(req: DeltaRequest, node: XdsNode): void {
    const kind = kindOfTypeUrl(req.typeUrl);
    if (!kind) {
      this.host.log.warn(`xds: ${node.id}: ignoring delta request for unsupported type ${req.typeUrl}`);
      return;
    }
    let st = this.#types.get(req.typeUrl);
    const first = !st;
    if (!st) {
      st = {
        kind,
        typeUrl: req.typeUrl,
        wildcard: false,
        names: new Set(),
        held: new Map(),
        pending: new Map(),
        ackedVersion: '',
        rejected: new Map(),
      };
      this.#types.set(req.typeUrl, st);
      for (const [n, v] of Object.entries(req.initialResourceVersions)) st.held.set(n, v);
      // Legacy wildcard: a first request that names nothing.
      if (WILDCARD_KINDS.has(kind) && req.subscribe.length === 0) st.wildcard = true;
    }

    if (req.responseNonce !== '') {
      const pending = st.pending.get(req.responseNonce);
      if (pending) {
        st.pending.delete(req.responseNonce);
        if (req.errorDetail) {
          for (const [name, previous] of pending.changes) {
            const rejected = st.held.get(name);
            if (rejected !== undefined) st.rejected.set(name, rejected);
            if (previous === undefined) st.held.delete(name);
            else st.held.set(name, previous);
          }
          this.host.nack({
            nodeId: node.id,
            flavor: 'delta',
            typeUrl: st.typeUrl,
            kind,
            version: st.ackedVersion,
            rejectedVersion: pending.version,
            nonce: req.responseNonce,
            code: req.errorDetail.code,
            message: req.errorDetail.message,
          });
        } else {
          st.ackedVersion = pending.version;
          this.host.ack({
            nodeId: node.id,
            flavor: 'delta',
            typeUrl: st.typeUrl,
            kind,
            version: pending.version,
            nonce: req.responseNonce,
          });
        }
      } else {
        this.host.metrics.staleRequests++;
      }
    }

    // Subscription changes apply whatever the nonce says.
    const forced = new Set<string>();
    const forcedRemovals = new Set<string>();
    let wildcardAdded = false;
    for (const name of req.subscribe) {
      if (name === '*') {
        if (WILDCARD_KINDS.has(kind) && !st.wildcard) {
          st.wildcard = true;
          wildcardAdded = true;
        }
        continue;
      }
      st.names.add(name);
      // On a (re)connect the client already told us what it holds: only differences travel.
      if (!(first && Object.hasOwn(req.initialResourceVersions, name))) forced.add(name);
    }
    const snapshot = this.group ? this.host.cache.get(this.group) : undefined;
    for (const name of req.unsubscribe) {
      if (name === '*') {
        st.wildcard = false;
        continue;
      }
      st.names.delete(name);
      forced.delete(name);
      st.held.delete(name);
      const type = snapshot?.types[kind];
      if (st.wildcard && type?.items.has(name) && !type.explicitOnly.has(name)) forced.add(name);
      else forcedRemovals.add(name);
    }
    if (first || wildcardAdded || forced.size > 0 || forcedRemovals.size > 0)
      this.#respond(st, forced, forcedRemovals, false);
  }

  onSnapshot(snapshot: Snapshot): void {
    if (this.closed) return;
    for (const kind of PUSH_ORDER) {
      const st = this.#types.get(snapshot.types[kind].typeUrl);
      if (st) this.#respond(st, new Set(), new Set(), kind === 'cluster');
    }
    const cluster = this.#types.get(snapshot.types.cluster.typeUrl);
    if (cluster) this.#respond(cluster, new Set(), new Set(), false);
  }

  #respond(
    st: DeltaTypeState,
    forced: Set<string>,
    forcedRemovals: Set<string>,
    deferRemovals: boolean,
  ): void {
    if (!this.group) return;
    const snapshot = this.host.cache.get(this.group);
    if (!snapshot) return;
    const type = snapshot.types[st.kind];
    const send: EncodedResource[] = [];
    const removed: string[] = [];
    const covered = (name: string) =>
      st.names.has(name) || (st.wildcard && type.items.has(name) && !type.explicitOnly.has(name));
    const candidates = new Set(st.names);
    if (st.wildcard) for (const [name] of type.items) if (!type.explicitOnly.has(name)) candidates.add(name);
    for (const name of candidates) {
      const r = type.items.get(name);
      if (r) {
        if (forced.has(name) || (st.held.get(name) !== r.version && st.rejected.get(name) !== r.version))
          send.push(r);
      } else if (st.held.has(name) || forced.has(name)) {
        removed.push(name);
      }
    }
    for (const name of st.held.keys())
      if (!candidates.has(name) && !covered(name) && !removed.includes(name)) removed.push(name);
    for (const name of forcedRemovals) if (!removed.includes(name) && !covered(name)) removed.push(name);
    const removals = deferRemovals ? [] : removed;
    if (send.length === 0 && removals.length === 0) return;

    // Split so no message exceeds the receive limit; removals ride on the last one.
    const parts: EncodedResource[][] = [[]];
    let size = 0;
    for (const r of send) {
      const n = framedSize(r);
      const current = parts[parts.length - 1] as EncodedResource[];
      if (current.length > 0 && size + n > this.host.maxResponseBytes) {
        parts.push([r]);
        size = n;
      } else {
        current.push(r);
        size += n;
      }
    }
    parts.forEach((part, i) => {
      const nonce = String(++this.#nonce);
      const gone = i === parts.length - 1 ? removals : [];
      const changes = new Map<string, string | undefined>();
      for (const r of part) {
        changes.set(r.name, st.held.get(r.name));
        st.held.set(r.name, r.version);
        if (st.rejected.get(r.name) !== r.version) st.rejected.delete(r.name);
      }
      for (const name of gone) {
        changes.set(name, st.held.get(name));
        st.held.delete(name);
      }
      st.pending.set(nonce, { changes, version: type.version });
      if (st.pending.size > MAX_PENDING) st.pending.delete(st.pending.keys().next().value as string);
      // Streams sending the same resources share one encoded block.
      const key = `delta\u0000${part.map((r) => `${r.name}\u0000${r.version}`).join('\u0000')}`;
      let block = type.blocks.get(key);
      if (!block) {
        block = deltaResourcesBlock(part);
        if (type.blocks.size >= 64) type.blocks.clear();
        type.blocks.set(key, block);
      }
      const message = encodeDeltaResponse(type.version, block, gone, st.typeUrl, nonce);
      this.send(message, part.length);
    });
  }
}
