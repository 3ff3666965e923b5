// An open-loop load generator at a fixed rate, for latency at a given load. autocannon's
// `overallRate` releases each second's budget in a burst, so its p99 measures how long the burst
// takes to drain, not the latency at that rate; it also reports whole milliseconds. Here request
// i is due at start + i / rate, is sent as soon as the event loop reaches it, and its latency is
// measured from when it was DUE (corrected for coordinated omission), in microseconds.
import http from 'node:http';

/**
 * @param {string} url
 * @param {{ rate: number, seconds: number, connections?: number }} opts
 * @returns {Promise<{ rate: number, sent: number, errors: number, p50: number, p90: number, p99: number, max: number }>}
 *   latencies in milliseconds with microsecond resolution
 */
export async function pacedLoad(url, { rate, seconds, connections = 50 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const intervalMs = 1000 / rate;
  let sent = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const send = (i) => {
      const due = start + i * intervalMs;
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies[i] = performance.now() - due;
          if (++done === total) resolve();
        });
      });
      req.on('error', () => {
        errors++;
        latencies[i] = performance.now() - due;
        if (++done === total) resolve();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 0);
    };
    tick();
  });
  agent.destroy();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000) / 1000;
  return { rate, sent: total, errors, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}
