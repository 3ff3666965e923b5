/**
 * BGP communities: standard (RFC 1997, `65535:65281`, two 16-bit halves) and large (RFC 8092,
 * `large:64512:1:2`, three 32-bit parts). The legacy ConfigMap only knows the standard form.
 */

export type BGPCommunity =
  | { kind: 'standard'; asn: number; value: number }
  | { kind: 'large'; globalAdministrator: number; localData1: number; localData2: number };

export type CommunityResult =
  | { ok: true; value: BGPCommunity }
  /** `format`: not community syntax at all (it may be an alias); `value`: syntax right, a number out of range. */
  | { ok: false; reason: 'format' | 'value'; error: string };

function parseUint(text: string, max: number): number | undefined {
  if (text === '' || text.length > 10) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(text);
  return n <= max ? n : undefined;
}

function isDigits(text: string): boolean {
  return text.length > 0 && [...text].every((c) => c >= '0' && c <= '9');
}

/**
 * Parses a community value as MetalLB's CRD code does (`community.New`).
 *
 * @example
 * ```ts
 * parseCommunity('64512:100');       // standard
 * parseCommunity('large:64512:1:2'); // large
 * parseCommunity('no-export');       // { ok: false, reason: 'format' } — maybe an alias
 * ```
 */
export function parseCommunity(text: string): CommunityResult {
  const parts = text.split(':');
  if (parts[0] === 'large') {
    if (parts.length !== 4 || !parts.slice(1).every(isDigits)) {
      return {
        ok: false,
        reason: 'format',
        error: `invalid large community ${JSON.stringify(text)}: expected large:<global>:<local1>:<local2>`,
      };
    }
    const [g, l1, l2] = parts.slice(1).map((p) => parseUint(p, 0xffffffff));
    if (g === undefined || l1 === undefined || l2 === undefined) {
      return {
        ok: false,
        reason: 'value',
        error: `invalid large community ${JSON.stringify(text)}: each part must be a number from 0 to 4294967295`,
      };
    }
    return { ok: true, value: { kind: 'large', globalAdministrator: g, localData1: l1, localData2: l2 } };
  }
  if (parts.length !== 2 || !parts.every(isDigits)) {
    return {
      ok: false,
      reason: 'format',
      error: `invalid community ${JSON.stringify(text)}: expected <0-65535>:<0-65535> or large:<n>:<n>:<n>`,
    };
  }
  const [a, b] = parts.map((p) => parseUint(p, 0xffff));
  if (a === undefined || b === undefined) {
    return {
      ok: false,
      reason: 'value',
      error: `invalid community ${JSON.stringify(text)}: each half must be a number from 0 to 65535`,
    };
  }
  return { ok: true, value: { kind: 'standard', asn: a, value: b } };
}

/** Canonical text (`65535:65281`, `large:1:2:3`), used to compare communities for duplicates. */
export function formatCommunity(c: BGPCommunity): string {
  return c.kind === 'standard'
    ? `${c.asn}:${c.value}`
    : `large:${c.globalAdministrator}:${c.localData1}:${c.localData2}`;
}
