/**
 * Rules shared by the legacy ConfigMap checks and the CRD checks. Each returns problems as
 * `{ field, message, code }` so the caller can attach its own resource and path.
 */
import { type BGPCommunity, formatCommunity, parseCommunity } from '../net/community.js';
import { formatGoDuration, parseGoDuration, truncateToSeconds } from '../net/duration.js';
import {
  type AddressEntry,
  formatPrefix,
  type IPFamily,
  type IPPrefix,
  parseAddressEntry,
  prefixesOverlap,
} from '../net/ip.js';

export interface RuleProblem {
  /** Which field of the object the problem belongs to (the caller maps it to a path). */
  field: string;
  message: string;
  code: string;
  severity?: 'error' | 'warning';
}

/** Bounds MetalLB enforces on BFD profile fields. */
export const BFD_BOUNDS = {
  receiveInterval: [10, 60000],
  transmitInterval: [10, 60000],
  detectMultiplier: [2, 255],
  echoInterval: [10, 60000],
  minimumTtl: [1, 254],
} as const;

export const ASN_MAX = 0xffffffff;

export interface TimerCheck {
  /** Effective hold time in ns (undefined when unset and nothing derives it). */
  holdNs?: number;
  keepaliveNs?: number;
  problems: RuleProblem[];
}

function parseTimer(text: string, field: string, label: string, problems: RuleProblem[]): number | undefined {
  const parsed = parseGoDuration(text);
  if (!parsed.ok) {
    problems.push({
      field,
      code: `invalid-${label.replace(' ', '-')}`,
      message: `invalid ${label} ${JSON.stringify(text)}: ${parsed.error}; expected a Go duration such as 90s or 1m30s`,
    });
    return undefined;
  }
  return parsed.ns;
}

/**
 * Hold and keepalive timers. `legacy` follows v0.12.1 (hold defaults to 90s, keepalive to
 * hold/3); CRDs follow `parseTimers` (a missing one is derived from the other: ×3 or ÷3). Hold
 * must be 0 or at least 3s after truncation to seconds; keepalive must not exceed hold.
 */
export function checkTimers(
  hold: string | undefined,
  keepalive: string | undefined,
  fields: { hold: string; keepalive: string },
  legacy: boolean,
): TimerCheck {
  const problems: RuleProblem[] = [];
  let holdNs = hold !== undefined ? parseTimer(hold, fields.hold, 'hold time', problems) : undefined;
  let kaNs =
    keepalive !== undefined ? parseTimer(keepalive, fields.keepalive, 'keepalive time', problems) : undefined;
  if (problems.length > 0) return { problems };
  if (legacy && holdNs === undefined) holdNs = 90e9;
  const derivedHold = holdNs === undefined && kaNs !== undefined;
  if (derivedHold && kaNs !== undefined) holdNs = kaNs * 3;
  if (holdNs !== undefined) {
    const rounded = truncateToSeconds(holdNs);
    if (rounded !== 0 && rounded < 3e9) {
      problems.push(
        derivedHold
          ? {
              field: fields.keepalive,
              code: 'invalid-hold-time',
              message: `keepalive time ${JSON.stringify(keepalive)} implies a hold time of ${formatGoDuration(holdNs)} (3 × keepalive): expected 0 or at least 3s`,
            }
          : {
              field: fields.hold,
              code: 'invalid-hold-time',
              message: `invalid hold time ${JSON.stringify(hold)}: expected 0 or at least 3s`,
            },
      );
      return { problems };
    }
    if (legacy) holdNs = rounded;
  }
  if (kaNs === undefined && holdNs !== undefined) kaNs = holdNs / 3;
  else if (kaNs !== undefined && legacy) kaNs = truncateToSeconds(kaNs);
  if (kaNs !== undefined && holdNs !== undefined && kaNs > holdNs && keepalive !== undefined) {
    const holdText = hold ?? `${formatGoDuration(holdNs)} (default)`;
    problems.push({
      field: fields.keepalive,
      code: 'invalid-keepalive-time',
      message: `invalid keepalive time ${JSON.stringify(keepalive)}: expected at most the hold time ${holdText}`,
    });
  }
  const out: TimerCheck = { problems };
  if (holdNs !== undefined) out.holdNs = holdNs;
  if (kaNs !== undefined) out.keepaliveNs = kaNs;
  return out;
}

/** Checks an optional BFD number against MetalLB's bounds. */
export function checkBfdValue(
  field: keyof typeof BFD_BOUNDS,
  label: string,
  value: number | undefined,
): RuleProblem[] {
  if (value === undefined) return [];
  const [min, max] = BFD_BOUNDS[field];
  if (value < min || value > max) {
    return [
      {
        field,
        code: 'out-of-range',
        message: `invalid ${label} ${value}: expected a value from ${min} to ${max}`,
      },
    ];
  }
  return [];
}

/** A pool's addresses, parsed. `entries[i]` is undefined when `addresses[i]` is invalid. */
export interface ParsedAddresses {
  entries: (AddressEntry | undefined)[];
  problems: { index: number; code: string; message: string }[];
}

export function parsePoolAddresses(addresses: readonly string[]): ParsedAddresses {
  const entries: (AddressEntry | undefined)[] = [];
  const problems: ParsedAddresses['problems'] = [];
  addresses.forEach((text, index) => {
    const r = parseAddressEntry(text);
    if (r.ok) entries.push(r.value);
    else {
      entries.push(undefined);
      const err = r.error as { code: string; message: string };
      problems.push({ index, code: err.code, message: err.message });
    }
  });
  return { entries, problems };
}

/** Remembers every CIDR seen so far, to report overlaps the way MetalLB does (across all pools). */
export class OverlapIndex {
  private readonly seen: { prefix: IPPrefix; pool: string }[] = [];

  /** Returns the first earlier CIDR `prefix` overlaps, then records `prefix`. */
  add(prefix: IPPrefix, pool: string): { prefix: IPPrefix; pool: string } | undefined {
    const hit = this.seen.find((s) => prefixesOverlap(s.prefix, prefix));
    this.seen.push({ prefix, pool });
    return hit;
  }
}

export function overlapMessage(
  prefix: IPPrefix,
  pool: string,
  other: { prefix: IPPrefix; pool: string },
): string {
  const where = other.pool === pool ? 'in the same pool' : `in pool ${JSON.stringify(other.pool)}`;
  return `CIDR ${JSON.stringify(formatPrefix(prefix))} in pool ${JSON.stringify(pool)} overlaps with already defined CIDR ${JSON.stringify(formatPrefix(other.prefix))} (${where}); pools must not share addresses`;
}

/** Shortest prefix length (largest block) among an entry's CIDRs: the aggregation floor for it. */
export function lowestMask(entry: AddressEntry): number {
  return Math.min(...entry.prefixes.map((p) => p.bits));
}

/**
 * Aggregation lengths versus the pool's prefixes: announcing a /24 for addresses of a /26 would
 * claim addresses outside the pool, so each length must be at least the entry's prefix length.
 */
export function checkAggregation(
  agg: { v4: number; v6: number },
  fields: { v4: string; v6: string },
  entries: readonly (AddressEntry | undefined)[],
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const reported = new Set<IPFamily>();
  for (const entry of entries) {
    if (!entry || reported.has(entry.family)) continue;
    const length = entry.family === 4 ? agg.v4 : agg.v6;
    const lowest = lowestMask(entry);
    if (length < lowest) {
      reported.add(entry.family);
      const field = entry.family === 4 ? fields.v4 : fields.v6;
      problems.push({
        field,
        code: 'aggregation-length-too-short',
        message: `invalid aggregation length ${length}: addresses ${JSON.stringify(entry.text)} have prefix length ${lowest}, which is more specific; expected ${field} of at least ${lowest}`,
      });
    }
  }
  return problems;
}

/** The aggregation length bounds: 0–32 for IPv4, 0–128 for IPv6. */
export function checkAggregationBounds(
  v4: number | undefined,
  v6: number | undefined,
  fields: { v4: string; v6: string },
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (v4 !== undefined && (v4 < 0 || v4 > 32)) {
    problems.push({
      field: fields.v4,
      code: 'invalid-aggregation-length',
      message: `invalid aggregation length ${v4} for IPv4: expected a value from 0 to 32`,
    });
  }
  if (v6 !== undefined && (v6 < 0 || v6 > 128)) {
    problems.push({
      field: fields.v6,
      code: 'invalid-aggregation-length',
      message: `invalid aggregation length ${v6} for IPv6: expected a value from 0 to 128`,
    });
  }
  return problems;
}

/**
 * Resolves a community reference: an alias first, then literal syntax. `legacyOnly` restricts
 * literals to `a:b` (the ConfigMap and MetalLB's native BGP mode).
 */
export function resolveCommunity(
  text: string,
  aliases: ReadonlyMap<string, BGPCommunity>,
  legacyOnly: boolean,
):
  | { ok: true; value: BGPCommunity }
  | { ok: false; code: 'invalid-community' | 'dangling-reference'; message: string } {
  const alias = aliases.get(text);
  if (alias) return { ok: true, value: alias };
  const parsed = parseCommunity(text);
  if (parsed.ok) {
    if (legacyOnly && parsed.value.kind === 'large') {
      return {
        ok: false,
        code: 'invalid-community',
        message: `invalid community ${JSON.stringify(text)}: large communities are not supported here; expected <0-65535>:<0-65535>`,
      };
    }
    return parsed;
  }
  if (parsed.reason === 'format' && !text.includes(':')) {
    return {
      ok: false,
      code: 'dangling-reference',
      message: `unknown community alias ${JSON.stringify(text)}: expected a defined alias or a value such as 65535:65281`,
    };
  }
  return { ok: false, code: 'invalid-community', message: parsed.error };
}

export function communityKey(c: BGPCommunity): string {
  return formatCommunity(c);
}

/** Indices of the first repeat of each value in `items` (for "duplicate definition" errors). */
export function duplicateIndices(items: readonly string[]): { index: number; first: number }[] {
  const first = new Map<string, number>();
  const out: { index: number; first: number }[] = [];
  items.forEach((item, index) => {
    const seen = first.get(item);
    if (seen !== undefined) out.push({ index, first: seen });
    else first.set(item, index);
  });
  return out;
}
