import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../types.js';
import { Backoff, errorMessage, errorStatus } from './backoff.js';
import type { WatchedKind } from './kinds.js';

export interface InformerHandlers {
  upsert(kind: WatchedKind, obj: KubeObject): void;
  remove(kind: WatchedKind, obj: KubeObject): void;
  /** A list or watch failed; the informer retries after `retryInMs`. */
  error(kind: WatchedKind, namespace: string | undefined, message: string, retryInMs: number): void;
}

export interface InformerTiming {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often to look again for an optional API that is not served (CRDs not installed). */
  missingApiRetryMs: number;
}

/**
 * One kind in one namespace (or all namespaces), on client-node's ListWatch. ListWatch relists
 * by itself after `410 Gone` and resumes from the last resourceVersion when a watch ends cleanly;
 * on any other error it stops, so this wrapper restarts it with backoff. A restart resumes the
 * watch from the last resourceVersion it saw (or relists when the server says that version is
 * gone), so an event that happened while the connection was down is still delivered.
 */
export class KindInformer {
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly backoff: Backoff;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private syncedResolve!: () => void;
  /** Resolves after the first successful list (or when an optional API is found missing). */
  readonly synced: Promise<void>;
  private isSynced = false;

  constructor(
    kc: KubeConfig,
    readonly kind: WatchedKind,
    readonly namespace: string | undefined,
    private readonly handlers: InformerHandlers,
    private readonly timing: InformerTiming,
  ) {
    this.backoff = new Backoff(timing.backoffBaseMs, timing.backoffMaxMs);
    this.synced = new Promise((resolve) => {
      this.syncedResolve = resolve;
    });
    const listFn = async () => {
      const result = await kind.list(namespace);
      this.backoff.reset();
      // ListWatch adds the items right after this promise settles; mark synced after that.
      setImmediate(() => this.markSynced());
      return result as unknown as { metadata?: { resourceVersion?: string }; items: KubernetesObject[] };
    };
    this.lw = new ListWatch<KubernetesObject>(
      kind.path(namespace),
      new Watch(kc),
      listFn as never,
      false,
      undefined,
      kind.fieldSelector,
    );
    const upsert = (obj: KubernetesObject) => {
      this.backoff.reset();
      handlers.upsert(kind, withType(kind, obj));
    };
    this.lw.on('add', upsert);
    this.lw.on('update', upsert);
    this.lw.on('delete', (obj) => handlers.remove(kind, withType(kind, obj)));
    this.lw.on('error', (err) => this.onError(err));
  }

  start(): void {
    this.stopped = false;
    void this.lw.start().catch((err: unknown) => this.onError(err));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    void this.lw.stop();
    this.markSynced();
  }

  /** Objects currently known. */
  list(): KubeObject[] {
    return this.lw.list().map((o) => withType(this.kind, o));
  }

  private markSynced(): void {
    if (this.isSynced) return;
    this.isSynced = true;
    this.syncedResolve();
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    const status = errorStatus(err);
    let delay: number;
    if (this.kind.optional && status === 404) {
      // The API is not served (CRDs not installed): treat as empty and look again later.
      this.markSynced();
      delay = this.timing.missingApiRetryMs;
    } else {
      delay = this.backoff.next();
    }
    this.handlers.error(
      this.kind,
      this.namespace,
      `${status ? `${status} ` : ''}${errorMessage(err)}`,
      delay,
    );
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.start();
    }, delay);
    this.timer.unref?.();
  }
}

function withType(kind: WatchedKind, obj: KubernetesObject): KubeObject {
  const o = obj as KubeObject;
  if (!o.apiVersion) o.apiVersion = kind.apiVersion;
  if (!o.kind) o.kind = kind.kind;
  return o;
}
