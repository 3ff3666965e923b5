// A minimal cluster manager implementing the optional ClusterManager.dispatch fast path (one
// undici Pool per static endpoint, round robin, no retries/breakers/health). Used only for the
// "dispatch path" row of the benchmark, to show what the UpstreamSink contract is worth; the
// shipped cluster manager is packages/proxy/src/upstream.
export function createDispatchClusterManager(undici) {
  let clusters = new Map();
  const toRecord = (raw) => {
    const out = {};
    if (!raw) return out;
    for (let i = 0; i < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
    return out;
  };
  const pickPool = (name) => {
    const c = clusters.get(name);
    if (!c || c.pools.length === 0) return undefined;
    const i = c.next++ % c.pools.length;
    return { pool: c.pools[i], endpoint: c.endpoints[i] };
  };
  const failure = (message) => ({ kind: 'failure', reason: 'reset', status: 502, message, retries: 0 });
  return {
    update(ir) {
      const next = new Map();
      for (const c of ir.clusters) {
        const eps = c.discovery.kind === 'dns' ? [] : c.discovery.endpoints;
        next.set(c.name, {
          pools: eps.map((e) => new undici.Pool(`http://${e.address}:${e.port}`, { connections: 128 })),
          endpoints: eps.map((e) => `${e.address}:${e.port}`),
          next: 0,
        });
      }
      clusters = next;
    },
    dispatch(cluster, req, _policy, sink) {
      const picked = pickPool(cluster);
      let resumeFn;
      let abortFn;
      let responded = false;
      if (!picked) {
        queueMicrotask(() => sink.onFailure(failure('no endpoint'), false));
        return { resume() {}, abort() {} };
      }
      picked.pool.dispatch(
        { method: req.method, path: req.path, headers: req.headers, body: req.body ?? null },
        {
          onConnect(abort) {
            abortFn = abort;
          },
          onHeaders(statusCode, raw, resume) {
            resumeFn = resume;
            responded = true;
            sink.onResponse(statusCode, toRecord(raw), picked.endpoint, 0);
            return true;
          },
          onData(chunk) {
            return sink.onData(chunk);
          },
          onComplete(trailers) {
            sink.onEnd(toRecord(trailers));
          },
          onError(err) {
            sink.onFailure(failure(err.message), responded);
          },
        },
      );
      return { resume: () => resumeFn?.(), abort: () => abortFn?.(new Error('aborted')) };
    },
    async request() {
      return failure('request() is not used by this benchmark');
    },
    pick: () => failure('not supported'),
    stats: () => [],
    on() {},
    async close() {
      for (const c of clusters.values()) for (const p of c.pools) await p.close();
    },
  };
}
