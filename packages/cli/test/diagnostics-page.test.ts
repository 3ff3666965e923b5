// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, where innerText is the rendered text the user reads.
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AdsServer, TYPE_URLS } from '@gateway/envoy';
import type { Gateway } from '@gateway/proxy';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../src/commands/serve.js';
import { serveXds } from '../src/commands/xds.js';
import type { XdsAdmin } from '../src/commands/xds-admin.js';
import { rawAdsClient } from './support/ads-client.js';
import { capture, echoOrigin, until as waitUntil } from './support/cli-io.js';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../../docs/images/diagnostics.png', import.meta.url));

/** The page polls and renders asynchronously: allow it longer than the command tests. */
const until = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) =>
  waitUntil(check, what, timeoutMs);

const mapping = (name: string, prefix: string, service: string, extra = '') => `---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: { name: ${name}, namespace: default }
spec: { prefix: ${prefix}, service: ${service}${extra} }
`;

const BASE =
  mapping('quote', '/backend/', 'quote') +
  mapping('quote-canary', '/backend/', 'quote-canary', ', weight: 10') +
  // A dark launch: the canary is deployed with weight 0 and must get no traffic.
  mapping('dark', '/dark/', 'quote') +
  mapping('dark-canary', '/dark/', 'quote-canary', ', weight: 0') +
  mapping('quote-api', '/api/v1/quote/', 'quote', ', rewrite: /quote/, host_rewrite: api.example.org') +
  mapping(
    'limited',
    '/limited/',
    'quote',
    ', gateway_sdk: { rate_limit: { requests_per_unit: 5, unit: minute } }',
  );
// An edit with a mistake: the page must name the resource, the field and the problem.
const BROKEN = `${BASE}${mapping('bad-weight', '/oops/', 'quote', ', weight: 120')}`;
const NEXT = `${BASE}${mapping('payments', '/payments/', 'quote')}`;

/** Chromium with a fresh profile (Playwright gives every launch its own temporary user-data-dir). */
function launch(): Promise<Browser> {
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
    ({ server: origin, port: originPort } = await echoOrigin());
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Text of the requests cell of the route whose match contains `prefix`. */
  const countOf = (page: Page, prefix: string) =>
    page
      .locator('#routes tr', { hasText: `prefix ${prefix}` })
      .locator('[data-stats]')
      .innerText();

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
      const backend = page.locator('#routes tr', { hasText: 'prefix /backend/' });
      expect(await backend.innerText()).toMatch(/90%\s*cluster_quote_default/);
      expect(await backend.innerText()).toMatch(/10%\s*cluster_quote_canary_default/);
      const dark = await page.locator('#routes tr', { hasText: 'prefix /dark/' }).innerText();
      expect(dark).toMatch(/(^|\s)0%\s*cluster_quote_canary_default/);
      expect(dark).toMatch(/100%\s*cluster_quote_default/);
      const api = await page.locator('#routes tr', { hasText: 'prefix /api/v1/quote/' }).innerText();
      expect(api).toContain('rewrite prefix → /quote/');
      expect(api).toContain('host_rewrite api.example.org');
      expect(await countOf(page, '/api/v1/quote/')).toBe('3');
      // Live endpoint health from the proxy (the --resolve target).
      expect(await page.locator('#clusters tr', { hasText: 'cluster_quote_default' }).innerText()).toContain(
        `127.0.0.1:${originPort}`,
      );

      // Counts update through the polling script, without a reload.
      await page.evaluate('window.marker = 1');
      for (let i = 0; i < 4; i++) await fetch(`${base}/api/v1/quote/y`);
      await until(async () => (await countOf(page, '/api/v1/quote/')) === '7', 'the live count');
      // Same document: the script updated the cell, the page was not reloaded.
      expect(await page.evaluate('window.marker')).toBe(1);

      // A broken edit: still serving, the page shows the error and a rejected apply.
      const servingVersion = g.version;
      writeFileSync(file, BROKEN);
      await until(() => io.err.includes('change not applied'), 'broken edit rejected');
      await page.reload();
      const errors = await page.locator('#errors').innerText();
      expect(errors).toContain('Mapping default/bad-weight');
      expect(errors).toContain('spec.weight');
      expect(await page.locator('#history').innerText()).toContain('rejected');
      expect(await page.locator('#version').innerText()).toBe(servingVersion);

      // A good edit: the script sees the new version and reloads the page by itself.
      await until(async () => (await page.locator('#live').innerText()).startsWith('live'), 'the live badge');
      // The docs show this state: an error next to the route table and the history.
      const brokenShot = join(dir, 'diagnostics-broken-edit.png');
      await page.screenshot({ path: brokenShot, fullPage: true });
      expect(statSync(brokenShot).size).toBeGreaterThan(10_000);
      if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(brokenShot, DOCS_SCREENSHOT);
      writeFileSync(file, NEXT);
      await until(() => g.version !== servingVersion, 'new version applied');
      await until(
        async () =>
          (await page
            .locator('#version')
            .innerText()
            .catch(() => '')) === g.version,
        'the page to show the new version',
      );
      expect(await page.locator('#routes tr', { hasText: 'prefix /payments/' }).count()).toBe(1);
      expect(await page.locator('#errors').innerText()).not.toContain('bad-weight');
      await until(async () => (await page.locator('#live').innerText()).startsWith('live'), 'the live badge');
      expect(scriptErrors).toEqual([]);

      const shot = join(dir, 'diagnostics.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
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
    const running = serveXds(
      ['-f', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--watch'],
      io,
      {
        signal: stop.signal,
        onServer: (s) => (server = s),
        onAdmin: (a) => (admin = a),
      },
    );
    try {
      await until(() => admin !== undefined, 'xds admin');
      const url = `http://127.0.0.1:${admin?.address()?.port}`;
      expect(io.out).toContain(`${url}/diag`);
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(`${url}/diag`);
      expect(await page.locator('header').innerText()).toContain('xDS server');
      expect(await page.locator('#routes tr', { hasText: 'prefix /backend/' }).innerText()).toMatch(/90%/);

      // A client (a real ADS stream over gRPC) rejects the listeners it was sent.
      const client = rawAdsClient(server?.port as number);
      try {
        client.send({ type_url: TYPE_URLS.listener, node: { id: 'envoy-<1>' } });
        await until(() => client.responses.length === 1, 'an LDS response');
        client.send({
          type_url: TYPE_URLS.listener,
          response_nonce: client.responses[0]?.nonce,
          error_detail: { code: 3, message: 'Proto constraint validation failed <script>' },
        });
        await until(() => (admin?.history.nacks.length ?? 0) === 1, 'the NACK recorded');
      } finally {
        client.close();
      }
      await until(
        async () => (await page.locator('#nack-count').innerText()) === '1',
        'the NACK count to update',
      );
      await page.reload();
      const nacks = await page.locator('#nacks').innerText();
      expect(nacks).toContain('envoy-<1>');
      expect(nacks).toContain('Proto constraint validation failed <script>');

      writeFileSync(file, BROKEN);
      await until(() => io.err.includes('change not applied'), 'broken edit rejected');
      await page.reload();
      expect(await page.locator('#errors').innerText()).toContain('Mapping default/bad-weight');
      const shot = join(dir, 'diagnostics-xds.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.KEEP_SCREENSHOTS)
        copyFileSync(shot, join(process.env.KEEP_SCREENSHOTS, 'diagnostics-xds.png'));
      await page.close();
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  });
});
