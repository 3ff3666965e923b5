import { createHash } from 'node:crypto';
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CoreEvent } from '../types.js';
import { errorMessage, errorStatus } from './backoff.js';

/** The object an Event is about. */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** A problem to report as a Kubernetes Event. */
export interface EventProblem {
  target: EventTarget;
  /** `InvalidConfig` (errors) or `ConfigWarning` (warnings). */
  reason: string;
  message: string;
  type: 'Warning' | 'Normal';
}

const MAX_MESSAGE = 1024;
const MAX_EVENTS_PER_SYNC = 200;
const MAX_REMEMBERED = 10_000;

function eventTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Writes `core/v1` Events for configuration problems, deduplicated: a problem that stays is
 * reported once; one that goes away and comes back bumps the Event's `count` (as client-go's
 * event correlator does). Event names are derived from the problem, so a new leader that reports
 * the same problem finds the existing Event (409) and bumps it instead of adding a duplicate.
 *
 * @example
 * ```ts
 * const recorder = new EventRecorder(kc, { component: 'gateway-controller' });
 * await recorder.sync([{ target, reason: 'InvalidConfig', message: 'spec.prefix: expected …', type: 'Warning' }]);
 * ```
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private active = new Set<string>();
  private readonly counts = new Map<string, { namespace: string; name: string; count: number }>();

  constructor(
    kc: KubeConfig,
    private readonly opts: { component: string; instance?: string; onError?: (message: string) => void },
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  /** Reports the current set of problems; returns how many Events were written. */
  async sync(problems: EventProblem[]): Promise<number> {
    const current = new Map<string, EventProblem>();
    for (const p of problems) current.set(keyOf(p), p);
    const fresh = [...current].filter(([key]) => !this.active.has(key));
    this.active = new Set(current.keys());
    let written = 0;
    for (const [key, problem] of fresh.slice(0, MAX_EVENTS_PER_SYNC)) {
      try {
        await this.emit(key, problem);
        written++;
      } catch (err) {
        // Forget it so the next sync retries this problem.
        this.active.delete(key);
        this.opts.onError?.(
          `writing Event for ${problem.target.kind} ${problem.target.namespace}/${problem.target.name}: ${errorMessage(err)}`,
        );
      }
    }
    // Problems beyond the per-sync cap are retried next time.
    for (const [key] of fresh.slice(MAX_EVENTS_PER_SYNC)) this.active.delete(key);
    return written;
  }

  /** Forget what was reported (a replica that lost leadership starts afresh when it wins again). */
  reset(): void {
    this.active.clear();
  }

  private async emit(key: string, p: EventProblem): Promise<void> {
    const namespace = p.target.namespace || 'default';
    const name = `${p.target.name}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    const known = this.counts.get(key);
    if (known) {
      await this.bump(known.namespace, known.name, known.count + 1);
      known.count++;
      return;
    }
    const now = eventTime();
    const body: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: p.target.apiVersion,
        kind: p.target.kind,
        namespace: p.target.namespace || undefined,
        name: p.target.name,
        ...(p.target.uid ? { uid: p.target.uid } : {}),
      },
      reason: p.reason,
      message: p.message.length > MAX_MESSAGE ? `${p.message.slice(0, MAX_MESSAGE - 1)}…` : p.message,
      type: p.type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.opts.component, ...(this.opts.instance ? { host: this.opts.instance } : {}) },
      reportingComponent: this.opts.component,
      ...(this.opts.instance ? { reportingInstance: this.opts.instance } : {}),
    };
    let count = 1;
    try {
      await this.api.createNamespacedEvent({ namespace, body: body as never });
    } catch (err) {
      if (errorStatus(err) !== 409) throw err;
      const existing = (await this.api.readNamespacedEvent({ name, namespace })) as unknown as CoreEvent;
      count = (existing.count ?? 1) + 1;
      await this.bump(namespace, name, count);
    }
    if (this.counts.size >= MAX_REMEMBERED) this.counts.delete(this.counts.keys().next().value!);
    this.counts.set(key, { namespace, name, count });
  }

  private async bump(namespace: string, name: string, count: number): Promise<void> {
    await this.api.patchNamespacedEvent(
      { name, namespace, body: { count, lastTimestamp: eventTime() } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

function keyOf(p: EventProblem): string {
  const t = p.target;
  return `${t.kind}/${t.namespace}/${t.name}/${t.uid ?? ''}|${p.reason}|${p.message}`;
}
