/**
 * A small runtime schema for resource specs. One description drives three jobs: translating
 * snake_case input keys to camelCase (guided, so user-chosen map keys such as header names are
 * never touched), reporting unknown fields, and type-checking with "expected …, got …" messages.
 */

export type Schema =
  | { t: 'string'; nonEmpty?: boolean }
  | { t: 'bool' }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'number'; min?: number }
  | { t: 'enum'; values: readonly string[]; caseInsensitive?: boolean }
  | { t: 'array'; of: Schema }
  | { t: 'record'; of: Schema }
  | { t: 'object'; fields: Record<string, Field>; open?: boolean }
  | { t: 'union'; of: Schema[] }
  | { t: 'any' };

export interface Field {
  s: Schema;
  required?: boolean;
  /** Accepted and compiled but discouraged: the loader emits a notice with this text. */
  deprecated?: string;
}

export const str = (nonEmpty = false): Schema => ({ t: 'string', nonEmpty });
export const bool = (): Schema => ({ t: 'bool' });
export const int = (min?: number, max?: number): Schema => ({ t: 'int', min, max });
export const num = (min?: number): Schema => ({ t: 'number', min });
export const oneOf = (...values: string[]): Schema => ({ t: 'enum', values });
export const list = (of: Schema): Schema => ({ t: 'array', of });
export const rec = (of: Schema): Schema => ({ t: 'record', of });
export const obj = (fields: Record<string, Field | Schema>, open = false): Schema => ({
  t: 'object',
  open,
  fields: Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, 's' in v ? v : { s: v as Schema }]),
  ) as Record<string, Field>,
});
export const union = (...of: Schema[]): Schema => ({ t: 'union', of });
export const any = (): Schema => ({ t: 'any' });
export const req = (s: Schema): Field => ({ s, required: true });
export const dep = (s: Schema, deprecated: string): Field => ({ s, deprecated });

/** `snake_case` → `camelCase`; camelCase input is returned unchanged. */
export function snakeToCamel(key: string): string {
  if (!key.includes('_')) return key;
  let camel = camelCache.get(key);
  if (camel === undefined) {
    camel = key.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
    // Field names repeat across thousands of resources; user map keys are bounded by the cap.
    if (camelCache.size < 10_000) camelCache.set(key, camel);
  }
  return camel;
}
const camelCache = new Map<string, string>();

/** `camelCase` → `snake_case`, used to name fields in messages the way Ambassador users write them. */
export function camelToSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

const lookupCache = new WeakMap<object, Map<string, string>>();

/** Finds the schema field an input key names: exact, snake_case, or differently-cased spelling. */
export function lookupField(schema: Extract<Schema, { t: 'object' }>, key: string): string | undefined {
  // Own properties only: a key like `constructor` or `toString` is unknown, not Object.prototype's.
  if (Object.hasOwn(schema.fields, key)) return key;
  const camel = snakeToCamel(key);
  if (Object.hasOwn(schema.fields, camel)) return camel;
  let index = lookupCache.get(schema.fields);
  if (!index) {
    index = new Map(Object.keys(schema.fields).map((k) => [k.toLowerCase(), k]));
    lookupCache.set(schema.fields, index);
  }
  return index.get(key.replace(/_/g, '').toLowerCase());
}

/** Human description of what a schema expects, for messages. */
export function describeSchema(s: Schema): string {
  switch (s.t) {
    case 'string':
      return s.nonEmpty ? 'a non-empty string' : 'a string';
    case 'bool':
      return 'a boolean';
    case 'int':
      if (s.min !== undefined && s.max !== undefined) return `an integer from ${s.min} to ${s.max}`;
      if (s.min !== undefined) return `an integer >= ${s.min}`;
      return 'an integer';
    case 'number':
      return s.min !== undefined ? `a number >= ${s.min}` : 'a number';
    case 'enum':
      return `one of ${s.values.join(', ')}`;
    case 'array':
      return `a list of ${plural(describeSchema(s.of))}`;
    case 'record':
      return `a map of names to ${plural(describeSchema(s.of))}`;
    case 'object':
      return 'an object';
    case 'union':
      return s.of.map(describeSchema).join(' or ');
    case 'any':
      return 'any value';
  }
}

function plural(d: string): string {
  return d
    .replace(/^an? /, '')
    .replace(/^(string|boolean|integer|number|object|list)/, '$1s')
    .replace(/^map/, 'maps');
}

/** Short description of an input value, for "got …". */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return String(v);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A problem found by {@link normalizeKeys} or {@link checkValue}. */
export interface SchemaIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning' | 'notice';
  code: string;
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** What an input key of an object schema resolves to, cached per schema (see fieldFor()). */
interface FieldEntry {
  name: string;
  field: Field;
  /** The field's schema can hold objects whose keys need translating. */
  container: boolean;
  /** `name` can follow a `.` in a path (else it is written `["name"]`). */
  ident: boolean;
}

const fieldIndexes = new WeakMap<object, Map<string, FieldEntry | null>>();
/** Input keys remembered per schema: field names repeat; unknown keys are bounded by the cap. */
const FIELD_INDEX_CAP = 1000;
const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * {@link lookupField} and the facts normalizeKeys() needs about the field, memoised per schema
 * and input key. Returns undefined for keys that name something other than an own field (left
 * to the uncached path so every outcome stays the same).
 */
function fieldFor(s: Extract<Schema, { t: 'object' }>, key: string): FieldEntry | null | undefined {
  let index = fieldIndexes.get(s);
  if (index === undefined) {
    index = new Map();
    fieldIndexes.set(s, index);
  }
  let entry = index.get(key);
  if (entry !== undefined) return entry;
  const name = lookupField(s, key);
  if (name === undefined) entry = null;
  else if (Object.hasOwn(s.fields, name)) {
    const field = s.fields[name]!;
    entry = { name, field, container: isContainer(field.s), ident: IDENT.test(name) };
  } else return undefined;
  if (index.size < FIELD_INDEX_CAP) index.set(key, entry);
  return entry;
}

/**
 * Returns a copy of `value` with object keys translated to the schema's camelCase names.
 * Unknown keys are dropped with a warning naming their path; deprecated keys keep a notice.
 */
export function normalizeKeys(value: unknown, s: Schema, path: string, issues: SchemaIssue[]): unknown {
  switch (s.t) {
    case 'object': {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const v = value[key];
        const entry = fieldFor(s, key);
        if (entry === undefined) {
          normalizeOddField(s, key, v, path, issues, out);
          continue;
        }
        if (entry === null) {
          if (s.open) out[key] = v;
          else
            issues.push({
              path: join(path, key),
              message: `unknown field "${key}"; ignored`,
              severity: 'warning',
              code: 'unknown-field',
            });
          continue;
        }
        const name = entry.name;
        if (entry.field.deprecated)
          issues.push({
            path: join(path, name),
            message: entry.field.deprecated,
            severity: 'notice',
            code: 'deprecated-field',
          });
        // Only objects change; the (costly to build) field path is needed only to descend.
        out[name] =
          entry.container && v !== null && typeof v === 'object'
            ? normalizeKeys(
                v,
                entry.field.s,
                entry.ident ? (path ? `${path}.${name}` : name) : join(path, name),
                issues,
              )
            : v;
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) return value;
      if (!isContainer(s.of)) return value.slice();
      return value.map((v, i) =>
        v !== null && typeof v === 'object' ? normalizeKeys(v, s.of, `${path}[${i}]`, issues) : v,
      );
    case 'record': {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      const container = isContainer(s.of);
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = value[k];
        out[k] =
          container && v !== null && typeof v === 'object'
            ? normalizeKeys(v, s.of, `${path}[${JSON.stringify(k)}]`, issues)
            : v;
      }
      return out;
    }
    case 'union': {
      if (isPlainObject(value)) {
        const alt = s.of.find((x) => x.t === 'object');
        if (alt) return normalizeKeys(value, alt, path, issues);
      }
      if (Array.isArray(value)) {
        const alt = s.of.find((x) => x.t === 'array');
        if (alt) return normalizeKeys(value, alt, path, issues);
      }
      return value;
    }
    default:
      return value;
  }
}

/** A key that resolves to an inherited member of `fields` (e.g. `constructor`): the generic path. */
function normalizeOddField(
  s: Extract<Schema, { t: 'object' }>,
  key: string,
  v: unknown,
  path: string,
  issues: SchemaIssue[],
  out: Record<string, unknown>,
): void {
  const name = lookupField(s, key)!;
  const field = s.fields[name]!;
  if (field.deprecated)
    issues.push({
      path: join(path, name),
      message: field.deprecated,
      severity: 'notice',
      code: 'deprecated-field',
    });
  out[name] = isContainer(field.s) ? normalizeKeys(v, field.s, join(path, name), issues) : v;
}

const requiredCache = new WeakMap<object, string[]>();
function requiredOf(s: Extract<Schema, { t: 'object' }>): string[] {
  let r = requiredCache.get(s);
  if (!r) {
    r = Object.keys(s.fields).filter((k) => s.fields[k]!.required);
    requiredCache.set(s, r);
  }
  return r;
}

function isContainer(s: Schema): boolean {
  return s.t === 'object' || s.t === 'array' || s.t === 'record' || s.t === 'union';
}

/**
 * True when `value` passes a scalar schema (so {@link checkValue} would report nothing); false
 * for containers and failures, which take the full check.
 */
function scalarOk(value: unknown, s: Schema): boolean {
  switch (s.t) {
    case 'string':
      return typeof value === 'string' && !(s.nonEmpty && value === '');
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return (
        typeof value === 'number' &&
        Number.isInteger(value) &&
        !(s.min !== undefined && value < s.min) &&
        !(s.max !== undefined && value > s.max)
      );
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && !(s.min !== undefined && value < s.min);
    case 'any':
      return true;
    default:
      return false;
  }
}

/** Type-checks `value` against `s`, pushing one issue per problem (never stops at the first). */
export function checkValue(value: unknown, s: Schema, path: string, issues: SchemaIssue[]): void {
  const fail = () =>
    issues.push({
      path,
      message: `expected ${describeSchema(s)}, got ${describeValue(value)}`,
      severity: 'error',
      code: 'invalid-type',
    });
  switch (s.t) {
    case 'string':
      if (typeof value !== 'string' || (s.nonEmpty && value === '')) fail();
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail();
      return;
    case 'int':
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        (s.min !== undefined && value < s.min) ||
        (s.max !== undefined && value > s.max)
      )
        fail();
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || (s.min !== undefined && value < s.min))
        fail();
      return;
    case 'enum':
      if (
        typeof value !== 'string' ||
        !(s.caseInsensitive
          ? s.values.some((v) => v.toLowerCase() === value.toLowerCase())
          : s.values.includes(value))
      )
        fail();
      return;
    case 'array':
      if (!Array.isArray(value)) return void fail();
      for (let i = 0; i < value.length; i++) checkValue(value[i], s.of, `${path}[${i}]`, issues);
      return;
    case 'record':
      if (!isPlainObject(value)) return void fail();
      for (const [k, v] of Object.entries(value))
        if (!scalarOk(v, s.of)) checkValue(v, s.of, `${path}[${JSON.stringify(k)}]`, issues);
      return;
    case 'object': {
      if (!isPlainObject(value)) return void fail();
      // Walk the value's keys (a spec sets few of its many fields), then the required ones.
      for (const name in value) {
        const field = s.fields[name];
        const v = value[name];
        if (field === undefined || v === undefined || v === null) continue;
        // The field path is built only when it may be reported (most fields are valid scalars).
        if (scalarOk(v, field.s)) continue;
        checkValue(v, field.s, join(path, name), issues);
      }
      for (const name of requiredOf(s)) {
        const v = value[name];
        if (v === undefined || v === null)
          issues.push({
            path: join(path, name),
            message: `required field is missing (expected ${describeSchema(s.fields[name]!.s)})`,
            severity: 'error',
            code: 'missing-field',
          });
      }
      return;
    }
    case 'union': {
      for (const alt of s.of) {
        const sub: SchemaIssue[] = [];
        checkValue(value, alt, path, sub);
        if (sub.length === 0) return;
      }
      // Report the alternative of the same shape if there is one, so nested messages stay precise.
      const sameShape = s.of.find(
        (alt) =>
          (alt.t === 'object' && isPlainObject(value)) ||
          (alt.t === 'array' && Array.isArray(value)) ||
          (alt.t === 'record' && isPlainObject(value)),
      );
      if (sameShape) checkValue(value, sameShape, path, issues);
      else fail();
      return;
    }
    case 'any':
      return;
  }
}

/** Kinds whose YAML field names are camelCase already (the SDK kinds and v3 Host/Listener). */
const CAMEL_KINDS = new Set(['Host', 'Listener', 'JwtProvider', 'AuthorizationPolicy']);

/** Turns a camelCase field path into the spelling users write for the kind (snake_case for Ambassador kinds). */
export function displayPath(kind: string, path: string): string {
  if (CAMEL_KINDS.has(kind) || !path.startsWith('spec')) return path;
  return path.replace(/(^|\.)([a-zA-Z0-9]+)/g, (_m, dot: string, seg: string) => dot + camelToSnake(seg));
}
