/**
 * A YAML writer that formats like Go's yaml.v2 (what `sigs.k8s.io/yaml` and MetalLB's converter
 * produce): two-space indentation, sequences not indented under their key, strings quoted only
 * when yaml.v2 would read them back as something else, and (optionally) map keys in yaml.v2's
 * sort order. Emitting this way makes our CRDs byte-comparable with MetalLB's own golden files.
 */

export interface EmitOptions {
  /** Sort mapping keys the way yaml.v2 sorts Go maps (the converter's output); default false. */
  sortKeys?: boolean;
}

const YAML11_SPECIAL = new Set([
  '',
  '~',
  'null',
  'Null',
  'NULL',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '<<',
]);

const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const INT_PREFIXED = /^[-+]?0[bBoOxX][0-9a-fA-F_]+$/;
const DECIMAL = /^[-+]?[0-9][0-9_]*$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;

/** True when yaml.v2 would resolve the plain text to a non-string (or treat it as base-60). */
function resolvesToNonString(s: string): boolean {
  if (YAML11_SPECIAL.has(s)) return true;
  const first = s[0] ?? '';
  if (!/[-+.0-9]/.test(first)) return false;
  return DECIMAL.test(s) || INT_PREFIXED.test(s) || FLOAT.test(s) || BASE60.test(s) || TIMESTAMP.test(s);
}

const FIRST_INDICATORS = new Set([
  '#',
  ',',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
]);

function isPrintable(code: number): boolean {
  return (code >= 0x20 && code <= 0x7e) || code === 0x85 || (code >= 0xa0 && code !== 0xfeff);
}

/** libyaml's scalar analysis, reduced to what block context needs. */
function analyze(s: string): { plain: boolean; singleQuoted: boolean } {
  if (s.startsWith('---') || s.startsWith('...')) return { plain: false, singleQuoted: true };
  let blockIndicators = false;
  let special = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const next = s[i + 1];
    const followedByBlank = next === undefined || next === ' ' || next === '\t';
    const precededByBlank = i === 0 || s[i - 1] === ' ' || s[i - 1] === '\t';
    if (i === 0) {
      if (FIRST_INDICATORS.has(c)) blockIndicators = true;
      if ((c === '?' || c === ':' || c === '-') && followedByBlank) blockIndicators = true;
    } else {
      if (c === ':' && followedByBlank) blockIndicators = true;
      if (c === '#' && precededByBlank) blockIndicators = true;
      // Flow indicators (`,[]{}`) only matter inside flow collections, which this writer never uses.
    }
    if (!isPrintable(c.charCodeAt(0)) && c !== '\t') special = true;
  }
  const edgeSpace = s.startsWith(' ') || s.endsWith(' ');
  if (special) return { plain: false, singleQuoted: false };
  return { plain: !blockIndicators && !edgeSpace, singleQuoted: true };
}

function quoteDouble(s: string): string {
  return JSON.stringify(s);
}

/** A scalar string as yaml.v2 writes it on one line (not used for multi-line strings). */
export function formatScalarString(s: string): string {
  if (resolvesToNonString(s)) return quoteDouble(s);
  const a = analyze(s);
  if (a.plain) return s;
  if (a.singleQuoted) return `'${s.replaceAll("'", "''")}'`;
  return quoteDouble(s);
}

function isLetter(c: string): boolean {
  return c.toLowerCase() !== c.toUpperCase();
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * yaml.v2's map key order (`keyList.Less`): letters after other characters, digit runs compared
 * as numbers, otherwise by code point.
 */
export function compareGoYamlKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ac < bc ? -1 : 1;
  }
  return ar.length - br.length;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return formatScalarString(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new TypeError(`cannot emit ${typeof v} as YAML`);
}

function literalBlock(s: string, indent: number): string {
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
  const indicator = s.startsWith(' ') || s.startsWith('\n') ? '2' : '';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  const pad = ' '.repeat(indent);
  const lines = body.split('\n').map((line) => (line === '' ? '' : pad + line));
  return `|${indicator}${chomp}\n${lines.join('\n')}`;
}

function entries(obj: Record<string, unknown>, opts: EmitOptions): [string, unknown][] {
  const list = Object.entries(obj).filter(([, v]) => v !== undefined);
  if (opts.sortKeys) list.sort(([a], [b]) => compareGoYamlKeys(a, b));
  return list;
}

function emitNode(value: unknown, indent: number, opts: EmitOptions, out: string[]): void {
  // Called for values that start on their own line.
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isPlainObject(item) && Object.keys(item).some((k) => item[k] !== undefined)) {
        const lines: string[] = [];
        emitNode(item, indent + 2, opts, lines);
        const first = lines[0] ?? '';
        out.push(`${pad}- ${first.slice(indent + 2)}`, ...lines.slice(1));
      } else if (Array.isArray(item) && item.length > 0) {
        const lines: string[] = [];
        emitNode(item, indent + 2, opts, lines);
        const first = lines[0] ?? '';
        out.push(`${pad}- ${first.slice(indent + 2)}`, ...lines.slice(1));
      } else {
        out.push(`${pad}- ${inline(item, indent + 2, opts)}`);
      }
    }
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, v] of entries(value, opts)) {
      const k = formatScalarString(key);
      if (isPlainObject(v) && entries(v, opts).length > 0) {
        out.push(`${pad}${k}:`);
        emitNode(v, indent + 2, opts, out);
      } else if (Array.isArray(v) && v.length > 0) {
        out.push(`${pad}${k}:`);
        emitNode(v, indent, opts, out);
      } else if (typeof v === 'string' && v.includes('\n')) {
        out.push(`${pad}${k}: ${literalBlock(v, indent + 2)}`);
      } else {
        out.push(`${pad}${k}: ${inline(v, indent + 2, opts)}`);
      }
    }
    return;
  }
  out.push(pad + inline(value, indent, opts));
}

function inline(v: unknown, indent: number, _opts: EmitOptions): string {
  if (Array.isArray(v)) return '[]';
  if (isPlainObject(v)) return '{}';
  if (typeof v === 'string' && v.includes('\n')) return literalBlock(v, indent);
  return scalar(v);
}

/**
 * One YAML document (no `---`), ending in a newline. `undefined` members are skipped.
 *
 * @example
 * ```ts
 * emitYaml({ spec: { addresses: ['192.168.10.0/24'], communities: ['64512:1'] } });
 * // spec:\n  addresses:\n  - 192.168.10.0/24\n  communities:\n  - "64512:1"\n
 * ```
 */
export function emitYaml(value: unknown, opts: EmitOptions = {}): string {
  const out: string[] = [];
  emitNode(value, 0, opts, out);
  return `${out.join('\n')}\n`;
}
