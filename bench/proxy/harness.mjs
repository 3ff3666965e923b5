// Process plumbing shared by the proxy benchmarks: free ports, proxies in child processes, nginx,
// CPU time from /proc and CPU pinning.
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Node flags for every proxy under test (gateway, http-proxy, fastify alike). Empty by default:
 * V8's defaults, which is what `gateway serve` runs with. Set BENCH_NODE_FLAGS to try others.
 */
export const PROXY_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export function startChild(file, env, execArgv = []) {
  const flags = file === 'target-child.mjs' ? [...PROXY_NODE_FLAGS, ...execArgv] : execArgv;
  const child = fork(join(here, file), [], {
    env: { ...process.env, GW_ROOT: root, ...env },
    execArgv: flags,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...m }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

export async function stopChild(c) {
  if (!c?.child || c.child.exitCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.send('stop');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startNginx(originPort) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  const port = await freePort();
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawn(
    NGINX,
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: 'inherit' },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: proc.pid,
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** CPU time (user + system, ms) of a process and all its descendants, from /proc. */
export function treeCpuMs(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // process gone
    }
  }
  return total;
}

/** Every process id in the tree rooted at `pid` (children from /proc). */
export function processTree(pid) {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (children) for (const c of children.split(' ')) out.push(...processTree(Number(c)));
    }
  } catch {
    // process gone
  }
  return out;
}

/**
 * Pins a process tree (every thread) to a CPU list such as "0" or "1-3", with util-linux
 * `taskset`. Returns false when pinning is not possible here.
 */
export function pinProcessTree(pid, cpuList) {
  try {
    for (const p of processTree(pid)) {
      execFileSync('taskset', ['-a', '-c', '-p', cpuList, String(p)], { stdio: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}
