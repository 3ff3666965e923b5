// CPU per request at a fixed rate (default 1,000 req/s), per proxy, after a warm-up:
//   node bench/proxy/cpu-at-rate.mjs [variants] [rate] [rounds]
// variants (comma-separated): gateway, http-proxy, fastify, nginx, floor-http, floor-pipe.
// The floors (bench/proxy/floor-child.mjs) are the least a node:http server (floor-http) or a
// node:net byte pipe (floor-pipe) can cost per proxied request here. At a low rate every request
// is its own wake-up, so CPU per request is several times the full-load figure; the tail latency
// at this rate grows with it (see docs/benchmarks.md, "Latency at 1,000 req/s").
// Imports the BUILT packages: (cd packages/core && npx tsup) && (cd packages/proxy && npx tsup).
import { existsSync } from 'node:fs';
import { NGINX, startChild, startNginx, stopChild, treeCpuMs } from './harness.mjs';
import { pacedInterleaved } from './paced-load.mjs';

const variants = (process.argv[2] ?? 'gateway,http-proxy,nginx,floor-http,floor-pipe').split(',');
const rate = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 2);
const SECONDS = 5;

const origin = await startChild('origin-child.mjs', {});
const targets = [];
for (const v of variants) {
  if (v === 'nginx') {
    if (!existsSync(NGINX)) continue;
    const n = await startNginx(origin.port);
    targets.push({ name: v, port: n.port, pid: n.pid, stop: n.stop });
  } else if (v.startsWith('floor-')) {
    const c = await startChild('floor-child.mjs', { FLOOR: v.slice(6), ORIGIN_PORT: String(origin.port) });
    targets.push({ name: v, port: c.port, pid: c.child.pid, stop: () => stopChild(c) });
  } else {
    const c = await startChild('target-child.mjs', {
      VARIANT: v,
      ORIGIN_PORT: String(origin.port),
      ROUTES: '10',
    });
    targets.push({ name: v, port: c.port, pid: c.child.pid, stop: () => stopChild(c) });
  }
}
const url = (t) => `http://127.0.0.1:${t.port}/svc/9/x`;
// Warm-up: JIT and pools, at the measured rate.
for (const t of targets) await pacedInterleaved([url(t)], { rate, seconds: SECONDS });
const samples = new Map(targets.map((t) => [t.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const t of targets) {
    const c0 = treeCpuMs(t.pid);
    await pacedInterleaved([url(t)], { rate, seconds: SECONDS });
    const us = ((treeCpuMs(t.pid) - c0) * 1000) / (rate * SECONDS);
    samples.get(t.name).push(us);
  }
}
for (const t of targets) {
  const s = samples.get(t.name).sort((a, b) => a - b);
  console.log(
    `${t.name.padEnd(12)} ${s[Math.floor((s.length - 1) / 2)].toFixed(0).padStart(4)} µs/request at ${rate} req/s (rounds: ${s.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
for (const t of targets) await t.stop();
await stopChild(origin);
process.exit(0);
