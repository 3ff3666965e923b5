import type { Readable } from 'node:stream';
import type { GatewayIR } from '@gateway/core';
import { type Dispatcher, Pool } from 'undici';
import type {
  ClusterManager,
  PickedEndpoint,
  RequestPolicy,
  UpstreamCall,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSink,
} from '../../src/index.js';

/**
 * A deliberately small cluster manager for tests of the proxy's `dispatch` (UpstreamSink) path:
 * one undici Pool per static endpoint, round robin, HTTP/1.1 only, no retries or breakers. The
 * real one lives in src/upstream.
 */
export function createDispatchClusterManager(): ClusterManager & { dispatched: number } {
  const clusters = new Map<string, { pools: Pool[]; next: number; endpoints: string[] }>();
  const failure = (
    reason: UpstreamFailure['reason'],
    status: 502 | 503 | 504,
    message: string,
  ): UpstreamFailure => ({
    kind: 'failure',
    reason,
    status,
    message,
    retries: 0,
  });
  const pickPool = (name: string) => {
    const c = clusters.get(name);
    if (!c || c.pools.length === 0) return undefined;
    const i = c.next++ % c.pools.length;
    return { pool: c.pools[i] as Pool, endpoint: c.endpoints[i] as string };
  };
  const toRecord = (raw: Buffer[] | string[] | null | undefined): Record<string, string | string[]> => {
    const out: Record<string, string | string[]> = {};
    if (!raw) return out;
    for (let i = 0; i < raw.length; i += 2) {
      const k = String(raw[i]).toLowerCase();
      const v = String(raw[i + 1]);
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return out;
  };
  const manager = {
    dispatched: 0,
    update(ir: GatewayIR) {
      for (const c of clusters.values()) for (const p of c.pools) void p.close();
      clusters.clear();
      for (const c of ir.clusters) {
        const eps = c.discovery.kind === 'dns' ? [] : c.discovery.endpoints;
        clusters.set(c.name, {
          pools: eps.map((e) => new Pool(`http://${e.address}:${e.port}`, { connections: 64 })),
          endpoints: eps.map((e) => `${e.address}:${e.port}`),
          next: 0,
        });
      }
    },
    dispatch(cluster: string, req: UpstreamRequest, policy: RequestPolicy, sink: UpstreamSink): UpstreamCall {
      manager.dispatched++;
      const picked = pickPool(cluster);
      let abortFn: ((err?: Error) => void) | undefined;
      let resumeFn: (() => void) | undefined;
      let responded = false;
      let done = false;
      if (!picked) {
        queueMicrotask(() =>
          sink.onFailure(failure('no-healthy-endpoint', 503, `no endpoint in ${cluster}`), false),
        );
        return { resume() {}, abort() {} };
      }
      const timer =
        policy.timeoutMs > 0
          ? setTimeout(
              () => abortFn?.(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
              policy.timeoutMs,
            )
          : undefined;
      const handler: Dispatcher.DispatchHandler = {
        onConnect(abort) {
          abortFn = abort;
        },
        onHeaders(statusCode, raw, resume) {
          if (statusCode < 200) return true;
          responded = true;
          resumeFn = resume;
          sink.onResponse(statusCode, toRecord(raw as Buffer[]), picked.endpoint, 0);
          return true;
        },
        onData(chunk) {
          return sink.onData(chunk);
        },
        onComplete(trailers) {
          done = true;
          clearTimeout(timer);
          sink.onEnd(toRecord(trailers as unknown as Buffer[]) as Record<string, string>);
        },
        onError(err) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const code = (err as { code?: string }).code;
          const f =
            code === 'TIMEOUT'
              ? failure('timeout', 504, 'upstream request timeout')
              : code === 'ECONNREFUSED'
                ? failure('connect-failure', 503, err.message)
                : failure('reset', 502, err.message);
          sink.onFailure({ ...f, endpoint: picked.endpoint }, responded);
        },
      };
      picked.pool.dispatch(
        {
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: req.headers,
          body: req.body ?? null,
        },
        handler,
      );
      return {
        resume: () => resumeFn?.(),
        abort: () => {
          done = true;
          clearTimeout(timer);
          abortFn?.(new Error('downstream aborted'));
        },
      };
    },
    async request(
      cluster: string,
      req: UpstreamRequest,
      policy: RequestPolicy,
    ): Promise<UpstreamResponse | UpstreamFailure> {
      const picked = pickPool(cluster);
      if (!picked) return failure('no-healthy-endpoint', 503, `no endpoint in ${cluster}`);
      try {
        const r = await picked.pool.request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: req.headers,
          body: req.body ?? null,
          ...(policy.signal ? { signal: policy.signal } : {}),
        });
        return {
          kind: 'response',
          statusCode: r.statusCode,
          headers: r.headers as Record<string, string | string[]>,
          body: r.body as unknown as Readable,
          trailers: Promise.resolve(r.trailers as Record<string, string>),
          endpoint: picked.endpoint,
          retries: 0,
        };
      } catch (err) {
        return failure('connect-failure', 503, (err as Error).message);
      }
    },
    pick(cluster: string): PickedEndpoint | UpstreamFailure {
      const c = clusters.get(cluster);
      const ep = c?.endpoints[0];
      if (!ep) return failure('no-healthy-endpoint', 503, 'none');
      const colon = ep.lastIndexOf(':');
      return { host: ep.slice(0, colon), port: Number(ep.slice(colon + 1)), tls: false, release() {} };
    },
    stats: () => [],
    on() {},
    async close() {
      for (const c of clusters.values()) for (const p of c.pools) await p.close();
      clusters.clear();
    },
  };
  return manager;
}
