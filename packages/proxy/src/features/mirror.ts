import { Readable } from 'node:stream';
import type { ClusterManager, RequestPolicy } from '../upstream/types.js';

/**
 * Traffic shadowing: copies of requests sent to a mirror cluster, fire and forget. A mirror never
 * affects the primary: it starts after the primary request, its response is discarded, its
 * failures are only counted, and at most `maxInFlight` mirrors run at once (excess is dropped).
 * Bodies are mirrored only when they fit in `maxBodyBytes` (the tee is bounded); larger bodies
 * skip the mirror. The mirrored Host gets Envoy's `-shadow` suffix.
 */
export interface MirrorStats {
  sent: number;
  dropped: number;
  failed: number;
}

export class MirrorDispatcher {
  private inFlight = 0;
  readonly stats: MirrorStats = { sent: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly clusters: () => ClusterManager,
    readonly maxInFlight: number,
    readonly maxBodyBytes: number,
  ) {}

  /** True when a request should be mirrored at `percent` (0–100). */
  static sample(percent: number): boolean {
    return percent >= 100 || (percent > 0 && Math.random() * 100 < percent);
  }

  /** Reserves a slot, or returns false (and counts a drop) when the mirror budget is used up. */
  reserve(): boolean {
    if (this.inFlight >= this.maxInFlight) {
      this.stats.dropped++;
      return false;
    }
    this.inFlight++;
    return true;
  }

  /** Gives back a reserved slot without sending (e.g. the body turned out too large). */
  cancel(): void {
    this.inFlight--;
    this.stats.dropped++;
  }

  /** Sends a mirror on a reserved slot. */
  send(
    cluster: string,
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer | null,
    timeoutMs: number,
  ): void {
    const mirrored: Record<string, string | string[]> = { ...headers };
    const host = mirrored.host;
    if (typeof host === 'string') mirrored.host = shadowHost(host);
    if (body !== null) {
      mirrored['content-length'] = String(body.length);
      delete mirrored['transfer-encoding'];
    }
    const policy: RequestPolicy = {
      timeoutMs: timeoutMs > 0 ? timeoutMs : 15_000,
      idleTimeoutMs: 0,
      idempotent: false,
      grpc: false,
    };
    this.stats.sent++;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    this.clusters()
      .request(
        cluster,
        {
          method,
          path,
          headers: mirrored,
          body: body === null ? null : Readable.from([body]),
          ...(body ? { bodyBuffer: body } : {}),
        },
        policy,
      )
      .then(
        (res) => {
          if (res.kind === 'failure') {
            this.stats.failed++;
            finish();
            return;
          }
          res.body.on('error', finish);
          res.body.on('close', finish);
          res.body.on('end', finish);
          res.body.resume();
        },
        () => {
          this.stats.failed++;
          finish();
        },
      );
  }

  get active(): number {
    return this.inFlight;
  }
}

/** `example.com:8080` -> `example.com-shadow:8080`, as Envoy names mirrored authorities. */
export function shadowHost(host: string): string {
  if (host.startsWith('[')) return `${host}-shadow`;
  const colon = host.lastIndexOf(':');
  return colon === -1 ? `${host}-shadow` : `${host.slice(0, colon)}-shadow${host.slice(colon)}`;
}
