/**
 * A fast parser for the plain subset of YAML that Kubernetes manifests use: block mappings and
 * sequences, plain / single-quoted / double-quoted scalars, single-line flow collections,
 * literal block scalars and comments, resolved with the YAML 1.2 core schema.
 *
 * It exists for speed (the `yaml` package parses ~1.5 MB/s; this is ~20× faster) and is strictly
 * conservative: anything outside the subset (anchors, tags, folded scalars, multi-line plain or
 * flow scalars, complex keys, duplicate keys, tabs, odd escapes) makes it return `undefined`, and
 * the caller parses the document with the `yaml` package instead, which also reports errors.
 * A property test holds its output equal to `yaml`'s for everything it accepts.
 */

class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported();
};

interface Line {
  /** Index into the raw line array. */
  n: number;
  indent: number;
  /** Content after the indentation (right-trimmed). */
  text: string;
}

/** Parses one YAML document; returns `{ value }`, or undefined when outside the subset. */
export function fastParseDocument(text: string): { value: unknown } | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.includes('\t')) return undefined;
  const raw = text.split('\n');
  const lines: Line[] = [];
  for (let n = 0; n < raw.length; n++) {
    let r = raw[n]!;
    if (r.endsWith('\r')) r = r.slice(0, -1);
    raw[n] = r;
    let i = 0;
    while (i < r.length && r.charCodeAt(i) === 32) i++;
    if (i === r.length || r.charCodeAt(i) === 35 /* # */) continue;
    lines.push({ n, indent: i, text: r.slice(i).trimEnd() });
  }
  try {
    const p = new Parser(raw, lines);
    if (lines.length === 0) return { value: null };
    const value = p.node(lines[0]!.indent, true);
    if (p.pos !== lines.length) bail();
    return { value };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** YAML 1.2 core-schema resolution of a plain scalar. */
function resolvePlain(s: string): unknown {
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  const c = s.charCodeAt(0);
  // Only strings that can be numbers start with a digit, sign or dot.
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    if (INT.test(s)) return Number.parseInt(s, 10);
    if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8);
    if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
    if (FLOAT.test(s)) return Number.parseFloat(s);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(s))
      return s.startsWith('-') ? -Number.POSITIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (/^\.(nan|NaN|NAN)$/.test(s)) return Number.NaN;
  }
  return s;
}

/** Characters that cannot start a plain scalar in block context (or that we leave to `yaml`). */
function checkPlainStart(s: string): void {
  const c = s[0];
  if (
    c === '&' ||
    c === '*' ||
    c === '!' ||
    c === '%' ||
    c === '@' ||
    c === '`' ||
    c === '|' ||
    c === '>' ||
    c === '#' ||
    c === ',' ||
    c === ']' ||
    c === '}' ||
    ((c === '-' || c === '?' || c === ':') && (s.length === 1 || s[1] === ' '))
  )
    bail();
}

/** A plain scalar in block context: strips a trailing comment, refuses what would be YAML structure. */
function plainValue(s: string): unknown {
  checkPlainStart(s);
  const hash = s.indexOf(' #');
  const v = (hash >= 0 ? s.slice(0, hash) : s).trimEnd();
  if (v.includes(': ') || v.endsWith(':')) bail();
  return resolvePlain(v);
}

function doubleQuoted(s: string, start: number): [string, number] {
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined || !'"\\/bfnrtu'.includes(e)) bail();
      i += 2;
      continue;
    }
    if (c === '"') break;
    i++;
  }
  if (i >= s.length) bail(); // multi-line double-quoted scalars go to `yaml`
  let value: string;
  try {
    value = JSON.parse(s.slice(start, i + 1)) as string;
  } catch {
    return bail();
  }
  return [value, i + 1];
}

function singleQuoted(s: string, start: number): [string, number] {
  let i = start + 1;
  let out = '';
  for (;;) {
    const j = s.indexOf("'", i);
    if (j < 0) bail();
    out += s.slice(i, j);
    if (s[j + 1] === "'") {
      out += "'";
      i = j + 2;
      continue;
    }
    return [out, j + 1];
  }
}

/** After a quoted scalar or flow collection only spaces and a comment may follow. */
function expectEnd(s: string, i: number): void {
  const rest = s.slice(i);
  if (rest.trim() !== '' && !/^\s+#/.test(rest)) bail();
}

/** Single-line flow collection parser. */
function flow(s: string, start: number): [unknown, number] {
  let i = start;
  const ws = () => {
    while (s[i] === ' ') i++;
  };
  const scalar = (isKey: boolean): unknown => {
    ws();
    const c = s[i];
    if (c === '"') {
      const [v, j] = doubleQuoted(s, i);
      i = j;
      return v;
    }
    if (c === "'") {
      const [v, j] = singleQuoted(s, i);
      i = j;
      return v;
    }
    if (c === '[' || c === '{') {
      const [v, j] = flow(s, i);
      i = j;
      return v;
    }
    let j = i;
    while (j < s.length) {
      const d = s[j];
      if (d === ',' || d === ']' || d === '}' || d === '[' || d === '{') break;
      if (
        d === ':' &&
        (s[j + 1] === ' ' || s[j + 1] === ',' || s[j + 1] === '}' || s[j + 1] === ']' || j + 1 === s.length)
      )
        break;
      if (d === '#' && s[j - 1] === ' ') bail();
      j++;
    }
    const text = s.slice(i, j).trim();
    if (text === '') bail();
    checkPlainStart(text);
    if (isKey && text.includes(':')) bail();
    i = j;
    return resolvePlain(text);
  };
  if (s[i] === '[') {
    i++;
    const out: unknown[] = [];
    ws();
    if (s[i] === ']') return [out, i + 1];
    for (;;) {
      out.push(scalar(false));
      ws();
      if (s[i] === ',') {
        i++;
        ws();
        if (s[i] === ']') return [out, i + 1];
        continue;
      }
      if (s[i] === ']') return [out, i + 1];
      return bail();
    }
  }
  i++;
  const out: Record<string, unknown> = {};
  ws();
  if (s[i] === '}') return [out, i + 1];
  for (;;) {
    const key = scalar(true);
    if (typeof key !== 'string' || key === '__proto__' || key in out) bail();
    ws();
    if (s[i] !== ':') bail();
    i++;
    out[key as string] = scalar(false);
    ws();
    if (s[i] === ',') {
      i++;
      ws();
      if (s[i] === '}') return [out, i + 1];
      continue;
    }
    if (s[i] === '}') return [out, i + 1];
    return bail();
  }
}

class Parser {
  pos = 0;
  constructor(
    private readonly raw: string[],
    private readonly lines: Line[],
  ) {}

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  /** A node whose first line is the current one, at `indent`. */
  node(indent: number, top = false, firstKey?: [string, string]): unknown {
    const l = this.line!;
    if (l.indent !== indent) bail();
    if (l.text === '-' || l.text.startsWith('- ')) return this.seq(indent);
    // The first pair is parsed once and handed to map() (keyOf is the parser's hot spot).
    const kv = firstKey ?? this.keyOf(l.text);
    if (kv !== undefined) return this.map(indent, kv);
    if (!top) bail();
    // A document that is a single scalar or flow collection.
    this.pos++;
    return this.inlineValue(l.text, l, indent);
  }

  /** Finds `key: ` in a line; returns [key, rest] or undefined when the line is not a pair. */
  private keyOf(text: string): [string, string] | undefined {
    const c = text[0];
    if (c === '"' || c === "'") {
      const [k, j] = c === '"' ? doubleQuoted(text, 0) : singleQuoted(text, 0);
      if (text[j] !== ':') return undefined;
      if (j + 1 < text.length && text[j + 1] !== ' ') bail();
      return [k, text.slice(j + 1).trim()];
    }
    if (c === '?' || c === '[' || c === '{') {
      if (c === '?' && (text.length === 1 || text[1] === ' ')) bail();
      return undefined;
    }
    let idx = text.indexOf(': ');
    if (idx < 0 && text.endsWith(':')) idx = text.length - 1;
    if (idx < 0) return undefined;
    const hash = text.indexOf(' #');
    if (hash >= 0 && hash < idx) return undefined;
    const key = text.slice(0, idx).trimEnd();
    if (key === '') bail();
    checkPlainStart(key);
    if (typeof resolvePlain(key) !== 'string' || key === '<<') bail();
    return [key, text.slice(idx + 1).trim()];
  }

  private map(indent: number, firstKey: [string, string]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let known: [string, string] | undefined = firstKey;
    while (this.pos < this.lines.length) {
      const l = this.line!;
      if (l.indent < indent) break;
      if (l.indent > indent) bail();
      const kv = known ?? this.keyOf(l.text);
      known = undefined;
      if (!kv) bail();
      const [key, rest] = kv!;
      if (key === '__proto__' || Object.hasOwn(out, key)) bail(); // duplicates: let `yaml` report them
      this.pos++;
      out[key] = this.valueAfterKey(rest, l, indent);
    }
    return out;
  }

  private valueAfterKey(rest: string, l: Line, indent: number): unknown {
    if (rest === '' || rest.startsWith('#')) {
      const next = this.line;
      if (!next) return null;
      if (next.indent > indent) return this.node(next.indent);
      if (next.indent === indent && (next.text === '-' || next.text.startsWith('- ')))
        return this.seq(indent);
      return null;
    }
    return this.inlineValue(rest, l, indent);
  }

  /** A value written on the same line (after `key: ` or `- `). */
  private inlineValue(rest: string, l: Line, indent: number): unknown {
    const c = rest[0];
    if (c === '|') return this.literal(rest, l, indent);
    if (c === '"' || c === "'") {
      const [v, j] = c === '"' ? doubleQuoted(rest, 0) : singleQuoted(rest, 0);
      expectEnd(rest, j);
      this.noContinuation(indent);
      return v;
    }
    if (c === '[' || c === '{') {
      const [v, j] = flow(rest, 0);
      expectEnd(rest, j);
      this.noContinuation(indent);
      return v;
    }
    const v = plainValue(rest);
    this.noContinuation(indent);
    return v;
  }

  /** A more-indented line after a scalar would continue it (multi-line scalar): not our subset. */
  private noContinuation(indent: number): void {
    const next = this.line;
    if (next && next.indent > indent) bail();
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.pos < this.lines.length) {
      const l = this.line!;
      if (l.indent < indent) break;
      if (l.indent > indent) bail();
      if (!(l.text === '-' || l.text.startsWith('- '))) break;
      let k = 1;
      while (l.text[k] === ' ') k++;
      const rest = l.text.slice(k);
      if (rest === '' || rest.startsWith('#')) {
        this.pos++;
        const next = this.line;
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
        continue;
      }
      const inner = indent + k;
      const dash = rest === '-' || rest.startsWith('- ');
      const kv = dash ? undefined : this.keyOf(rest);
      if (dash || kv !== undefined) {
        // `- key: v` / `- - x`: the item is a block node starting at this column.
        this.lines[this.pos] = { n: l.n, indent: inner, text: rest };
        out.push(this.node(inner, false, kv));
        continue;
      }
      this.pos++;
      out.push(this.inlineValue(rest, l, indent));
    }
    return out;
  }

  /** `|`, `|-`, `|+` literal block scalars (explicit indentation indicators go to `yaml`). */
  private literal(header: string, l: Line, indent: number): string {
    // Keep-chomping (`|+`) and explicit indentation indicators are left to `yaml`.
    const m = /^\|(-?)(\s+#.*)?$/.exec(header);
    if (!m) bail();
    const chomp = m![1];
    // Collect raw lines after the header until a non-empty line at indent <= parent indent.
    const body: string[] = [];
    let n = l.n + 1;
    let blockIndent = -1;
    for (; n < this.raw.length; n++) {
      const r = this.raw[n]!;
      let i = 0;
      while (i < r.length && r.charCodeAt(i) === 32) i++;
      if (i === r.length) {
        if (r.length > 0) bail(); // whitespace-only lines inside a literal carry content rules we skip
        body.push('');
        continue;
      }
      if (blockIndent < 0) {
        if (i <= indent) break;
        blockIndent = i;
      }
      if (i < blockIndent) {
        if (i > indent) bail(); // less indented than the block but still inside the parent
        break;
      }
      body.push(r.slice(blockIndent));
    }
    // Leading blank lines more indented than the content are not handled here.
    // Skip the structural lines the block consumed.
    while (this.pos < this.lines.length && this.lines[this.pos]!.n < n) this.pos++;
    // Trailing blank lines belong to chomping.
    let end = body.length;
    while (end > 0 && body[end - 1] === '') end--;
    const content = body.slice(0, end).join('\n');
    if (end === 0) return '';
    return chomp === '-' ? content : `${content}\n`;
  }
}
