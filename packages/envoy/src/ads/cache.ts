import type { Snapshot } from './snapshot.js';
import type { XdsNode } from './wire.js';

/** Maps a client node to the snapshot group it is served from. */
export type NodeGroupFn = (node: XdsNode) => string;

/** The group every node belongs to unless a {@link NodeGroupFn} says otherwise. */
export const DEFAULT_GROUP = 'default';

/** Something that wants to hear about new snapshots of a group (an open stream). */
export interface SnapshotWatcher {
  onSnapshot(snapshot: Snapshot): void;
}

/**
 * One snapshot per node group (go-control-plane's SnapshotCache, keyed by a node hash). Many
 * clients share a group and therefore the same encoded bytes.
 *
 * @example
 * ```ts
 * const cache = new SnapshotCache();
 * cache.set('default', snapshot); // every watcher of 'default' gets it, in push order
 * ```
 */
export class SnapshotCache {
  readonly #snapshots = new Map<string, Snapshot>();
  readonly #watchers = new Map<string, Set<SnapshotWatcher>>();

  get(group: string): Snapshot | undefined {
    return this.#snapshots.get(group);
  }

  /** Publishes a snapshot and notifies the group's watchers. */
  set(group: string, snapshot: Snapshot): void {
    this.#snapshots.set(group, snapshot);
    for (const w of [...(this.#watchers.get(group) ?? [])]) w.onSnapshot(snapshot);
  }

  /** Removes a group's snapshot (its streams keep what they have). */
  delete(group: string): boolean {
    return this.#snapshots.delete(group);
  }

  groups(): string[] {
    return [...this.#snapshots.keys()].sort();
  }

  /** Watches a group; returns the function that stops watching. */
  watch(group: string, watcher: SnapshotWatcher): () => void {
    let set = this.#watchers.get(group);
    if (!set) {
      set = new Set();
      this.#watchers.set(group, set);
    }
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.#watchers.delete(group);
    };
  }
}
