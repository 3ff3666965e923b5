// Renders the benchmark results (bench/results/*.json) as SVG bar charts in docs/images/, for
// docs/benchmarks.md. Plain SVG written here: no chart service, no dependencies, so the charts
// render on GitHub and regenerate offline.
//
//   node bench/charts.mjs            (after the benchmarks wrote their results)
//
// Each result file has its own shape; CHARTS says how to read bars out of each. A file that is
// missing or doesn't have the expected fields is skipped with a warning, never a crash.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = `${ROOT}bench/results/`;
const OUT = `${ROOT}docs/images/`;

/**
 * One chart per entry: the result file, the SVG name, a title, the unit of the values, and how
 * to turn the file into bars ({ label, value }). `note` goes under the title.
 */
const CHARTS = [
  {
    file: 'compile.json',
    svg: 'bench-compile.svg',
    title: 'Load + compile time by number of Mappings',
    unit: 'ms',
    lowerIsBetter: true,
    bars: (r) =>
      r.results.map((x) => ({
        label: `${x.mappings.toLocaleString('en-US')} Mappings`,
        value: x.loadCompileMs,
      })),
  },
  {
    file: 'xds.json',
    svg: 'bench-xds.svg',
    title: 'IR → Envoy resources, translate + encode (median)',
    unit: 'ms',
    lowerIsBetter: true,
    bars: (r) =>
      r.encode.map((x) => ({ label: `${x.routes.toLocaleString('en-US')} routes`, value: x.totalMsMedian })),
  },
  {
    file: 'proxy.json',
    svg: 'bench-proxy.svg',
    title: 'Proxy throughput, 50 connections',
    unit: 'req/s',
    bars: (r) => Object.entries(r.throughput).map(([label, x]) => ({ label, value: x.rps })),
  },
  {
    file: 'proxy-upstream.json',
    svg: 'bench-proxy-upstream.svg',
    title: 'Upstream client throughput (best round)',
    unit: 'req/s',
    bars: (r) => Object.entries(r.results).map(([label, x]) => ({ label, value: x.bestReqPerSec })),
  },
  {
    file: 'auth.json',
    svg: 'bench-auth.svg',
    title: 'Proxy throughput with auth and rate-limit filters',
    unit: 'req/s',
    bars: (r) => Object.entries(r.scenarios).map(([label, x]) => ({ label, value: x.reqPerSec })),
  },
  {
    file: 'kubernetes.json',
    svg: 'bench-kubernetes.svg',
    title: 'Controller: change to applied config, p99 after debounce',
    unit: 'ms',
    lowerIsBetter: true,
    bars: (r) =>
      r.results.map((x) => ({ label: x.label.replace(/ \(.*\)$/, ''), value: x.afterDebounceMs.p99 })),
  },
  {
    file: 'metallb.json',
    svg: 'bench-metallb.svg',
    title: 'MetalLB allocation of 10,000 Services (median)',
    unit: 'ms',
    lowerIsBetter: true,
    bars: (r) => r.results.map((x) => ({ label: x.scenario, value: x.msMedian })),
  },
];

const escapeXml = (s) =>
  String(s).replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c],
  );

/** A "nice" axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least `max`. */
function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function formatValue(v) {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return String(Math.round(v * 10) / 10);
}

/**
 * A horizontal bar chart as a standalone SVG: labels left, bars scaled to a nice maximum with
 * gridlines, the value at the end of each bar. Sized from the data; system fonts only.
 */
export function barChart({ title, unit, bars, note, lowerIsBetter = false }) {
  const font = "font-family='-apple-system, Segoe UI, Helvetica, Arial, sans-serif'";
  const labelWidth = Math.min(360, Math.max(120, Math.max(...bars.map((b) => b.label.length)) * 7 + 16));
  const plotWidth = 440;
  const barHeight = 22;
  const gap = 10;
  const top = note ? 62 : 46;
  const width = labelWidth + plotWidth + 80;
  const height = top + bars.length * (barHeight + gap) + 34;
  const max = niceMax(Math.max(...bars.map((b) => b.value)));
  const x = (v) => labelWidth + (v / max) * plotWidth;
  const parts = [];
  parts.push(
    `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' role='img' aria-label='${escapeXml(title)}'>`,
    `<rect width='100%' height='100%' fill='#ffffff'/>`,
    `<text x='16' y='24' ${font} font-size='15' font-weight='600' fill='#1f2328'>${escapeXml(title)}</text>`,
  );
  if (note) parts.push(`<text x='16' y='42' ${font} font-size='11' fill='#59636e'>${escapeXml(note)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    const gx = x(v).toFixed(1);
    parts.push(
      `<line x1='${gx}' y1='${top - 6}' x2='${gx}' y2='${height - 28}' stroke='#d1d9e0' stroke-width='1'/>`,
      `<text x='${gx}' y='${height - 12}' ${font} font-size='11' fill='#59636e' text-anchor='middle'>${formatValue(v)}</text>`,
    );
  }
  parts.push(
    `<text x='${width - 12}' y='${height - 12}' ${font} font-size='11' fill='#59636e' text-anchor='end'>${escapeXml(unit)}${lowerIsBetter ? ' (lower is better)' : ''}</text>`,
  );
  bars.forEach((b, i) => {
    const y = top + i * (barHeight + gap);
    const w = Math.max(1, x(b.value) - labelWidth);
    parts.push(
      `<text x='${labelWidth - 8}' y='${y + barHeight / 2 + 4}' ${font} font-size='12' fill='#1f2328' text-anchor='end'>${escapeXml(b.label)}</text>`,
      `<rect x='${labelWidth}' y='${y}' width='${w.toFixed(1)}' height='${barHeight}' rx='3' fill='#0969da'/>`,
      `<text x='${(labelWidth + w + 6).toFixed(1)}' y='${y + barHeight / 2 + 4}' ${font} font-size='12' fill='#1f2328'>${formatValue(b.value)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function main() {
  mkdirSync(OUT, { recursive: true });
  let written = 0;
  for (const chart of CHARTS) {
    const path = RESULTS + chart.file;
    if (!existsSync(path)) {
      console.warn(`skip ${chart.svg}: no ${chart.file}`);
      continue;
    }
    let bars;
    let result;
    try {
      result = JSON.parse(readFileSync(path, 'utf8'));
      bars = chart.bars(result).filter((b) => typeof b.value === 'number' && Number.isFinite(b.value));
    } catch (err) {
      console.warn(`skip ${chart.svg}: ${chart.file} does not have the expected fields (${err.message})`);
      continue;
    }
    if (bars.length === 0) {
      console.warn(`skip ${chart.svg}: no values in ${chart.file}`);
      continue;
    }
    const date = typeof result.date === 'string' ? result.date.slice(0, 10) : undefined;
    const note = `${date ? `${date}, ` : ''}shared 2-core machine; see the numbers and method in the text`;
    writeFileSync(OUT + chart.svg, barChart({ ...chart, bars, note }));
    written++;
    console.log(`wrote docs/images/${chart.svg} (${bars.length} bars)`);
  }
  if (written === 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
