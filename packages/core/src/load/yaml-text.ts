import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { SourceLocation } from '../diagnostics.js';
import type { Locator } from './context.js';

/** One YAML document cut out of a stream, with where it starts. */
export interface DocumentChunk {
  text: string;
  /** 1-based line of the chunk's first line in the original text. */
  line: number;
}

const MARKER = /^(---|\.\.\.)(?=[ \t]|$)/;

/**
 * Splits a YAML stream into documents at `---` / `...` lines. A marker at column 0 always ends a
 * document in YAML (block scalars cannot contain one), so this is safe and lets every document be
 * parsed, located and re-parsed on its own. Returns undefined for streams that need the full
 * parser (directives, or content on the marker line such as `--- |`).
 */
export function splitDocuments(text: string): DocumentChunk[] | undefined {
  const chunks: DocumentChunk[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let pos = 0;
  const len = text.length;
  while (pos <= len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const c = text.charCodeAt(pos);
    if (c === 45 /* - */ || c === 46 /* . */ || c === 37 /* % */) {
      const lineText = text.slice(pos, end).replace(/\r$/, '');
      if (c === 37) return undefined;
      const m = MARKER.exec(lineText);
      if (m) {
        const rest = lineText.slice(3).trim();
        if (rest !== '' && !rest.startsWith('#')) return undefined;
        if (pos > start) chunks.push({ text: text.slice(start, pos), line: startLine });
        start = end + 1;
        startLine = line + 1;
      }
    }
    pos = end + 1;
    line++;
  }
  if (start < len) chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}

/**
 * Splits a YAML stream at `---` / `...` marker lines (the same rule as {@link splitDocuments})
 * without copying it: returns `[start, end)` offset pairs of every stretch between markers, empty
 * ones included, so a caller can count lines (each stretch but the last is followed by one marker
 * line). The last pair ends at the text's end (its start may be past it). Returns undefined for
 * streams that need the full parser.
 */
export function documentRanges(text: string): number[] | undefined {
  const len = text.length;
  if (text.charCodeAt(0) === 37 /* % */ || text.includes('\n%')) return undefined;
  const out: number[] = [];
  let start = 0;
  // Marker candidates are lines starting with `---` or `...`; visit them in order.
  let dash = text.startsWith('---') ? 0 : nextLineStarting(text, '\n---', 0);
  let dot = text.startsWith('...') ? 0 : nextLineStarting(text, '\n...', 0);
  while (dash >= 0 || dot >= 0) {
    let pos: number;
    if (dot < 0 || (dash >= 0 && dash < dot)) {
      pos = dash;
      dash = nextLineStarting(text, '\n---', pos);
    } else {
      pos = dot;
      dot = nextLineStarting(text, '\n...', pos);
    }
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (pos + 3 > lineEnd) continue;
    // `---` / `...` followed by the line's end, a space or a tab; then only a comment.
    const after = text.charCodeAt(pos + 3);
    if (pos + 3 < lineEnd && after !== 32 && after !== 9) continue;
    if (pos + 3 < lineEnd) {
      const rest = text.slice(pos + 3, lineEnd).trim();
      if (rest !== '' && !rest.startsWith('#')) return undefined;
    }
    out.push(start, pos);
    start = end + 1;
  }
  out.push(start, len);
  return out;
}

/** Start of the next line after `from` that begins with `needle` minus its leading newline. */
function nextLineStarting(text: string, needle: string, from: number): number {
  const i = text.indexOf(needle, from);
  return i < 0 ? -1 : i + 1;
}

/**
 * A locator for the document `text[start, end)` (starting on line `line`) that cuts and
 * re-parses it only when a diagnostic needs a field position.
 */
export function rangeLocator(
  text: string,
  start: number,
  end: number,
  line: number,
  file: string | undefined,
): Locator {
  let chunk: DocumentChunk | undefined;
  return (path: string) => {
    chunk ??= { text: text.slice(start, end), line };
    return lazyLocator(chunk, file)(path);
  };
}

/**
 * A locator that re-parses the document on demand (only when a diagnostic needs a field
 * position), so loading keeps no YAML syntax trees alive.
 */
export function lazyLocator(chunk: DocumentChunk, file: string | undefined, prefix: string[] = []): Locator {
  return (path: string) => {
    const lc = new LineCounter();
    const doc = parseDocument(chunk.text, { lineCounter: lc, keepSourceTokens: false });
    const node = findNode(doc.contents as Node | null, [...prefix, ...splitPath(path)]);
    if (!node?.range) return undefined;
    const pos = lc.linePos(node.range[0]);
    return withFile({ line: chunk.line + pos.line - 1, column: pos.col }, file);
  };
}

export function withFile(loc: { line: number; column: number }, file: string | undefined): SourceLocation {
  return file === undefined ? loc : { file, line: loc.line, column: loc.column };
}

/** `spec.cors.origins[1]` → ['spec', 'cors', 'origins', 1]; `headers["x-a"]` keeps the key. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

const normKey = (k: string) => k.replace(/_/g, '').toLowerCase();

/** Walks a YAML node by path segments, matching keys in snake_case or camelCase spelling. */
function findNode(root: Node | null, segments: Array<string | number>): Node | undefined {
  let node: Node | null | undefined = root;
  let last: Node | undefined;
  for (const seg of segments) {
    if (!node) break;
    if (typeof seg === 'number') {
      if (!isSeq(node)) break;
      node = node.items[seg] as Node | undefined;
    } else {
      if (!isMap(node)) break;
      const want = normKey(seg);
      const pair = node.items.find((p) => isScalar(p.key) && normKey(String(p.key.value)) === want);
      if (!pair) break;
      // Point at the key so the column names the field itself.
      last = pair.key as Node;
      node = pair.value as Node | null;
      continue;
    }
    last = node ?? undefined;
  }
  return last;
}
