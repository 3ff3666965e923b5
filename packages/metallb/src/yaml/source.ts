import type { SourceLocation } from '@gateway/core';
import { type Document, isMap, isScalar, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { PathSegment } from '../util/diagnostics.js';

/** Maps a (line, column) inside a nested YAML text to the enclosing file. */
export type PositionMapper = (line: number, column: number) => { line: number; column: number };

/** Finds source positions and raw scalar text by field path. */
export interface SourceLocator {
  locate(path: readonly PathSegment[]): SourceLocation | undefined;
  /** Position of the key (not the value) of the mapping entry at `path`. */
  locateKey(path: readonly PathSegment[]): SourceLocation | undefined;
  rawScalar(path: readonly PathSegment[]): string | undefined;
}

/**
 * One parsed YAML document: its plain value plus a way back to the source position and raw text
 * of any node, so diagnostics can say `file:line:column` and string fields can take a scalar's
 * text as written (yaml.v2 decodes `hold-time: 90` into the string "90").
 */
export class SourceDoc implements SourceLocator {
  readonly value: unknown;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string | undefined,
    private readonly mapPosition?: PositionMapper,
  ) {
    this.value = doc.toJS({ maxAliasCount: 1000 });
  }

  private node(path: readonly PathSegment[]): Node | undefined {
    for (let len = path.length; len >= 0; len--) {
      const n = this.doc.getIn(path.slice(0, len), true) as Node | undefined;
      if (n && typeof n === 'object' && 'range' in n && n.range) return n;
      if (len === 0) return (this.doc.contents as Node | null) ?? undefined;
    }
    return undefined;
  }

  /** Position of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[]): SourceLocation | undefined {
    return this.position(this.node(path)?.range?.[0]);
  }

  locateKey(path: readonly PathSegment[]): SourceLocation | undefined {
    const parent = this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      for (const pair of parent.items) {
        if (isScalar(pair.key) && pair.key.value === last && pair.key.range)
          return this.position(pair.key.range[0]);
      }
    }
    return this.locate(path);
  }

  private position(offset: number | undefined): SourceLocation | undefined {
    if (offset === undefined) return undefined;
    const pos = this.lines.linePos(offset);
    const mapped = this.mapPosition
      ? this.mapPosition(pos.line, pos.col)
      : { line: pos.line, column: pos.col };
    const loc: SourceLocation = { line: mapped.line, column: mapped.column };
    if (this.file !== undefined) loc.file = this.file;
    return loc;
  }

  /** A locator for the sub-tree at `prefix` (e.g. one item of a `kind: List`). */
  scoped(prefix: readonly PathSegment[]): SourceLocator {
    if (prefix.length === 0) return this;
    return {
      locate: (path) => this.locate([...prefix, ...path]),
      locateKey: (path) => this.locateKey([...prefix, ...path]),
      rawScalar: (path) => this.rawScalar([...prefix, ...path]),
    };
  }

  /** The scalar's text as written (`90`, `0x10`, `yes`), when `path` names a scalar. */
  rawScalar(path: readonly PathSegment[]): string | undefined {
    const n = this.doc.getIn(path, true);
    if (isScalar(n)) return typeof n.source === 'string' ? n.source : String(n.value);
    return undefined;
  }
}

/** A YAML syntax problem, positioned. */
export interface YamlProblem {
  message: string;
  source: SourceLocation;
}

export interface ParsedYaml {
  docs: SourceDoc[];
  problems: YamlProblem[];
}

/**
 * Parses multi-document YAML (JSON is YAML too). Duplicate keys are errors, as with yaml.v2's
 * strict decoding. Empty documents are skipped.
 */
export function parseYamlDocuments(text: string, file?: string, mapPosition?: PositionMapper): ParsedYaml {
  const lines = new LineCounter();
  const docs: SourceDoc[] = [];
  const problems: YamlProblem[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lines.linePos(err.pos[0]);
        const mapped = mapPosition ? mapPosition(pos.line, pos.col) : { line: pos.line, column: pos.col };
        const source: SourceLocation = { line: mapped.line, column: mapped.column };
        if (file !== undefined) source.file = file;
        problems.push({ message: err.message.split('\n')[0] ?? err.message, source });
      }
      continue;
    }
    if (doc.contents === null) continue;
    docs.push(new SourceDoc(doc, lines, file, mapPosition));
  }
  return { docs, problems };
}
