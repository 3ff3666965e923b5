import cluster, { type Worker } from 'node:cluster';
import type { ApplyResult, Diagnostic, GatewayIR } from '@gateway/core';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';

/**
 * Multi-core serving with `node:cluster`: N worker processes share the listening ports (the
 * primary distributes connections). The primary owns the config: it loads and compiles it,
 * watches for changes, and sends each accepted IR to every worker over IPC; workers only run
 * gateways. The same script runs in the primary and in the workers (cluster re-executes it), so
 * call {@link runWorkers} unconditionally with the same options.
 */
export interface RunWorkersOptions {
  /** Number of worker processes (>= 1). */
  workers: number;
  /** Primary only: loads and compiles the config. */
  load(): Promise<{ ir?: GatewayIR; diagnostics: Diagnostic[] }>;
  /** Worker only: options for the worker's gateway (without `ir`; it arrives over IPC). */
  gatewayOptions(): GatewayOptions;
  /** Primary: called with each worker's apply result. */
  onApplied?(workerId: number, result: ApplyResult): void;
  /** Primary: called when a worker exits unexpectedly (it is restarted). */
  onWorkerExit?(workerId: number, code: number | null, signal: string | null): void;
}

/** What the primary gets back. */
export interface WorkersHandle {
  readonly role: 'primary' | 'worker';
  /** Primary: reload (load + compile + broadcast). Returns the load diagnostics. */
  reload(): Promise<Diagnostic[]>;
  /** Primary: waits until every worker has applied the current IR and bound its listeners. */
  ready(): Promise<void>;
  /** Primary: graceful shutdown of every worker. */
  shutdown(): Promise<void>;
  /** Worker: its gateway. */
  gateway?: Gateway;
}

type ToWorker = { type: 'apply'; ir: GatewayIR } | { type: 'shutdown' };
type ToPrimary = { type: 'ready' } | { type: 'applied'; result: ApplyResult; listening: boolean };

export async function runWorkers(opts: RunWorkersOptions): Promise<WorkersHandle> {
  return cluster.isPrimary ? runPrimary(opts) : runWorker(opts);
}

async function runPrimary(opts: RunWorkersOptions): Promise<WorkersHandle> {
  let current: GatewayIR | undefined;
  let stopping = false;
  const listening = new Set<number>();
  let waiters: Array<() => void> = [];
  const checkReady = () => {
    if (listening.size >= opts.workers) {
      for (const w of waiters) w();
      waiters = [];
    }
  };

  const first = await opts.load();
  if (!first.ir)
    throw Object.assign(new Error('config could not be loaded'), { diagnostics: first.diagnostics });
  current = first.ir;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (msg: ToPrimary) => {
      if (msg.type === 'ready' && current) send(worker, { type: 'apply', ir: current });
      if (msg.type === 'applied') {
        if (msg.listening) listening.add(worker.id);
        opts.onApplied?.(worker.id, msg.result);
        checkReady();
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker.id);
      if (stopping) return;
      opts.onWorkerExit?.(worker.id, code, signal);
      fork();
    });
    return worker;
  };
  for (let i = 0; i < opts.workers; i++) fork();

  return {
    role: 'primary',
    async reload() {
      const loaded = await opts.load();
      if (loaded.ir) {
        current = loaded.ir;
        for (const w of Object.values(cluster.workers ?? {}))
          if (w) send(w, { type: 'apply', ir: loaded.ir });
      }
      return loaded.diagnostics;
    },
    ready() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        checkReady();
      });
    },
    async shutdown() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) {
                resolve();
                return;
              }
              w.once('exit', () => resolve());
              send(w, { type: 'shutdown' });
            }),
        ),
      );
    },
  };
}

function send(worker: Worker, msg: ToWorker): void {
  if (!worker.isDead() && worker.isConnected()) worker.send(msg);
}

async function runWorker(opts: RunWorkersOptions): Promise<WorkersHandle> {
  const gateway = createGateway(opts.gatewayOptions());
  let started = false;
  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'apply') {
      void (async () => {
        const result = await gateway.apply(msg.ir);
        if (result.accepted && !started) {
          await gateway.start();
          started = true;
        }
        process.send?.({ type: 'applied', result, listening: started } satisfies ToPrimary);
      })();
    } else if (msg.type === 'shutdown') {
      void gateway.close().then(() => process.exit(0));
    }
  });
  // The primary handles signals and tells workers to drain.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  process.send?.({ type: 'ready' } satisfies ToPrimary);
  return {
    role: 'worker',
    gateway,
    reload: async () => [],
    ready: async () => undefined,
    shutdown: () => gateway.close(),
  };
}
