import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdsServer } from '@gateway/envoy';
import type { Gateway } from '@gateway/proxy';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/commands/serve.js';
import { serveXds } from '../src/commands/xds.js';
import type { XdsAdmin } from '../src/commands/xds-admin.js';
import type { CliIO } from '../src/io.js';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../../docs/images/diagnostics.png', import.meta.url));

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

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const mapping = (name: string, prefix: string, service: string, extra = '') => `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: ${name}, namespace: default }
spec: { prefix: ${prefix}, service: ${service}${extra} }
`;

const BASE =
  mapping('quote', '/backend/', 'quote') +
  mapping('quote-canary', '/backend/', 'quote-canary', ', weight: 10') +
  mapping('quote-dark', '/dark/', 'quote-canary', ', weight: 0') +
  mapping('quote-api', '/api/v1/quote/', 'quote', ', rewrite: /quote/, host_rewrite: api.example.org') +
  mapping('limited', '/limited/', 'quote', ', gateway_sdk: { rate_limit: { requests_per_unit: 5, unit: minute } }');
// An edit with a mistake: the page must name the resource, the field and the problem.
const BROKEN = `${BASE}${mapping('bad-weight', '/oops/', 'quote', ', weight: 120')}`;
const NEXT = `${BASE}${mapping('payments', '/payments/', 'quote')}`;

function launch(profile: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
}

describe('diagnostics page', () => {
  let dir: string;
  let origin: http.Server;
  let originPort: number;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-diag-'));
    origin = http.createServer((req, res) => res.end(`origin saw ${req.url}`));
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    originPort = (origin.address() as AddressInfo).port;
    browser = await launch(join(dir, 'profile'));
  });

  afterAll(async () => {
    await browser?.close();
    origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Text of the requests cell of the route whose match contains `prefix`. */
  const countOf = (page: Page, prefix: string) =>
    page.locator('tr', { hasText: `prefix ${prefix}` }).locator('[data-stats]').innerText();

  it('gateway serve: routes with effective shares, live counts, errors, reloads; screenshot', async () => {
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, BASE);
    const io = capture();
    const stop = new AbortController();
    let gateway: Gateway | undefined;
    const running = serve(
      [
        '-f',
        file,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--resolve',
        `quote=127.0.0.1:${originPort}`,
        '--resolve',
        `quote-canary=127.0.0.1:${originPort}`,
        '--watch',
        '--no-access-log',
      ],
      io,
      { signal: stop.signal, onGateway: (g) => (gateway = g) },
    );
    try {
      await until(() => gateway !== undefined, 'gateway start');
      const g = gateway as Gateway;
      const base = `http://127.0.0.1:${g.address()?.port}`;
      const admin = `http://127.0.0.1:${g.adminAddress()?.port}`;
      for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/v1/quote/x`)).status).toBe(200);

      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const scriptErrors: string[] = [];
      page.on('pageerror', (e) => scriptErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') scriptErrors.push(m.text());
      });
      await page.goto(`${admin}/diag`);
      expect(await page.locator('#version').innerText()).toBe(g.version);
      // Effective shares: the canary split and the weight-0 route (0%, never 100%).
      const backend = page.locator('tr', { hasText: 'prefix /backend/' });
      expect(await backend.innerText()).toMatch(/90%\s*cluster_quote_default/);
      expect(await backend.innerText()).toMatch(/10%\s*cluster_quote_canary_default/);
      expect(await page.locator('tr', { hasText: 'prefix /dark/' }).innerText()).toMatch(/0%/);
      expect(await page.locator('tr', { hasText: 'prefix /dark/' }).innerText()).not.toMatch(/100%/);
      const api = await page.locator('tr', { hasText: 'prefix /api/v1/quote/' }).innerText();
      expect(api).toContain('rewrite prefix → /quote/');
      expect(api).toContain('host_rewrite api.example.org');
      expect(await countOf(page, '/api/v1/quote/')).toBe('3');
      // Live endpoint health from the proxy (the --resolve target).
      expect(await page.locator('tr', { hasText: 'cluster_quote_default' }).first().innerText()).toContain(
        `127.0.0.1:${originPort}`,
      );

      // Counts update through the polling script, without a reload.
      await page.evaluate(() => {
        (window as unknown as { marker: number }).marker = 1;
      });
      for (let i = 0; i < 4; i++) await fetch(`${base}/api/v1/quote/y`);
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-stats]')].some(
            (c) => c.closest('tr')?.textContent?.includes('prefix /api/v1/quote/') && c.textContent === '7',
          ),
        undefined,
        { timeout: 10_000 },
      );
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

      // A broken edit: still serving, the page shows the error and a rejected apply.
      const servingVersion = g.version;
      writeFileSync(file, BROKEN);
      await until(() => io.err.includes('change not applied'), 'broken edit rejected');
      await page.reload();
      const errors = await page.locator('section', { hasText: 'Resource errors' }).innerText();
      expect(errors).toContain('Mapping default/bad-weight');
      expect(errors).toContain('spec.weight');
      expect(await page.locator('section', { hasText: 'Config history' }).innerText()).toContain('rejected');
      expect(await page.locator('#version').innerText()).toBe(servingVersion);

      // A good edit: the script sees the new version and reloads the page by itself.
      await page.screenshot({ path: join(dir, 'before-reload.png'), fullPage: true });
      writeFileSync(file, NEXT);
      await until(() => g.version !== servingVersion, 'new version applied');
      await page.waitForFunction(
        (v) => document.getElementById('version')?.textContent === v,
        g.version,
        { timeout: 10_000 },
      );
      expect(await page.locator('tr', { hasText: 'prefix /payments/' }).count()).toBe(1);
      expect(await page.locator('section', { hasText: 'Resource errors' }).innerText()).not.toContain('bad-weight');
      await page.waitForFunction(() => document.getElementById('live')?.textContent?.startsWith('live'));
      expect(scriptErrors).toEqual([]);

      const shot = join(dir, 'diagnostics.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(shot, DOCS_SCREENSHOT);
      await page.close();
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  });

  it('gateway xds --admin: routes, rejected edits and NACKs with the client and message', async () => {
    const file = join(dir, 'xds.yaml');
    writeFileSync(file, BASE);
    const io = capture();
    const stop = new AbortController();
    let server: AdsServer | undefined;
    let admin: XdsAdmin | undefined;
    const running = serveXds(['-f', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--watch'], io, {
      signal: stop.signal,
      onServer: (s) => (server = s),
      onAdmin: (a) => (admin = a),
    });
    try {
      await until(() => admin !== undefined, 'xds admin');
      const url = `http://127.0.0.1:${admin?.address()?.port}`;
      expect(io.out).toContain(`${url}/diag`);
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(`${url}/diag`);
      expect(await page.locator('header').innerText()).toContain('xDS server');
      expect(await page.locator('tr', { hasText: 'prefix /backend/' }).innerText()).toMatch(/90%/);

      // The server reports a client's NACK as an event; the page lists it with client and message.
      server?.emit('nack', {
        nodeId: 'envoy-<1>',
        flavor: 'sotw',
        typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
        kind: 'Listener',
        version: 'v-old',
        rejectedVersion: 'v-new',
        nonce: '1',
        code: 3,
        message: 'Proto constraint validation failed <script>',
      });
      await page.waitForFunction(() => document.getElementById('nack-count')?.textContent === '1', undefined, {
        timeout: 10_000,
      });
      await page.reload();
      const nacks = await page.locator('section', { hasText: 'xDS NACKs' }).innerText();
      expect(nacks).toContain('envoy-<1>');
      expect(nacks).toContain('Proto constraint validation failed <script>');

      writeFileSync(file, BROKEN);
      await until(() => io.err.includes('change not applied'), 'broken edit rejected');
      await page.reload();
      expect(await page.locator('section', { hasText: 'Resource errors' }).innerText()).toContain(
        'Mapping default/bad-weight',
      );
      await page.close();
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  });
});
