/** Events the cluster manager reports for metrics and logs. */
export type UpstreamEventName =
  | 'retry'
  | 'circuit-open'
  | 'ejected'
  | 'upstream-error'
  | 'unejected'
  | 'health-changed'
  | 'config-error';

export type UpstreamListener = (cluster: string, detail: string) => void;

/**
 * A minimal event hub: arrays of listeners per event, and `has()` so hot paths skip building the
 * detail string when nobody listens. A throwing listener never breaks the request that emitted.
 *
 * @example
 * ```ts
 * const events = new UpstreamEvents();
 * events.on('retry', (cluster, detail) => retries.inc({ cluster }));
 * if (events.has('retry')) events.emit('retry', 'cluster_a', 'status 503');
 * ```
 */
export class UpstreamEvents {
  private readonly listeners = new Map<UpstreamEventName, UpstreamListener[]>();

  on(event: UpstreamEventName, fn: UpstreamListener): void {
    const list = this.listeners.get(event);
    if (list) list.push(fn);
    else this.listeners.set(event, [fn]);
  }

  has(event: UpstreamEventName): boolean {
    return this.listeners.has(event);
  }

  emit(event: UpstreamEventName, cluster: string, detail: string): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const fn of list) {
      try {
        fn(cluster, detail);
      } catch {
        // A metrics hook must not take the data path down with it.
      }
    }
  }
}
