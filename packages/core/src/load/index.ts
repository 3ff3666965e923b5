import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import type { Resource } from '../model/resource.js';
import { loadConfigAnnotation } from './annotations.js';
import type { DocContext, LoadOptions, LoadResult } from './context.js';
import { RangeParser } from './fast-yaml.js';
import { loadIngress } from './ingress.js';
import { loadObject, registerForeignLoaders } from './objects.js';
import { documentRanges, rangeLocator, withFile } from './yaml-text.js';

export type { LoadOptions, LoadResult } from './context.js';

registerForeignLoaders({
  service: (obj, ctx) => loadConfigAnnotation(obj, ctx),
  ingress: (obj, ctx) => loadIngress(obj, ctx),
});

function baseContext(
  opts: LoadOptions | undefined,
  resources: Resource[],
  diagnostics: Diagnostic[],
): DocContext {
  return {
    file: opts?.file,
    defaultNamespace: opts?.defaultNamespace || 'default',
    ingressClass: opts?.ingressClass || 'gateway',
    resources,
    diagnostics,
    index: 0,
  };
}

/**
 * Loads resources from YAML or JSON text: one or more documents, each a Kubernetes object
 * (CRD form), a legacy flat Ambassador document, a `v1` Service with a `getambassador.io/config`
 * annotation, a `networking.k8s.io/v1` Ingress, or a `List`. Never throws: syntax errors,
 * unknown kinds and bad fields come back as diagnostics with `file:line:column`.
 *
 * @example
 * ```ts
 * const { resources, diagnostics } = loadYaml(text, { file: 'mappings.yaml' });
 * ```
 */
export function loadYaml(text: string, opts?: LoadOptions): LoadResult {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const base = baseContext(opts, resources, diagnostics);
  try {
    if (typeof text !== 'string') {
      diagnostics.push(streamError(base, 1, 1, `expected YAML text, got ${typeof text}`));
      return { resources, diagnostics };
    }
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      // JSON fast path; on a syntax error fall through to the YAML parser for a positioned message.
      let parsed: unknown;
      let ok = false;
      try {
        parsed = JSON.parse(text);
        ok = true;
      } catch {
        ok = false;
      }
      if (ok) {
        const items = Array.isArray(parsed) ? parsed : [parsed];
        items.forEach((item, i) => {
          loadObject(item, {
            ...base,
            index: i + 1,
            ...(opts?.file !== undefined ? { source: { file: opts.file, line: 1, column: 1 } } : {}),
          });
        });
        return { resources, diagnostics };
      }
    }
    const ranges = documentRanges(text);
    if (ranges) loadRanges(text, ranges, base, opts);
    else loadWholeStream(text, base, opts);
  } catch (err) {
    diagnostics.push(streamError(base, 1, 1, `internal error while loading: ${(err as Error).message}`));
  }
  return { resources, diagnostics };
}

function streamError(base: DocContext, line: number, column: number, message: string): Diagnostic {
  return {
    resource: { kind: '<document>', namespace: base.defaultNamespace, name: `document-${base.index}` },
    path: '',
    message,
    severity: 'error',
    code: 'yaml-syntax',
    source: withFile({ line, column }, base.file),
  };
}

/** Loads each document range of a stream (see {@link documentRanges}) in place. */
function loadRanges(text: string, ranges: number[], base: DocContext, opts?: LoadOptions): void {
  const parser = new RangeParser(text);
  // One context for every document: loaders copy what they keep out of it.
  const ctx: DocContext = { ...base, source: undefined, locate: undefined };
  let line = 1;
  let index = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k]!;
    const end = ranges[k + 1]!;
    let newlines = 0;
    if (end > start) {
      index++;
      newlines = loadRange(text, start, end, line, index, ctx, parser, opts);
    }
    line += newlines + 1; // the range's lines and the marker line after it
  }
}

/** Loads the document `text[start, end)` starting on line `firstLine`; returns its newline count. */
function loadRange(
  text: string,
  start: number,
  end: number,
  firstLine: number,
  index: number,
  ctx: DocContext,
  parser: RangeParser,
  opts?: LoadOptions,
): number {
  ctx.index = index;
  ctx.locate = rangeLocator(text, start, end, firstLine, opts?.file);
  // Fast path for the plain YAML subset manifests use; anything else goes through `yaml`.
  const fast = parser.parse(start, end);
  if (fast) {
    ctx.source = firstContent(text, start, end, firstLine, opts?.file);
    loadObject(fast.value, ctx);
    return fast.newlines;
  }
  ctx.source = withFile({ line: firstLine, column: 1 }, opts?.file);
  const chunk = text.slice(start, end);
  const lc = new LineCounter();
  const doc = parseDocument(chunk, { lineCounter: lc, prettyErrors: false });
  const newlines = countNewlines(text, start, end);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lc.linePos(err.pos[0]);
    ctx.diagnostics.push({
      resource: { kind: '<document>', namespace: ctx.defaultNamespace, name: `document-${index}` },
      path: '',
      message: `invalid YAML: ${err.message.split('\n')[0]}`,
      severity: 'error',
      code: 'yaml-syntax',
      source: withFile({ line: firstLine + pos.line - 1, column: pos.col }, opts?.file),
    });
    return newlines;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    ctx.diagnostics.push({
      resource: { kind: '<document>', namespace: ctx.defaultNamespace, name: `document-${index}` },
      path: '',
      message: `invalid YAML: ${(err as Error).message}`,
      severity: 'error',
      code: 'yaml-syntax',
      source: ctx.source,
    });
    return newlines;
  }
  // Position of the document's first content (skip leading comments and blank lines).
  const contentsStart = doc.contents?.range?.[0];
  if (contentsStart !== undefined) {
    const pos = lc.linePos(contentsStart);
    ctx.source = withFile({ line: firstLine + pos.line - 1, column: pos.col }, opts?.file);
  }
  loadObject(value, ctx);
  return newlines;
}

function countNewlines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', start); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Where the first non-blank, non-comment line of `text[start, end)` starts (else its first line). */
function firstContent(
  text: string,
  start: number,
  end: number,
  firstLine: number,
  file: string | undefined,
): SourceLocation {
  let line = 0;
  let pos = start;
  while (pos < end) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    let i = pos;
    while (i < lineEnd && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 13)) i++;
    if (i < lineEnd && text.charCodeAt(i) !== 35)
      return withFile({ line: firstLine + line, column: i - pos + 1 }, file);
    pos = lineEnd + 1;
    line++;
  }
  return withFile({ line: firstLine, column: 1 }, file);
}

function loadWholeStream(text: string, base: DocContext, opts?: LoadOptions): void {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  const list = Array.isArray(docs) ? docs : [];
  let index = 0;
  for (const doc of list) {
    index++;
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const pos = lc.linePos(start);
    const source = withFile({ line: pos.line, column: pos.col }, opts?.file);
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const epos = lc.linePos(err.pos[0]);
      base.diagnostics.push({
        resource: { kind: '<document>', namespace: base.defaultNamespace, name: `document-${index}` },
        path: '',
        message: `invalid YAML: ${err.message.split('\n')[0]}`,
        severity: 'error',
        code: 'yaml-syntax',
        source: withFile({ line: epos.line, column: epos.col }, opts?.file),
      });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      base.diagnostics.push(streamError(base, pos.line, pos.col, `invalid YAML: ${(err as Error).message}`));
      continue;
    }
    loadObject(value, { ...base, index, source });
  }
}

/**
 * Loads already-parsed objects (e.g. from the Kubernetes API or `JSON.parse`). Same forms and
 * guarantees as {@link loadYaml}.
 *
 * @example
 * ```ts
 * const { resources } = loadObjects([{ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping',
 *   metadata: { name: 'quote' }, spec: { prefix: '/backend/', service: 'quote' } }]);
 * ```
 */
export function loadObjects(objects: unknown[], opts?: LoadOptions): LoadResult {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const base = baseContext(opts, resources, diagnostics);
  const list = Array.isArray(objects) ? objects : [objects];
  list.forEach((obj, i) => {
    try {
      loadObject(obj, { ...base, index: i + 1 });
    } catch (err) {
      diagnostics.push({
        resource: { kind: '<document>', namespace: base.defaultNamespace, name: `document-${i + 1}` },
        path: '',
        message: `internal error while loading: ${(err as Error).message}`,
        severity: 'error',
        code: 'internal-error',
      });
    }
  });
  return { resources, diagnostics };
}
