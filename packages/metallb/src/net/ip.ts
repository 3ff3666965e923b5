/**
 * IP addresses, prefixes and ranges with Go's `net` package semantics (MetalLB parses with
 * `net.ParseIP` / `net.ParseCIDR`), as exact integers: IPv4 and IPv6 values are `bigint`s so one
 * code path serves both families without precision loss.
 */

export type IPFamily = 4 | 6;

/** An address: family and its value as an unsigned integer (32 or 128 bits). */
export interface IPAddress {
  family: IPFamily;
  value: bigint;
}

/** A CIDR prefix: the network address (host bits zero) and the prefix length. */
export interface IPPrefix {
  family: IPFamily;
  base: bigint;
  bits: number;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;

export function familyBits(family: IPFamily): number {
  return family === 4 ? IPV4_BITS : IPV6_BITS;
}

function isDecimal(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const lower = c >= 97 && c <= 102;
    const upper = c >= 65 && c <= 70;
    if (!digit && !lower && !upper) return false;
  }
  return true;
}

/** Dotted-quad IPv4 as Go ≥ 1.17 accepts it: four decimal octets, no leading zeros. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!isDecimal(part) || part.length > 3) return undefined;
    if (part.length > 1 && part[0] === '0') return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** IPv6 text (RFC 4291 forms, `::` compression, trailing dotted IPv4); zones are rejected like `net.ParseIP`. */
export function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  const doubleColon = s.indexOf('::');
  if (doubleColon !== -1 && s.indexOf('::', doubleColon + 1) !== -1) return undefined;
  const head = doubleColon === -1 ? s : s.slice(0, doubleColon);
  const tail = doubleColon === -1 ? '' : s.slice(doubleColon + 2);
  const parseGroups = (text: string, allowV4Tail: boolean): number[] | undefined => {
    if (text === '') return [];
    const groups: number[] = [];
    const parts = text.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (allowV4Tail && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part);
        if (v4 === undefined) return undefined;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!isHex(part) || part.length > 4) return undefined;
      groups.push(Number.parseInt(part, 16));
    }
    return groups;
  };
  const headGroups = parseGroups(head, doubleColon === -1);
  const tailGroups = parseGroups(tail, true);
  if (!headGroups || !tailGroups) return undefined;
  let groups: number[];
  if (doubleColon === -1) {
    if (headGroups.length !== 8) return undefined;
    groups = headGroups;
  } else {
    const missing = 8 - headGroups.length - tailGroups.length;
    if (missing < 1) return undefined;
    groups = [...headGroups, ...new Array<number>(missing).fill(0), ...tailGroups];
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/**
 * Parses an address like Go's `net.ParseIP`. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count
 * as IPv4, as `ip.To4() != nil` does in MetalLB.
 *
 * @example
 * ```ts
 * parseIP('192.168.10.1'); // { family: 4, value: 3232238081n }
 * parseIP('fc00::1');      // { family: 6, value: ... }
 * parseIP('10.0.0.01');    // undefined (leading zero)
 * ```
 */
export function parseIP(s: string): IPAddress | undefined {
  if (s.includes(':')) {
    const v6 = parseIPv6(s);
    if (v6 === undefined) return undefined;
    if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
    return { family: 6, value: v6 };
  }
  const v4 = parseIPv4(s);
  return v4 === undefined ? undefined : { family: 4, value: BigInt(v4) };
}

/** Dotted-quad text of a 32-bit value. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text as Go prints it: lowercase, the longest run (≥ 2) of zero groups compressed, first on ties. */
export function formatIPv6(value: bigint): string {
  if (value >> 32n === 0xffffn) return formatIPv4(Number(value & 0xffffffffn));
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Canonical text of an address (Go's `net.IP.String()`).
 *
 * @example
 * ```ts
 * formatIP({ family: 6, value: 0x20010db8n << 96n }); // '2001:db8::'
 * ```
 */
export function formatIP(addr: IPAddress): string {
  return addr.family === 4 ? formatIPv4(Number(addr.value)) : formatIPv6(addr.value);
}

/** Canonical `base/bits` text (Go's `net.IPNet.String()`).
 *
 * @example
 * ```ts
 * formatPrefix({ family: 4, base: 167772160n, bits: 8 }); // '10.0.0.0/8'
 * ```
 */
export function formatPrefix(p: IPPrefix): string {
  return `${formatIP({ family: p.family, value: p.base })}/${p.bits}`;
}

export function prefixSize(p: IPPrefix): bigint {
  return 1n << BigInt(familyBits(p.family) - p.bits);
}

export function prefixLast(p: IPPrefix): bigint {
  return p.base + prefixSize(p) - 1n;
}

export function prefixContains(p: IPPrefix, addr: IPAddress): boolean {
  return addr.family === p.family && addr.value >= p.base && addr.value <= prefixLast(p);
}

/** True when the two prefixes share at least one address (prefixes nest or are disjoint). */
export function prefixesOverlap(a: IPPrefix, b: IPPrefix): boolean {
  if (a.family !== b.family) return false;
  return a.base <= prefixLast(b) && b.base <= prefixLast(a);
}

function mask(family: IPFamily, bits: number): bigint {
  const total = familyBits(family);
  const all = (1n << BigInt(total)) - 1n;
  return all ^ ((1n << BigInt(total - bits)) - 1n);
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * `net.ParseCIDR`: `address/length`; host bits are cleared (`192.168.1.7/24` → `192.168.1.0/24`).
 * IPv4-mapped IPv6 text stays IPv6 here, unlike single addresses.
 *
 * @example
 * ```ts
 * parseCIDR('192.168.1.7/24'); // { ok: true, value: { family: 4, base: 3232235776n, bits: 24 } }
 * ```
 */
export function parseCIDR(s: string): ParseResult<IPPrefix> {
  const slash = s.indexOf('/');
  if (slash === -1) return { ok: false, error: 'missing /prefix-length' };
  const addrText = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  let family: IPFamily;
  let value: bigint;
  if (addrText.includes(':')) {
    const v6 = parseIPv6(addrText);
    if (v6 === undefined) return { ok: false, error: `invalid IPv6 address ${JSON.stringify(addrText)}` };
    family = 6;
    value = v6;
  } else {
    const v4 = parseIPv4(addrText);
    if (v4 === undefined) return { ok: false, error: `invalid IPv4 address ${JSON.stringify(addrText)}` };
    family = 4;
    value = BigInt(v4);
  }
  if (!isDecimal(bitsText) || bitsText.length > 3) {
    return { ok: false, error: `invalid prefix length ${JSON.stringify(bitsText)}` };
  }
  const bits = Number(bitsText);
  if (bits > familyBits(family)) {
    return { ok: false, error: `prefix length ${bits} is longer than ${familyBits(family)}` };
  }
  return { ok: true, value: { family, base: value & mask(family, bits), bits } };
}

/**
 * The smallest list of prefixes covering `start..end` (inclusive), lowest first, like
 * `ipaddr.Summarize`, which MetalLB uses for `a-b` ranges.
 *
 * @example
 * ```ts
 * summarizeRange(4, 10n, 13n); // 0.0.0.10/31, 0.0.0.12/31
 * ```
 */
export function summarizeRange(family: IPFamily, start: bigint, end: bigint): IPPrefix[] {
  const total = familyBits(family);
  const out: IPPrefix[] = [];
  let cur = start;
  while (cur <= end) {
    // Largest block aligned at `cur` that does not run past `end`.
    let hostBits = 0;
    while (hostBits < total) {
      const next = hostBits + 1;
      const size = 1n << BigInt(next);
      if (cur % size !== 0n || cur + size - 1n > end) break;
      hostBits = next;
    }
    out.push({ family, base: cur, bits: total - hostBits });
    cur += 1n << BigInt(hostBits);
  }
  return out;
}

/** One entry of a pool's `addresses`: a CIDR or an `a-b` range, as the prefixes it covers. */
export interface AddressEntry {
  text: string;
  kind: 'cidr' | 'range';
  family: IPFamily;
  prefixes: IPPrefix[];
}

/** Why an `addresses` entry was rejected; `message` is written for users. */
export interface AddressEntryError {
  code: 'invalid-cidr' | 'invalid-range' | 'range-start-after-end' | 'range-mixed-families';
  message: string;
}

/**
 * Parses one pool `addresses` entry the way MetalLB's `config.ParseCIDR` does: text with a `-` is
 * a range (both ends trimmed), anything else a CIDR.
 *
 * @example
 * ```ts
 * parseAddressEntry('192.168.0.150-192.168.0.200'); // range → 192.168.0.150/31, …/30, …, 192.168.0.200/32
 * parseAddressEntry('fc00::/124');                  // one IPv6 prefix
 * ```
 */
export function parseAddressEntry(
  text: string,
): ParseResult<AddressEntry> | { ok: false; error: AddressEntryError } {
  if (!text.includes('-')) {
    const cidr = parseCIDR(text);
    if (!cidr.ok) {
      return {
        ok: false,
        error: {
          code: 'invalid-cidr',
          message: `invalid CIDR ${JSON.stringify(text)} (${cidr.error}): expected a CIDR such as 192.168.10.0/24 or a range such as 192.168.10.10-192.168.10.20`,
        },
      };
    }
    return { ok: true, value: { text, kind: 'cidr', family: cidr.value.family, prefixes: [cidr.value] } };
  }
  const dash = text.indexOf('-');
  const startText = text.slice(0, dash).trim();
  const endText = text.slice(dash + 1).trim();
  const start = parseIP(startText);
  if (!start) {
    return {
      ok: false,
      error: {
        code: 'invalid-range',
        message: `invalid IP range ${JSON.stringify(text)}: invalid start IP ${JSON.stringify(startText)}, expected an IP address`,
      },
    };
  }
  const end = parseIP(endText);
  if (!end) {
    return {
      ok: false,
      error: {
        code: 'invalid-range',
        message: `invalid IP range ${JSON.stringify(text)}: invalid end IP ${JSON.stringify(endText)}, expected an IP address`,
      },
    };
  }
  if (start.family !== end.family) {
    return {
      ok: false,
      error: {
        code: 'range-mixed-families',
        message: `invalid IP range ${JSON.stringify(text)}: start and end must be the same IP family`,
      },
    };
  }
  if (start.value > end.value) {
    return {
      ok: false,
      error: {
        code: 'range-start-after-end',
        message: `invalid IP range ${JSON.stringify(text)}: start IP ${JSON.stringify(formatIP(start))} is after the end IP ${JSON.stringify(formatIP(end))}`,
      },
    };
  }
  return {
    ok: true,
    value: {
      text,
      kind: 'range',
      family: start.family,
      prefixes: summarizeRange(start.family, start.value, end.value),
    },
  };
}

/** True for IPv4 addresses ending in .0 or .255, which `avoidBuggyIPs` skips. */
export function isBuggyIPv4(value: number): boolean {
  const last = value & 255;
  return last === 0 || last === 255;
}
