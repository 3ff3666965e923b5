/**
 * Parses Envoy/Go-style durations used by Ambassador (`"1.5s"`, `"250ms"`, `"1m"`, `"3s"`) into
 * integer milliseconds. A bare number is seconds. Returns undefined when malformed.
 */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    const unit = m[2];
    total +=
      unit === 'h'
        ? n * 3_600_000
        : unit === 'm'
          ? n * 60_000
          : unit === 's'
            ? n * 1000
            : unit === 'ms'
              ? n
              : n / 1000;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) return undefined;
  return Math.round(total);
}
