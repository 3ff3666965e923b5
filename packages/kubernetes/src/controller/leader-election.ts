import { hostname } from 'node:os';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Lease } from '../types.js';
import { errorMessage, errorStatus } from './backoff.js';

export interface LeaderElectionOptions {
  /** Namespace of the Lease. */
  namespace: string;
  /** Lease name. Default `gateway-controller`. */
  name?: string;
  /** This replica's identity. Default `<hostname>-<random>`. */
  identity?: string;
  /** How long a lease is valid without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** The leader gives up if it cannot renew for this long. Default 10 s. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onError?(message: string): void;
}

/** RFC 3339 with microseconds, the wire form of `MicroTime` fields. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, following client-go's algorithm: a
 * candidate takes the lease when it is free (no holder) or when the holder has not renewed it
 * for `leaseDuration` as observed on this replica's own clock (no clock-skew assumptions); the
 * leader renews every `retryPeriod` and steps down when it cannot renew within `renewDeadline`;
 * updates use the Lease's resourceVersion, so two candidates can never both win. `stop()`
 * releases the lease (empty holder) so a standby takes over at once.
 *
 * @example
 * ```ts
 * const elector = new LeaderElector(kc, { namespace: 'gateway-system' }, {
 *   onStartedLeading: () => console.log('leading'), onStoppedLeading: () => console.log('standby') });
 * elector.start();
 * ```
 */
export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private running = false;
  private lastRenew = 0;
  /** What this replica last saw of the lease and when (its own clock). */
  private observed?: { holder: string; renewTime: string; at: number };
  private inFlight?: Promise<void>;

  constructor(
    kc: KubeConfig,
    private readonly opts: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.name = opts.name ?? 'gateway-controller';
    this.identity = opts.identity ?? `${hostname()}-${Math.random().toString(36).slice(2, 8)}`;
    this.durationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops campaigning; a leader releases the lease. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight?.catch(() => {});
    if (this.leading) {
      await this.release().catch((err: unknown) =>
        this.callbacks.onError?.(`releasing lease: ${errorMessage(err)}`),
      );
      this.setLeading(false);
    }
  }

  private tick(): void {
    if (!this.running) return;
    this.inFlight = this.tryAcquireOrRenew()
      .catch((err: unknown) => this.callbacks.onError?.(errorMessage(err)))
      .finally(() => {
        this.inFlight = undefined;
        if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) this.setLeading(false);
        if (this.running) {
          this.timer = setTimeout(() => this.tick(), this.retryMs);
          this.timer.unref?.();
        }
      });
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    if (value) this.callbacks.onStartedLeading();
    else this.callbacks.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = Date.now();
    let lease: Lease | undefined;
    try {
      lease = (await this.api.readNamespacedLease({
        name: this.name,
        namespace: this.opts.namespace,
      })) as unknown as Lease;
    } catch (err) {
      if (errorStatus(err) !== 404) throw err;
    }
    if (!lease) {
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.opts.namespace },
        spec: this.spec(now, 0, now),
      };
      try {
        await this.api.createNamespacedLease({ namespace: this.opts.namespace, body: body as never });
      } catch (err) {
        if (errorStatus(err) === 409) return; // someone else created it first
        throw err;
      }
      this.lastRenew = now;
      this.setLeading(true);
      return;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = String(spec.renewTime ?? '');
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: now };
    }
    const durationMs = (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
    const expired = this.observed.at + durationMs < now;
    if (holder !== '' && holder !== this.identity && !expired) {
      // Someone else leads. (If we thought we did, we lost it.)
      this.setLeading(false);
      return;
    }
    const transitions = (spec.leaseTransitions ?? 0) + (holder === this.identity ? 0 : 1);
    const acquireMs =
      holder === this.identity && spec.acquireTime ? Date.parse(String(spec.acquireTime)) : now;
    const body: Lease = {
      ...lease,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...lease.metadata, resourceVersion: lease.metadata?.resourceVersion },
      spec: this.spec(Number.isFinite(acquireMs) ? acquireMs : now, transitions, now),
    };
    try {
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.opts.namespace,
        body: body as never,
      });
    } catch (err) {
      if (errorStatus(err) === 409) return; // lost the race; look again next period
      throw err;
    }
    this.lastRenew = now;
    this.observed = { holder: this.identity, renewTime: body.spec!.renewTime as string, at: now };
    this.setLeading(true);
  }

  private spec(acquireMs: number, transitions: number, renewMs: number): NonNullable<Lease['spec']> {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)),
      acquireTime: microTime(acquireMs),
      renewTime: microTime(renewMs),
      leaseTransitions: transitions,
    };
  }

  private async release(): Promise<void> {
    const lease = (await this.api.readNamespacedLease({
      name: this.name,
      namespace: this.opts.namespace,
    })) as unknown as Lease;
    if (lease.spec?.holderIdentity !== this.identity) return;
    const now = Date.now();
    const body: Lease = {
      ...lease,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      spec: {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: microTime(now),
        acquireTime: microTime(now),
      },
    };
    await this.api.replaceNamespacedLease({
      name: this.name,
      namespace: this.opts.namespace,
      body: body as never,
    });
  }
}
