import type { ResourceRef } from '@gateway/core';
import type { LabelSelector, LabelSelectorRequirement } from '../model/types.js';
import type { DiagnosticSink, PathSegment } from '../util/diagnostics.js';
import type { SourceLocator } from './source.js';

/** Describes a value for "expected X, got Y" messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);

/** How strictly unknown keys are treated: legacy ConfigMap (yaml.v2 strict) vs CRDs (API server prunes). */
export type UnknownKeyPolicy = 'error' | 'warning';

/**
 * Reads typed fields out of a parsed document and reports every mismatch as a diagnostic with the
 * field path (`displayPrefix` + path) and source position. Returns `undefined` for a field it
 * rejected, so callers keep going and report everything in one pass.
 */
export class FieldReader {
  constructor(
    readonly sink: DiagnosticSink,
    public resource: ResourceRef,
    readonly doc: SourceLocator | undefined,
    /** Prepended to paths in messages (e.g. `data.config` for the ConfigMap's inner document). */
    readonly displayPrefix: readonly PathSegment[] = [],
    readonly unknownKeys: UnknownKeyPolicy = 'error',
    /**
     * yaml.v2 (legacy ConfigMap) decodes any scalar into a string field and accepts `yes`/`off`
     * booleans; Kubernetes objects are JSON-typed, so CRD readers turn this off.
     */
    readonly lenientScalars = true,
  ) {}

  error(path: readonly PathSegment[], message: string, code: string, atKey = false): void {
    const source = atKey ? this.doc?.locateKey(path) : this.doc?.locate(path);
    this.sink.add(this.resource, [...this.displayPrefix, ...path], message, code, 'error', source);
  }

  warn(path: readonly PathSegment[], message: string, code: string, atKey = false): void {
    const source = atKey ? this.doc?.locateKey(path) : this.doc?.locate(path);
    this.sink.add(this.resource, [...this.displayPrefix, ...path], message, code, 'warning', source);
  }

  /** A mapping whose keys must be in `known`; unknown keys are reported per `unknownKeys`. */
  object(
    value: unknown,
    path: readonly PathSegment[],
    known: readonly string[],
  ): Record<string, unknown> | undefined {
    if (value === null || value === undefined) return undefined;
    if (!isRecord(value)) {
      this.error(path, `expected a mapping, got ${describe(value)}`, 'wrong-type');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const message = `unknown field ${JSON.stringify(key)}: expected one of ${known.join(', ')}`;
      if (this.unknownKeys === 'error') this.error([...path, key], message, 'unknown-field', true);
      else this.warn([...path, key], `${message} (ignored)`, 'unknown-field', true);
    }
    return value;
  }

  list(value: unknown, path: readonly PathSegment[]): unknown[] | undefined {
    if (value === null || value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, `expected a list, got ${describe(value)}`, 'wrong-type');
      return undefined;
    }
    return value;
  }

  /** A string; numbers and booleans become their source text, as yaml.v2 decodes them into strings. */
  string(value: unknown, path: readonly PathSegment[]): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if ((typeof value === 'number' || typeof value === 'boolean') && this.lenientScalars) {
      return this.doc?.rawScalar(path) ?? String(value);
    }
    this.error(path, `expected a string, got ${describe(value)}`, 'wrong-type');
    return undefined;
  }

  /** An integer from `min` to `max`. */
  integer(
    value: unknown,
    path: readonly PathSegment[],
    min: number,
    max: number,
    what = 'an integer',
  ): number | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.error(path, `expected ${what} from ${min} to ${max}, got ${describe(value)}`, 'wrong-type');
      return undefined;
    }
    return value;
  }

  /** A boolean; YAML 1.1 spellings (`yes`, `off`) are accepted as yaml.v2 does. */
  bool(value: unknown, path: readonly PathSegment[]): boolean | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (this.lenientScalars && typeof value === 'string' && YAML11_TRUE.has(value)) return true;
    if (this.lenientScalars && typeof value === 'string' && YAML11_FALSE.has(value)) return false;
    this.error(path, `expected true or false, got ${describe(value)}`, 'wrong-type');
    return undefined;
  }

  stringList(value: unknown, path: readonly PathSegment[]): string[] | undefined {
    const items = this.list(value, path);
    if (!items) return undefined;
    const out: string[] = [];
    items.forEach((item, i) => {
      const s = this.string(item, [...path, i]);
      if (s !== undefined) out.push(s);
      else if (item === null || item === undefined)
        this.error([...path, i], 'expected a string, got nothing', 'wrong-type');
    });
    return out;
  }

  stringMap(value: unknown, path: readonly PathSegment[]): Record<string, string> | undefined {
    if (value === null || value === undefined) return undefined;
    if (!isRecord(value)) {
      this.error(path, `expected a mapping of strings, got ${describe(value)}`, 'wrong-type');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = this.string(v, [...path, k]);
      if (s !== undefined) out[k] = s;
      else if (v === null || v === undefined) out[k] = '';
    }
    return out;
  }

  /**
   * A label selector. Legacy ConfigMap selectors spell the keys `match-labels` /
   * `match-expressions`; CRDs use `matchLabels` / `matchExpressions`.
   */
  selector(value: unknown, path: readonly PathSegment[], legacy: boolean): LabelSelector | undefined {
    const labelsKey = legacy ? 'match-labels' : 'matchLabels';
    const exprKey = legacy ? 'match-expressions' : 'matchExpressions';
    const obj = this.object(value, path, [labelsKey, exprKey]);
    if (!obj) return value === null || value === undefined ? {} : undefined;
    const selector: LabelSelector = {};
    const labels = this.stringMap(obj[labelsKey], [...path, labelsKey]);
    if (labels) selector.matchLabels = labels;
    const exprs = this.list(obj[exprKey], [...path, exprKey]);
    if (exprs) {
      const out: LabelSelectorRequirement[] = [];
      exprs.forEach((e, i) => {
        const p = [...path, exprKey, i];
        const req = this.object(e, p, ['key', 'operator', 'values']);
        if (!req) return;
        const key = this.string(req.key, [...p, 'key']) ?? '';
        const operator = this.string(req.operator, [...p, 'operator']) ?? '';
        const r: LabelSelectorRequirement = { key, operator };
        const values = this.stringList(req.values, [...p, 'values']);
        if (values) r.values = values;
        out.push(r);
      });
      selector.matchExpressions = out;
    }
    return selector;
  }

  selectorList(value: unknown, path: readonly PathSegment[], legacy: boolean): LabelSelector[] | undefined {
    const items = this.list(value, path);
    if (!items) return undefined;
    const out: LabelSelector[] = [];
    items.forEach((item, i) => {
      const s = this.selector(item, [...path, i], legacy);
      if (s) out.push(s);
    });
    return out;
  }
}
