import { describe, expect, it } from 'vitest';
import { type DemoInfo, demo } from '../../../packages/cli/src/commands/demo.js';
import type { CliIO } from '../../../packages/cli/src/io.js';

function capture(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (s: string) => {
      io.out += s;
    },
    stderr: (s: string) => {
      io.err += s;
    },
    stdin: async () => '',
  };
  return io;
}

interface Echo {
  service: string;
  method: string;
  path: string;
  host: string;
}

async function getJson(url: string): Promise<{ status: number; echo?: Echo }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, echo: res.status === 200 ? (JSON.parse(text) as Echo) : undefined };
}

describe('examples/quickstart (gateway demo)', () => {
  it('serves the canary, the rewrite, the host_rewrite and the rate limit, then stops cleanly', async () => {
    const io = capture();
    const stop = new AbortController();
    let info: DemoInfo | undefined;
    const running = demo(['--port', '0', '--admin', '0'], io, {
      signal: stop.signal,
      onReady: (i) => (info = i),
    });
    try {
      const end = Date.now() + 10_000;
      while (!info && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      if (!info) throw new Error(`demo did not start: ${io.err}`);
      const { url } = info;
      expect(io.out).toContain(`${url.replace('http://', '')}/backend/`);
      expect(io.out).toContain(info.diagnostics);

      // 90/10 canary: 200 requests; a binomial(200, 0.1) is in [5, 40] with overwhelming probability.
      const seen: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        const r = await getJson(`${url}/backend/`);
        expect(r.status).toBe(200);
        const s = r.echo?.service ?? '?';
        seen[s] = (seen[s] ?? 0) + 1;
      }
      expect(Object.keys(seen).sort()).toEqual(['quote', 'quote-canary']);
      expect(seen['quote-canary']).toBeGreaterThanOrEqual(5);
      expect(seen['quote-canary']).toBeLessThanOrEqual(40);

      const rewritten = await getJson(`${url}/api/v1/quote/today`);
      expect(rewritten.echo).toMatchObject({ service: 'quote', path: '/quote/today' });

      const hosted = await getJson(`${url}/httpbin/anything`);
      expect(hosted.echo).toMatchObject({ host: 'httpbin.org', path: '/anything' });

      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await fetch(`${url}/limited/`).then((r) => r.text().then(() => r))).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

      const diag = await fetch(info.diagnostics);
      expect(diag.status).toBe(200);
      expect(await diag.text()).toContain('prefix /backend/');
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
    expect(io.out).toContain('demo: stopped');
    // Everything is closed: the gateway port refuses connections.
    await expect(fetch(`${info?.url}/backend/`)).rejects.toThrow();
  });
});
