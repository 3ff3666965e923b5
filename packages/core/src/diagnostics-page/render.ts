import { randomBytes } from 'node:crypto';
import type { Diagnostic } from '../diagnostics.js';
import type { ApplyRecord, ClusterRow, DiagnosticsSnapshot, NackRecord, RouteRow } from './types.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface RenderOptions {
  /** Where the page polls for fresh numbers, relative to the page (default `diag.json`). */
  jsonPath?: string;
  /** Poll interval in ms (default 2000); 0 switches the script off. */
  pollMs?: number;
  /** CSP nonce for the inline script; see {@link diagnosticsPageResponse}. */
  nonce?: string;
  /** Page title (default `Gateway diagnostics`). */
  title?: string;
}

const STYLE = `
:root{--fg:#1d232b;--muted:#5f6b7a;--line:#e3e7ec;--bg:#f6f8fa;--ok:#16794c;--okbg:#e5f5ec;--bad:#b42318;--badbg:#fdecea;--warn:#93570b;--warnbg:#fdf3e1;--accent:#2457c5}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:14px 28px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}
header .meta{color:var(--muted)}
header code{font-size:13px}
main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:18px 0;overflow:hidden}
section h2{font-size:15px;margin:0;padding:10px 14px;border-bottom:1px solid var(--line);background:#fbfcfd;display:flex;gap:8px;align-items:center}
section h2 .n{color:var(--muted);font-weight:400}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 14px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tr:last-child td{border-bottom:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.muted{color:var(--muted)}
.empty{padding:12px 14px;color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.ok{background:var(--okbg);color:var(--ok)}.bad{background:var(--badbg);color:var(--bad)}.warn{background:var(--warnbg);color:var(--warn)}.unk{background:#eef1f4;color:var(--muted)}
.share{display:flex;align-items:center;gap:8px;margin:2px 0}
.bar{width:90px;height:8px;border-radius:4px;background:#e9edf2;overflow:hidden;flex:none}
.bar i{display:block;height:100%;background:var(--accent)}
.pct{width:56px;text-align:right;font-variant-numeric:tabular-nums;flex:none}
.err td:first-child{border-left:3px solid var(--bad)}
.wrn td:first-child{border-left:3px solid #e0a43b}
#live{font-size:12px}
`;

const SCRIPT = `
(function(){
  var cfg = document.getElementById('diag-config');
  var path = cfg.getAttribute('data-json'), every = Number(cfg.getAttribute('data-poll'));
  var shown = cfg.getAttribute('data-version');
  var live = document.getElementById('live');
  function set(el, text){ if (el && el.textContent !== text) el.textContent = text; }
  function tick(){
    fetch(path, {cache: 'no-store'}).then(function(r){ return r.json(); }).then(function(s){
      if (s.version !== shown) { location.reload(); return; }
      var counts = s.requestCounts || {};
      var cells = document.querySelectorAll('[data-stats]');
      for (var i = 0; i < cells.length; i++) {
        var n = counts[cells[i].getAttribute('data-stats')];
        set(cells[i], n === undefined ? '–' : String(n));
      }
      set(document.getElementById('applies'), String((s.history || []).length));
      set(document.getElementById('nack-count'), String((s.nacks || []).length));
      set(live, 'live · updated ' + new Date().toLocaleTimeString());
      live.className = 'badge ok';
    }).catch(function(){ set(live, 'disconnected'); live.className = 'badge bad'; });
  }
  if (every > 0) { tick(); setInterval(tick, every); }
})();
`;

function badge(kind: 'ok' | 'bad' | 'warn' | 'unk', text: string): string {
  return `<span class="badge ${kind}">${escapeHtml(text)}</span>`;
}

function section(id: string, title: string, count: number | string, body: string, countId?: string): string {
  const n = `<span class="n"${countId ? ` id="${countId}"` : ''}>${escapeHtml(count)}</span>`;
  return `<section id="${id}"><h2>${escapeHtml(title)} ${n}</h2>${body}</section>`;
}

function table(head: string[], rows: string[], empty: string): string {
  if (rows.length === 0) return `<div class="empty">${escapeHtml(empty)}</div>`;
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function sharesCell(row: RouteRow): string {
  if (row.action !== 'forward')
    return `<span class="muted">${escapeHtml(row.action)}</span> ${escapeHtml(row.target ?? '')}`;
  return row.backends
    .map((b) => {
      const pct = Math.max(0, Math.min(100, b.effectivePercent));
      const hr = b.hostRewrite ? ` <span class="muted">host ${escapeHtml(b.hostRewrite)}</span>` : '';
      return `<div class="share"><span class="bar"><i style="width:${pct}%"></i></span><span class="pct">${escapeHtml(
        `${pct}%`,
      )}</span><code>${escapeHtml(b.cluster)}</code>${hr}</div>`;
    })
    .join('');
}

function routeRows(routes: RouteRow[], counts: Record<string, number> | undefined): string[] {
  return routes.map((r, i) => {
    const n = counts?.[r.statsName];
    const extras = [
      r.rewrite ? `rewrite ${escapeHtml(r.rewrite)}` : '',
      r.hostRewrite ? `host_rewrite ${escapeHtml(r.hostRewrite)}` : '',
      r.rateLimit ? `rate limit ${escapeHtml(r.rateLimit)}` : '',
      r.grpc ? 'gRPC' : '',
    ].filter(Boolean);
    const from = r.sources.map((s) => `${s.kind} ${s.namespace}/${s.name}`).join(', ');
    return `<tr><td class="num muted">${i + 1}</td><td><code>${escapeHtml(r.match)}</code><div class="muted">${escapeHtml(
      from,
    )}</div></td><td><code>${escapeHtml(r.hosts.join(' '))}</code></td><td>${sharesCell(r)}</td><td>${
      extras.join('<br>') || '<span class="muted">–</span>'
    }</td>${
      counts === undefined
        ? ''
        : `<td class="num" data-stats="${escapeHtml(r.statsName)}">${n === undefined ? '–' : escapeHtml(n)}</td>`
    }</tr>`;
  });
}

function healthBadge(h: string): string {
  return badge(h === 'healthy' ? 'ok' : h === 'unknown' ? 'unk' : h === 'draining' ? 'warn' : 'bad', h);
}

function clusterRows(clusters: ClusterRow[]): string[] {
  return clusters.map((c) => {
    const eps =
      c.endpoints.length === 0
        ? '<span class="muted">DNS, resolved by the data plane</span>'
        : c.endpoints
            .map((e) => `<div><code>${escapeHtml(e.address)}</code> ${healthBadge(e.health)}</div>`)
            .join('');
    const breaker = c.breaker
      ? `${c.breaker.open ? badge('bad', 'open') : badge('ok', 'closed')} <span class="muted">${escapeHtml(
          `${c.breaker.activeRequests} active · ${c.breaker.pendingRequests} pending · ${c.breaker.activeRetries} retries`,
        )}</span>`
      : '<span class="muted">live state is in the data plane</span>';
    const limits = c.limits
      ? `<div class="muted">${escapeHtml(
          `max ${c.limits.maxConnections} conn · ${c.limits.maxPendingRequests} pending · ${c.limits.maxRequests} req · ${c.limits.maxRetries} retries`,
        )}</div>`
      : '';
    return `<tr><td><code>${escapeHtml(c.name)}</code><div class="muted">${escapeHtml(
      `${c.service} · ${c.protocol} · ${c.lbPolicy}`,
    )}</div></td><td><code>${escapeHtml(c.discovery)}</code></td><td>${eps}</td><td>${breaker}${limits}</td></tr>`;
  });
}

function historyRows(history: ApplyRecord[]): string[] {
  return history.map(
    (h) =>
      `<tr><td class="mono">${escapeHtml(h.at)}</td><td>${h.accepted ? badge('ok', 'accepted') : badge('bad', 'rejected')}</td><td><code>${escapeHtml(
        h.offered,
      )}</code></td><td><code>${escapeHtml(h.version || '–')}</code></td><td class="num">${escapeHtml(
        h.errors,
      )}</td><td class="num">${escapeHtml(h.warnings)}</td></tr>`,
  );
}

function errorRows(errors: Diagnostic[]): string[] {
  return errors.map((d) => {
    const where = d.source ? `${d.source.file ?? '-'}:${d.source.line}:${d.source.column}` : '';
    return `<tr class="${d.severity === 'error' ? 'err' : 'wrn'}"><td>${badge(
      d.severity === 'error' ? 'bad' : 'warn',
      d.severity,
    )}</td><td><code>${escapeHtml(`${d.resource.kind} ${d.resource.namespace}/${d.resource.name}`)}</code></td><td><code>${escapeHtml(
      d.path || '–',
    )}</code></td><td>${escapeHtml(d.message)}</td><td class="mono muted">${escapeHtml(where)}</td></tr>`;
  });
}

function nackRows(nacks: NackRecord[]): string[] {
  return nacks.map(
    (n) =>
      `<tr class="err"><td class="mono">${escapeHtml(n.at)}</td><td><code>${escapeHtml(n.client || '<no id>')}</code></td><td>${escapeHtml(
        n.kind,
      )}</td><td><code>${escapeHtml(n.rejectedVersion)}</code></td><td><code>${escapeHtml(
        n.keptVersion || '–',
      )}</code></td><td>${escapeHtml(n.message)}</td></tr>`,
  );
}

/**
 * Renders the diagnostics page: plain server-rendered HTML with the route table (match order,
 * hosts, effective canary shares, rewrites, live counts), clusters (endpoint health and circuit
 * breakers), the config version and apply history, every resource error and every xDS NACK. A
 * small inline script polls `jsonPath` to update counts and reloads when the version changes.
 * Every user-supplied string is escaped; the script reads data with `textContent` only.
 *
 * @example
 * ```ts
 * const html = renderDiagnosticsPage(snapshot, { jsonPath: 'diag.json' });
 * res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
 * ```
 */
export function renderDiagnosticsPage(snapshot: DiagnosticsSnapshot, options: RenderOptions = {}): string {
  const title = options.title ?? 'Gateway diagnostics';
  const pollMs = options.pollMs ?? 2000;
  const nonceAttr = options.nonce ? ` nonce="${escapeHtml(options.nonce)}"` : '';
  const s = snapshot;
  const errorCount = s.errors.filter((d) => d.severity === 'error').length;
  const plane = s.plane === 'proxy' ? 'in-process proxy' : 'xDS server';
  const last = s.history[0];
  const status = !s.version
    ? badge('bad', 'no config')
    : last && !last.accepted
      ? badge('warn', 'last change rejected')
      : badge('ok', 'serving');

  const sections: string[] = [];
  sections.push(
    section(
      'errors',
      'Resource errors',
      `${errorCount} error${errorCount === 1 ? '' : 's'}, ${s.errors.length - errorCount} warning${
        s.errors.length - errorCount === 1 ? '' : 's'
      }`,
      table(['', 'resource', 'field', 'message', 'source'], errorRows(s.errors), 'No errors or warnings.'),
    ),
  );
  sections.push(
    section(
      'routes',
      'Routes',
      `${s.routes.length} in match order`,
      table(
        [
          '#',
          'match',
          'hosts',
          'backends (effective share)',
          'rewrite / limits',
          ...(s.requestCounts ? ['requests'] : []),
        ],
        routeRows(s.routes, s.requestCounts),
        'No routes.',
      ),
    ),
  );
  sections.push(
    section(
      'clusters',
      'Clusters',
      s.clusters.length,
      table(
        ['cluster', 'discovery', 'endpoints', 'circuit breaker'],
        clusterRows(s.clusters),
        'No clusters.',
      ),
    ),
  );
  if (s.plane === 'xds' || s.nacks.length > 0) {
    sections.push(
      section(
        'nacks',
        'xDS NACKs',
        s.nacks.length,
        table(
          ['time', 'client', 'kind', 'rejected', 'client keeps', 'message'],
          nackRows(s.nacks),
          'No client has rejected a configuration.',
        ),
        'nack-count',
      ),
    );
  }
  if (s.clients) {
    sections.push(
      section(
        'clients',
        'Connected xDS clients',
        s.clients.length,
        table(
          ['client', 'protocol', 'user agent'],
          s.clients.map(
            (c) =>
              `<tr><td><code>${escapeHtml(c.client || '<no id>')}</code></td><td>${escapeHtml(c.flavor)}</td><td class="muted">${escapeHtml(
                c.userAgent,
              )}</td></tr>`,
          ),
          'No clients connected.',
        ),
      ),
    );
  }
  sections.push(
    section(
      'history',
      'Config history',
      s.history.length,
      table(
        ['time', 'result', 'offered', 'running after', 'errors', 'warnings'],
        historyRows(s.history),
        'Nothing applied yet.',
      ),
      'applies',
    ),
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><span class="meta">${escapeHtml(plane)}</span>
<span>${status}</span><span class="meta">version <code id="version">${escapeHtml(s.version || '–')}</code></span>
<span class="meta">rendered <span class="mono">${escapeHtml(s.generatedAt)}</span></span>
<span id="live" class="badge unk">${pollMs > 0 ? 'connecting' : 'static'}</span></header>
<main id="diag-config" data-json="${escapeHtml(options.jsonPath ?? 'diag.json')}" data-poll="${escapeHtml(
    pollMs,
  )}" data-version="${escapeHtml(s.version)}">
${sections.join('\n')}
</main>${pollMs > 0 ? `<script${nonceAttr}>${SCRIPT}</script>` : ''}</body></html>
`;
}

/**
 * The page as an HTTP response: body plus headers with a Content-Security-Policy that allows only
 * this page's inline script (by nonce) and same-origin fetches, as a second line of defence
 * behind escaping.
 *
 * @example
 * ```ts
 * const { headers, body } = diagnosticsPageResponse(snapshot);
 * res.writeHead(200, headers).end(body);
 * ```
 */
export function diagnosticsPageResponse(
  snapshot: DiagnosticsSnapshot,
  options: Omit<RenderOptions, 'nonce'> = {},
): { headers: Record<string, string>; body: string } {
  const nonce = randomBytes(16).toString('base64');
  return {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
    body: renderDiagnosticsPage(snapshot, { ...options, nonce }),
  };
}
