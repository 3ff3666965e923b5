/**
 * A fast parser for the plain subset of YAML that Kubernetes manifests use: block mappings and
 * sequences, plain / single-quoted / double-quoted scalars, single-line flow collections,
 * literal block scalars and comments, resolved with the YAML 1.2 core schema.
 *
 * It exists for speed (the `yaml` package parses ~1.5 MB/s; this is ~100× faster) and is strictly
 * conservative: anything outside the subset (anchors, tags, folded scalars, multi-line plain or
 * flow scalars, complex keys, duplicate keys, tabs, odd escapes) makes it return `undefined`, and
 * the caller parses the document with the `yaml` package instead, which also reports errors.
 * A property test holds its output equal to `yaml`'s for everything it accepts.
 *
 * Speed comes from working on the whole stream in place: one cursor walks the lines of a
 * document range with `charCodeAt` and index arithmetic, and strings are cut only for keys and
 * scalar values, so a multi-megabyte stream is never split into per-line or per-document copies.
 */

class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported();
};

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const CR = 13;

/** The whitespace `String.prototype.trim` removes (WhiteSpace and LineTerminator). */
function isTrimSpace(c: number): boolean {
  if (c === SPACE || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** A parsed document range. */
export interface FastDocument {
  value: unknown;
  /**
   * Newlines in the range; equals the number of lines it spans when the range ends with a
   * newline (as every document but a stream's last does).
   */
  newlines: number;
}

/**
 * Characters the fast path leaves to `yaml`: control characters other than LF and CR (tabs among
 * them), and whitespace that YAML does not treat as whitespace but JavaScript's `trim` would
 * strip (NEL, NBSP, the Unicode spaces, BOM…). One character class, no quantifier: a linear scan
 * with nothing to backtrack.
 */
const AWKWARD =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g;
// V8 interprets a regexp's first run and compiles it to native code for the next: run it twice
// on a tiny input now, so the first multi-megabyte stream is scanned at native speed.
AWKWARD.test(' ');
AWKWARD.lastIndex = 0;
AWKWARD.test(' ');

/** Position of the next awkward character at or after `from`; -1 when none. */
function nextAwkwardSpace(text: string, from: number): number {
  AWKWARD.lastIndex = from;
  const m = AWKWARD.exec(text);
  return m === null ? -1 : m.index;
}

/** Parses one YAML document; returns `{ value }`, or undefined when outside the subset. */
export function fastParseDocument(text: string): { value: unknown } | undefined {
  if (nextAwkwardSpace(text, 0) >= 0) return undefined;
  const doc = new RangeParser(text).parse(0, text.length);
  return doc && { value: doc.value };
}

/**
 * Parses document ranges of one stream in place. Reuse one instance per stream: it remembers
 * where the next tab (or other awkward whitespace) is, so checking each range stays linear in
 * the stream.
 *
 * @example
 * ```ts
 * const doc = new RangeParser(text).parse(0, text.length); // { value, newlines } or undefined
 * ```
 */
export class RangeParser {
  private readonly text: string;
  /** Position of the next tab or awkward space at or after the last parsed range's start (-1: none). */
  private tab: number;
  private tabFrom = 0;
  /** End (exclusive) of the range being parsed. */
  private end = 0;
  // The cursor: the current content line (not blank, not a comment).
  private eof = false;
  /** Index of the newline ending the line (or `end`). */
  private lineEnd = 0;
  /** 0-based line number within the range. */
  private lineNo = 0;
  /** Indentation; a `- ` sequence entry moves it (and `cs`) to the entry's content. */
  private ind = 0;
  /** Content start (after the indentation) and end (right-trimmed). */
  private cs = 0;
  private ce = 0;
  // Result of keyOf(): the key and where the rest of the line starts.
  private key = '';
  private rest = 0;
  // Next `: ` and ` #` at or after the last position asked for (-1: none); see nextColon().
  private colonAt = -1;
  private colonFrom = Number.MAX_SAFE_INTEGER;
  private hashAt = -1;
  private hashFrom = Number.MAX_SAFE_INTEGER;

  constructor(text: string) {
    this.text = text;
    this.tab = nextAwkwardSpace(text, 0);
  }

  /** Parses `text[start, end)`; `end` must be the text's end or the start of a line. */
  parse(start: number, end: number): FastDocument | undefined {
    const text = this.text;
    if (text.charCodeAt(start) === 0xfeff) return undefined;
    if (start < this.tabFrom || (this.tab >= 0 && this.tab < start)) {
      this.tab = nextAwkwardSpace(text, start);
      this.tabFrom = start;
    }
    if (this.tab >= start && this.tab < end) return undefined;
    this.end = end;
    try {
      this.scanFrom(start, 0);
      let value: unknown = null;
      if (!this.eof) {
        value = this.node(this.ind, true, false);
        if (!this.eof) bail();
      }
      return { value, newlines: this.lineNo };
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
  }

  /** Moves the cursor to the first content line at or after the line starting at `q`. */
  private scanFrom(q: number, lineNo: number): void {
    const text = this.text;
    const end = this.end;
    while (q < end) {
      let le = text.indexOf('\n', q);
      if (le < 0 || le > end) le = end;
      let i = q;
      while (i < le && text.charCodeAt(i) === SPACE) i++;
      // A line of spaces (and one trailing CR) is blank; `#` starts a comment line.
      const re = le > q && text.charCodeAt(le - 1) === CR ? le - 1 : le;
      if (i >= re || text.charCodeAt(i) === HASH) {
        q = le + 1;
        lineNo++;
        continue;
      }
      let e = le;
      while (e > i && isTrimSpace(text.charCodeAt(e - 1))) e--;
      this.lineEnd = le;
      this.lineNo = lineNo;
      this.ind = i - q;
      this.cs = i;
      this.ce = e;
      this.eof = false;
      return;
    }
    this.eof = true;
    this.lineNo = lineNo;
  }

  /**
   * First `: ` at or after `s`. The cursor moves forward, so one `indexOf` answers the questions
   * of many lines (the `: ` after a value is the next line's key) and the scans stay linear.
   */
  private nextColon(s: number): number {
    if (s < this.colonFrom || (this.colonAt >= 0 && this.colonAt < s)) {
      this.colonAt = this.text.indexOf(': ', s);
      this.colonFrom = s;
    }
    return this.colonAt;
  }

  /** First ` #` (a comment after content) at or after `s`; as nextColon(). */
  private nextHash(s: number): number {
    if (s < this.hashFrom || (this.hashAt >= 0 && this.hashAt < s)) {
      this.hashAt = this.text.indexOf(' #', s);
      this.hashFrom = s;
    }
    return this.hashAt;
  }

  private next(): void {
    this.scanFrom(this.lineEnd + 1, this.lineNo + 1);
  }

  /** True when `text[s, e)` is `-` or starts with `- `. */
  private isDash(s: number, e: number): boolean {
    const text = this.text;
    return s < e && text.charCodeAt(s) === DASH && (s + 1 === e || text.charCodeAt(s + 1) === SPACE);
  }

  /** A node whose first line is the current one, at `indent`. */
  private node(indent: number, top: boolean, haveKey: boolean): unknown {
    if (this.ind !== indent) bail();
    const cs = this.cs;
    const ce = this.ce;
    if (this.isDash(cs, ce)) return this.seq(indent);
    // The first pair is parsed once and handed to map() (keyOf is the parser's hot spot).
    if (haveKey || this.keyOf(cs, ce)) return this.map(indent);
    if (!top) bail();
    // A document that is a single scalar or flow collection.
    const lineEnd = this.lineEnd;
    const lineNo = this.lineNo;
    this.next();
    return this.inlineValue(cs, ce, lineEnd, lineNo, indent);
  }

  /**
   * Finds `key: ` in `text[s, e)`: sets `key` and `rest` (start of the trimmed value) and returns
   * true, or returns false when the text is not a pair.
   */
  private keyOf(s: number, e: number): boolean {
    const text = this.text;
    const c = s < e ? text.charCodeAt(s) : -1;
    if (c === DQUOTE || c === SQUOTE) {
      const k = c === DQUOTE ? doubleQuoted(text, s, e) : singleQuoted(text, s, e);
      const j = quotedEnd;
      if (j >= e || text.charCodeAt(j) !== COLON) return false;
      if (j + 1 < e && text.charCodeAt(j + 1) !== SPACE) bail();
      this.key = k;
      this.rest = skipTrimSpace(text, j + 1, e);
      return true;
    }
    if (c === 63 /* ? */ || c === 91 /* [ */ || c === 123 /* { */) {
      if (c === 63 && (s + 1 === e || text.charCodeAt(s + 1) === SPACE)) bail();
      return false;
    }
    // The first `: ` (or a final `:`), unless a ` #` comment starts before it.
    let idx = this.nextColon(s);
    if (idx < 0 || idx >= e) {
      if (e <= s || text.charCodeAt(e - 1) !== COLON) return false;
      idx = e - 1;
    }
    const hash = this.nextHash(s);
    if (hash >= 0 && hash < idx) return false;
    let ke = idx;
    while (ke > s && text.charCodeAt(ke - 1) === SPACE) ke--;
    let key: string;
    if (ke > s && isTrimSpace(text.charCodeAt(ke - 1))) key = text.slice(s, ke).trimEnd();
    else key = internKey(text, s, ke);
    if (key === '') bail();
    checkPlainStart(text, s, s + key.length);
    if (typeof resolvePlain(key) !== 'string' || key === '<<') bail();
    this.key = key;
    this.rest = skipTrimSpace(text, idx + 1, e);
    return true;
  }

  /** A block mapping whose first key the caller has just parsed with keyOf(). */
  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let first = true;
    while (!this.eof) {
      if (this.ind < indent) break;
      if (this.ind > indent) bail();
      if (!first && !this.keyOf(this.cs, this.ce)) bail();
      first = false;
      const key = this.key;
      const rest = this.rest;
      const ce = this.ce;
      const lineEnd = this.lineEnd;
      const lineNo = this.lineNo;
      if (key === '__proto__' || Object.hasOwn(out, key)) bail(); // duplicates: let `yaml` report them
      this.next();
      out[key] = this.valueAfterKey(rest, ce, lineEnd, lineNo, indent);
    }
    return out;
  }

  private valueAfterKey(rs: number, re: number, lineEnd: number, lineNo: number, indent: number): unknown {
    if (rs === re || this.text.charCodeAt(rs) === HASH) {
      if (this.eof) return null;
      if (this.ind > indent) return this.node(this.ind, false, false);
      if (this.ind === indent && this.isDash(this.cs, this.ce)) return this.seq(indent);
      return null;
    }
    return this.inlineValue(rs, re, lineEnd, lineNo, indent);
  }

  /** A value written on the same line (after `key: ` or `- `), `text[rs, re)`; the cursor is past it. */
  private inlineValue(rs: number, re: number, lineEnd: number, lineNo: number, indent: number): unknown {
    const text = this.text;
    const c = rs < re ? text.charCodeAt(rs) : -1;
    if (c === 124 /* | */) return this.literal(rs, re, lineEnd, lineNo, indent);
    let v: unknown;
    if (c === DQUOTE || c === SQUOTE) {
      v = c === DQUOTE ? doubleQuoted(text, rs, re) : singleQuoted(text, rs, re);
      expectEnd(text, quotedEnd, re);
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      v = flow(text, rs, re);
      expectEnd(text, flowPos, re);
    } else {
      v = this.plainValue(rs, re);
    }
    // A more-indented line after a scalar would continue it (multi-line scalar): not our subset.
    if (!this.eof && this.ind > indent) bail();
    return v;
  }

  /** A plain scalar `text[s, e)` in block context: strips a trailing comment, refuses what would be YAML structure. */
  private plainValue(s: number, e: number): unknown {
    const text = this.text;
    checkPlainStart(text, s, e);
    // Up to the first ` #`; a `: ` before it (or a final `:`) would make this a mapping.
    const hash = this.nextHash(s);
    let ve = hash >= 0 && hash + 1 < e ? hash : e;
    const colon = this.nextColon(s);
    if (colon >= 0 && colon < ve) bail();
    while (ve > s && isTrimSpace(text.charCodeAt(ve - 1))) ve--;
    if (ve > s && text.charCodeAt(ve - 1) === COLON) bail();
    return plainScalar(text, s, ve);
  }

  private seq(indent: number): unknown[] {
    const text = this.text;
    const out: unknown[] = [];
    while (!this.eof) {
      if (this.ind < indent) break;
      if (this.ind > indent) bail();
      const cs = this.cs;
      const ce = this.ce;
      if (!this.isDash(cs, ce)) break;
      let rs = cs + 1;
      while (rs < ce && text.charCodeAt(rs) === SPACE) rs++;
      if (rs === ce || text.charCodeAt(rs) === HASH) {
        this.next();
        out.push(!this.eof && this.ind > indent ? this.node(this.ind, false, false) : null);
        continue;
      }
      const inner = indent + (rs - cs);
      const dash = this.isDash(rs, ce);
      const kv = dash ? false : this.keyOf(rs, ce);
      if (dash || kv) {
        // `- key: v` / `- - x`: the item is a block node starting at this column.
        this.ind = inner;
        this.cs = rs;
        out.push(this.node(inner, false, kv));
        continue;
      }
      const lineEnd = this.lineEnd;
      const lineNo = this.lineNo;
      this.next();
      out.push(this.inlineValue(rs, ce, lineEnd, lineNo, indent));
    }
    return out;
  }

  /**
   * `|`, `|-` literal block scalars; the header is `text[hs, he)` on the line ending at
   * `lineEnd` (keep-chomping `|+` and explicit indentation indicators go to `yaml`).
   */
  private literal(hs: number, he: number, lineEnd: number, lineNo: number, indent: number): string {
    const text = this.text;
    const m = /^\|(-?)(\s+#.*)?$/.exec(text.slice(hs, he));
    if (!m) bail();
    const chomp = m![1];
    // Collect raw lines after the header until a non-empty line at indent <= parent indent.
    const body: string[] = [];
    const end = this.end;
    let q = lineEnd + 1;
    let n = lineNo + 1;
    let blockIndent = -1;
    while (q < end) {
      let le = text.indexOf('\n', q);
      if (le < 0 || le > end) le = end;
      const re = le > q && text.charCodeAt(le - 1) === CR ? le - 1 : le;
      let i = q;
      while (i < re && text.charCodeAt(i) === SPACE) i++;
      if (i === re) {
        if (re > q) bail(); // whitespace-only lines inside a literal carry content rules we skip
        body.push('');
      } else {
        const col = i - q;
        if (blockIndent < 0) {
          if (col <= indent) break;
          blockIndent = col;
        }
        if (col < blockIndent) {
          if (col > indent) bail(); // less indented than the block but still inside the parent
          break;
        }
        body.push(text.slice(q + blockIndent, re));
      }
      q = le + 1;
      n++;
    }
    // Resume at the first line the block did not consume.
    this.scanFrom(q, n);
    // Trailing blank lines belong to chomping.
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    if (last === 0) return '';
    const content = body.slice(0, last).join('\n');
    return chomp === '-' ? content : `${content}\n`;
  }
}

/** Recently seen keys by hash: field names repeat in every document of a stream. */
const KEY_SLOTS = 1024;
const keyTable: string[] = new Array<string>(KEY_SLOTS).fill('');

/**
 * `text.slice(s, e)`, reusing an equal string cut before: saves the copy, and a reused string is
 * already internalized, which makes it much cheaper as a property key.
 */
function internKey(text: string, s: number, e: number): string {
  const n = e - s;
  if (n > 32) return text.slice(s, e);
  let h = n;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  const slot = (h ^ (h >>> 10)) & (KEY_SLOTS - 1);
  const cached = keyTable[slot]!;
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === text.charCodeAt(s + i)) i++;
    if (i === n) return cached;
  }
  const key = text.slice(s, e);
  keyTable[slot] = key;
  return key;
}

/** Recently seen short plain scalars (kinds, apiVersions, namespaces…) and what they resolve to. */
const VALUE_SLOTS = 1024;
const valueText: string[] = new Array<string>(VALUE_SLOTS).fill('');
const valueResolved: unknown[] = new Array<unknown>(VALUE_SLOTS).fill(null);

/** `resolvePlain(text.slice(s, e))`, reusing the string and value of an equal scalar seen before. */
function plainScalar(text: string, s: number, e: number): unknown {
  const n = e - s;
  if (n === 0 || n > 40) return resolvePlain(text.slice(s, e));
  const slot =
    (n * 961 + text.charCodeAt(s) * 31 + text.charCodeAt(s + (n >> 1)) * 7 + text.charCodeAt(e - 1)) &
    (VALUE_SLOTS - 1);
  const cached = valueText[slot]!;
  if (cached.length === n && text.startsWith(cached, s)) return valueResolved[slot];
  const str = text.slice(s, e);
  const value = resolvePlain(str);
  valueText[slot] = str;
  valueResolved[slot] = value;
  return value;
}

function skipTrimSpace(text: string, i: number, e: number): number {
  while (i < e && isTrimSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Matches the YAML 1.2 core-schema integer form `[-+]?[0-9]+`. */
function isDecimalInt(s: string): boolean {
  let i = 0;
  const c = s.charCodeAt(0);
  if (c === 43 || c === DASH) i = 1;
  if (i === s.length) return false;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** YAML 1.2 core-schema resolution of a plain scalar. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Only null and booleans start with these; only numbers start with a digit, sign or dot.
  if (s === '' || c === 126 /* ~ */ || c === 110 /* n */ || c === 78 /* N */) {
    if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  } else if (c === 116 /* t */ || c === 84 /* T */) {
    if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  } else if (c === 102 /* f */ || c === 70 /* F */) {
    if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  } else if ((c >= 48 && c <= 57) || c === DASH || c === 43 || c === 46) {
    if (isDecimalInt(s)) return Number.parseInt(s, 10);
    if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8);
    if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
    if (FLOAT.test(s)) return Number.parseFloat(s);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(s))
      return s.startsWith('-') ? -Number.POSITIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (/^\.(nan|NaN|NAN)$/.test(s)) return Number.NaN;
  }
  return s;
}

/** Characters that cannot start a plain scalar `text[s, e)` in block context (or that we leave to `yaml`). */
function checkPlainStart(text: string, s: number, e: number): void {
  if (s >= e) return;
  const c = text.charCodeAt(s);
  if (
    c === 38 /* & */ ||
    c === 42 /* * */ ||
    c === 33 /* ! */ ||
    c === 37 /* % */ ||
    c === 64 /* @ */ ||
    c === 96 /* ` */ ||
    c === 124 /* | */ ||
    c === 62 /* > */ ||
    c === HASH ||
    c === 44 /* , */ ||
    c === 93 /* ] */ ||
    c === 125 /* } */ ||
    ((c === DASH || c === 63 /* ? */ || c === COLON) && (s + 1 === e || text.charCodeAt(s + 1) === SPACE))
  )
    bail();
}

/** End (exclusive) of the last quoted scalar read by doubleQuoted() / singleQuoted(). */
let quotedEnd = 0;

/** A double-quoted scalar starting at `text[start]`, closed before `end`. */
function doubleQuoted(text: string, start: number, end: number): string {
  let i = start + 1;
  let plain = true;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      const e = i + 1 < end ? text.charCodeAt(i + 1) : -1;
      // " \ / b f n r t u: the escapes JSON shares with YAML.
      if (
        e !== DQUOTE &&
        e !== BACKSLASH &&
        e !== 47 &&
        e !== 98 &&
        e !== 102 &&
        e !== 110 &&
        e !== 114 &&
        e !== 116 &&
        e !== 117
      )
        bail();
      plain = false;
      i += 2;
      continue;
    }
    if (c === DQUOTE) break;
    if (c < SPACE) plain = false;
    i++;
  }
  if (i >= end) bail(); // multi-line double-quoted scalars go to `yaml`
  quotedEnd = i + 1;
  // Without escapes or control characters the JSON reading is the text itself.
  if (plain) return text.slice(start + 1, i);
  try {
    return JSON.parse(text.slice(start, i + 1)) as string;
  } catch {
    return bail();
  }
}

/** A single-quoted scalar starting at `text[start]`, closed before `end`. */
function singleQuoted(text: string, start: number, end: number): string {
  let i = start + 1;
  let out = '';
  for (;;) {
    const j = text.indexOf("'", i);
    if (j < 0 || j >= end) bail();
    if (j + 1 < end && text.charCodeAt(j + 1) === SQUOTE) {
      out += `${text.slice(i, j)}'`;
      i = j + 2;
      continue;
    }
    quotedEnd = j + 1;
    return i === start + 1 ? text.slice(i, j) : out + text.slice(i, j);
  }
}

/** After a quoted scalar or flow collection only spaces and a comment may follow. */
function expectEnd(text: string, i: number, e: number): void {
  const j = skipTrimSpace(text, i, e);
  if (j < e && !(j > i && text.charCodeAt(j) === HASH)) bail();
}

/** Position after the last flow collection read by flow(). */
let flowPos = 0;

function flowWs(text: string, e: number): void {
  while (flowPos < e && text.charCodeAt(flowPos) === SPACE) flowPos++;
}

/** A scalar (or nested collection) inside a flow collection, at `flowPos`. */
function flowScalar(text: string, e: number, isKey: boolean): unknown {
  flowWs(text, e);
  const i = flowPos;
  const c = i < e ? text.charCodeAt(i) : -1;
  if (c === DQUOTE || c === SQUOTE) {
    const v = c === DQUOTE ? doubleQuoted(text, i, e) : singleQuoted(text, i, e);
    flowPos = quotedEnd;
    return v;
  }
  if (c === 91 || c === 123) return flow(text, i, e);
  let j = i;
  while (j < e) {
    const d = text.charCodeAt(j);
    if (d === 44 || d === 93 || d === 125 || d === 91 || d === 123) break;
    if (d === COLON) {
      const n = j + 1 < e ? text.charCodeAt(j + 1) : -1;
      if (n === SPACE || n === 44 || n === 125 || n === 93 || n === -1) break;
    }
    if (d === HASH && j > 0 && text.charCodeAt(j - 1) === SPACE) bail();
    j++;
  }
  const s = text.slice(i, j).trim();
  if (s === '') bail();
  checkPlainStart(s, 0, s.length);
  if (isKey && s.includes(':')) bail();
  flowPos = j;
  return resolvePlain(s);
}

/** Single-line flow collection `text[start, …)` closed before `e`; sets `flowPos` past it. */
function flow(text: string, start: number, e: number): unknown {
  flowPos = start + 1;
  if (text.charCodeAt(start) === 91 /* [ */) {
    const out: unknown[] = [];
    flowWs(text, e);
    if (flowPos < e && text.charCodeAt(flowPos) === 93) {
      flowPos++;
      return out;
    }
    for (;;) {
      out.push(flowScalar(text, e, false));
      flowWs(text, e);
      if (flowSeparatorEnds(text, e, 93)) return out;
    }
  }
  const out: Record<string, unknown> = {};
  flowWs(text, e);
  if (flowPos < e && text.charCodeAt(flowPos) === 125) {
    flowPos++;
    return out;
  }
  for (;;) {
    const key = flowScalar(text, e, true);
    if (typeof key !== 'string' || key === '__proto__' || key in out) bail();
    flowWs(text, e);
    if (!(flowPos < e && text.charCodeAt(flowPos) === COLON)) bail();
    flowPos++;
    out[key as string] = flowScalar(text, e, false);
    flowWs(text, e);
    if (flowSeparatorEnds(text, e, 125)) return out;
  }
}

/**
 * After a flow item: consumes `,` (returns false: another item follows) or the closing bracket
 * `close` (also after a trailing comma; returns true); anything else is outside the subset.
 */
function flowSeparatorEnds(text: string, e: number, close: number): boolean {
  const c = flowPos < e ? text.charCodeAt(flowPos) : -1;
  if (c === 44) {
    flowPos++;
    flowWs(text, e);
    if (flowPos < e && text.charCodeAt(flowPos) === close) {
      flowPos++;
      return true;
    }
    return false;
  }
  if (c === close) {
    flowPos++;
    return true;
  }
  return bail();
}
