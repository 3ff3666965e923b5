import type { Dispatcher } from 'undici';

/**
 * A failure a connection pool reports, with undici's error codes (`UND_ERR_SOCKET`,
 * `UND_ERR_CONNECT_TIMEOUT`, `UND_ERR_HEADERS_TIMEOUT`, …), so the exchange classifies every
 * pool's failures (undici's, {@link H1Pool}'s, {@link H2Pool}'s) the same way.
 */
export class PoolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The legacy undici dispatch-handler callbacks our pools drive (undici 7 speaks them natively). */
export type PoolHandler = Dispatcher.DispatchHandler & {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(status: number, raw: string[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Record<string, unknown> | string[] | null): void;
  onError(err: Error): void;
};

/**
 * The handler a pool's finished request points at instead of the caller's (never called: a
 * finished request gets no events). Dropping the caller's handler keeps a finished request, which
 * may live on in the old generation, from keeping the whole exchange reachable for the
 * young-generation collector (see `H1Request.detach`).
 */
export const DETACHED_POOL_HANDLER: PoolHandler = Object.freeze({
  onConnect() {},
  onHeaders: () => true,
  onData: () => true,
  onComplete() {},
  onError() {},
}) as PoolHandler;

/**
 * What the exchange needs from a per-endpoint connection pool (undici's `Pool`, {@link H1Pool}
 * and {@link H2Pool} all fit it).
 */
export interface UpstreamDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}
