// An open-loop load generator at a fixed rate, for latency at a given load.
//
// Why not autocannon or node:http: autocannon's `overallRate` releases each second's budget in a
// burst, so its p99 measures how long the burst takes to drain, not the latency at that rate, and
// it reports whole milliseconds. A node:http client at 1,000 req/s costs more CPU than the proxy
// it measures and adds its own GC pauses to every sample. This one writes a pre-built request on
// a raw keep-alive socket and frames the response by Content-Length: a few µs per request.
//
// Request i is due at start + i / rate and is sent as soon as the event loop reaches it; its
// latency is measured from when it was DUE (corrected for coordinated omission), in ms with µs
// resolution. With several targets, requests are interleaved one by one (each target at `rate`),
// so whatever stalls the machine — steal, the load generator's own pauses, the shared origin —
// lands on every target at the same moments and cancels out of the difference between them.
import net from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * @typedef {{ p50: number, p90: number, p99: number, max: number, sent: number, errors: number }} PacedResult
 *   latencies in milliseconds (µs resolution)
 */

/**
 * Paced load against several targets at once, interleaved request by request.
 *
 * @param {string[]} urls  `http://host:port/path` per target
 * @param {{ rate: number, seconds: number, connections?: number, raw?: boolean }} opts  `rate` is
 *   per target; `raw` adds every request's latency (in send order) as `latencies`
 * @returns {Promise<PacedResult[]>} one result per url, in order
 */
export async function pacedInterleaved(urls, { rate, seconds, connections = 50, raw = false }) {
  const k = urls.length;
  const perTarget = Math.round(rate * seconds);
  const total = perTarget * k;
  const intervalMs = 1000 / (rate * k);
  const latencies = urls.map(() => new Float64Array(perTarget));
  const errors = urls.map(() => 0);
  let done = 0;
  let finish;
  const finished = new Promise((r) => {
    finish = r;
  });
  let start = 0;

  const pools = await Promise.all(
    urls.map(async (u, target) => {
      const url = new URL(u);
      const request = Buffer.from(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`,
        'latin1',
      );
      const pool = { request, idle: [], queue: [], sockets: [] };
      const open = () =>
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        });
      for (const socket of await Promise.all(Array.from({ length: connections }, open))) {
        const conn = { socket, buf: null, need: -1, job: -1, target, pool };
        socket.removeAllListeners('error');
        socket.on('error', () => fail(conn));
        socket.on('close', () => fail(conn));
        socket.on('data', (d) => onData(conn, d));
        pool.sockets.push(socket);
        pool.idle.push(conn);
      }
      return pool;
    }),
  );

  function record(conn, ok) {
    const job = conn.job;
    if (job < 0) return;
    conn.job = -1;
    latencies[conn.target][Math.floor(job / k)] = performance.now() - (start + job * intervalMs);
    if (!ok) errors[conn.target]++;
    if (++done === total) finish();
  }

  function fail(conn) {
    // A broken connection fails its request; the pool carries on with the others.
    record(conn, false);
    conn.dead = true;
  }

  function dispatch(conn) {
    const next = conn.pool.queue.shift();
    if (next === undefined) conn.pool.idle.push(conn);
    else {
      conn.job = next;
      conn.socket.write(conn.pool.request);
    }
  }

  function onData(conn, data) {
    conn.buf = conn.buf === null ? data : Buffer.concat([conn.buf, data]);
    while (conn.buf !== null) {
      if (conn.need < 0) {
        const end = conn.buf.indexOf(HEAD_END);
        if (end < 0) return;
        const head = conn.buf.toString('latin1', 0, end).toLowerCase();
        const at = head.indexOf('\r\ncontent-length:');
        if (at < 0) {
          // Not framed by Content-Length: not something the benchmark origin sends.
          fail(conn);
          conn.socket.destroy();
          return;
        }
        conn.ok = head.startsWith('http/1.1 200');
        conn.need = end + 4 + Number.parseInt(head.slice(at + 17), 10);
      }
      if (conn.buf.length < conn.need) return;
      conn.buf = conn.buf.length > conn.need ? conn.buf.subarray(conn.need) : null;
      conn.need = -1;
      record(conn, conn.ok);
      dispatch(conn);
    }
  }

  let sent = 0;
  start = performance.now();
  const tick = () => {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) {
      const job = sent++;
      // Rotate which target goes first in each group, so none always queues behind another at
      // the shared origin.
      const target = (job + Math.floor(job / k)) % k;
      const pool = pools[target];
      let conn = pool.idle.pop();
      while (conn?.dead) conn = pool.idle.pop();
      if (conn === undefined) pool.queue.push(job);
      else {
        conn.job = job;
        conn.socket.write(pool.request);
      }
    }
    if (sent < total) setTimeout(tick, 0);
  };
  tick();
  await finished;
  for (const pool of pools) for (const s of pool.sockets) s.destroy();

  return latencies.map((list, i) => {
    const sorted = Array.from(list).sort((a, b) => a - b);
    const at = (q) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000) / 1000;
    return {
      sent: perTarget,
      errors: errors[i],
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: at(1),
      ...(raw ? { latencies: list } : {}),
    };
  });
}
