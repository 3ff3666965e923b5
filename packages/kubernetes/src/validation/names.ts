/**
 * Ports of `k8s.io/apimachinery/pkg/util/validation` (names, labels, ports, hosts, IPs). Each
 * function returns the API server's messages for one value; an empty list means valid. These are
 * plain anchored regexes over short, length-checked strings (no backtracking blow-ups: every
 * pattern is linear in the input).
 *
 * @module
 */

import { isIP as netIsIP, isIPv4 as netIsIPv4, isIPv6 as netIsIPv6 } from 'node:net';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const WILDCARD_DNS1123_SUBDOMAIN_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

// Linear scanners instead of the upstream regexes, so no input can make validation backtrack.
const isLowerAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
const isAlnum = (c: string) => isLowerAlnum(c) || (c >= 'A' && c <= 'Z');

/** `[a-z0-9]([-a-z0-9]*[a-z0-9])?` */
export function matchesDns1123Label(v: string): boolean {
  if (v.length === 0 || !isLowerAlnum(v[0]!) || !isLowerAlnum(v[v.length - 1]!)) return false;
  for (const c of v) if (!isLowerAlnum(c) && c !== '-') return false;
  return true;
}

/** Labels joined by dots. */
export function matchesDns1123Subdomain(v: string): boolean {
  return v.split('.').every(matchesDns1123Label);
}

/** `[a-z]([-a-z0-9]*[a-z0-9])?` */
function matchesDns1035Label(v: string): boolean {
  return matchesDns1123Label(v) && v[0]! >= 'a' && v[0]! <= 'z';
}

/** `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` */
function matchesQualifiedName(v: string): boolean {
  if (v.length === 0 || !isAlnum(v[0]!) || !isAlnum(v[v.length - 1]!)) return false;
  for (const c of v) if (!isAlnum(c) && c !== '-' && c !== '_' && c !== '.') return false;
  return true;
}

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** apimachinery `RegexError`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** RFC 1123 label: namespaces, port names of Services, container names. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!matchesDns1123Label(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc',
      ),
    );
  }
  return errs;
}

/** RFC 1123 subdomain: most object names, hosts, secret names. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!matchesDns1123Subdomain(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

/** RFC 1035 label: Service names. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!matchesDns1035Label(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

/** `*.example.com`: the `*` is the whole first label. */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!(value.startsWith('*.') && matchesDns1123Subdomain(value.slice(2)))) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_DNS1123_SUBDOMAIN_FMT,
        '*.example.com',
      ),
    );
  }
  return errs;
}

/** Port number 1–65535. */
export function isValidPortNum(port: number): string[] {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return [];
  return [inclusiveRangeError(1, 65535)];
}

/** IANA_SVC_NAME: named ports (≤ 15, `[-a-z0-9]`, at least one letter, no `--`, no edge `-`). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port))
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-')))
    errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Label keys and annotation keys: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      `a qualified name ${regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        'MyName',
        'my.name',
        '123-abc',
      )} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!matchesQualifiedName(name)) {
    errs.push(
      `name part ${regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        'MyName',
        'my.name',
        '123-abc',
      )}`,
    );
  }
  return errs;
}

/** Label values: empty, or ≤ 63 qualified-name characters. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!(value === '' || matchesQualifiedName(value))) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** True when `value` parses as an IPv4 or IPv6 literal (the API server's `ParseIPSloppy`, which also accepts IPv4 with leading zeros). */
export function isIP(value: string): boolean {
  if (netIsIP(value) !== 0) return true;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) && value.split('.').every((p) => Number(p) <= 255);
}

export function isIPv4(value: string): boolean {
  return netIsIPv4(value);
}

export function isIPv6(value: string): boolean {
  return netIsIPv6(value);
}

/** CIDR in either family (`10.0.0.0/8`, `fd00::/64`). */
export function isCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (netIsIPv4(ip)) return Number(bits) <= 32;
  if (netIsIPv6(ip)) return Number(bits) <= 128;
  return false;
}
