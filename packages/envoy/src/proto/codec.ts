/**
 * A strict proto3-JSON <-> protobuf binary codec over the real Envoy schema.
 *
 * Why not protobufjs `fromObject`: it silently drops unknown keys and does not speak proto3 JSON
 * for Duration, wrappers, Struct or nested Any. Here every key must name a field (a misspelt
 * field is an error with its path), deprecated fields and enum values are refused, and the
 * protoc-gen-validate rules carried in the protos (required messages and oneofs, string
 * lengths, numeric and duration bounds, repeated sizes) are checked — the subset of
 * `envoy --mode validate` that can be checked without Envoy.
 *
 * The encoder writes fields in field-number order and map entries in sorted key order, so equal
 * JSON always yields equal bytes (used for per-resource Delta versions).
 *
 * @module
 */
import protobuf from 'protobufjs';
import { formatDuration, type JsonObject, type JsonValue, parseDuration } from './json.js';
import { envoyProtoRoot } from './root.js';
import { WireWriter } from './writer.js';

/** A resource or field that does not fit the schema. `path` is a dotted JSON path. */
export class ProtoJsonError extends Error {
  override readonly name = 'ProtoJsonError';
  constructor(
    /** Dotted path inside the encoded value, e.g. `virtual_hosts[0].routes[3].match`. */
    readonly path: string,
    /** What was wrong. */
    readonly detail: string,
  ) {
    super(`${path || '<root>'}: ${detail}`);
  }
}

type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

type Wkt =
  | 'any'
  | 'duration'
  | 'timestamp'
  | 'struct'
  | 'value'
  | 'list'
  | 'empty'
  | 'fieldmask'
  | 'wrapper'
  | undefined;

interface NumberRules {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

interface FieldRules {
  required?: boolean;
  minLen?: number;
  maxLen?: number;
  maxBytes?: number;
  stringIn?: string[];
  headerName?: 'strict' | 'lax';
  headerValue?: 'strict' | 'lax';
  minItems?: number;
  maxItems?: number;
  minPairs?: number;
  number?: NumberRules;
  durationGt?: bigint;
  durationGte?: bigint;
  durationLt?: bigint;
  durationLte?: bigint;
  enumNotIn?: number[];
  itemMinLen?: number;
}

interface EnumCodec {
  values: Record<string, number>;
  names: Map<number, string>;
  deprecated: Set<string>;
}

interface FieldCodec {
  name: string;
  jsonName: string;
  id: number;
  kind: 'scalar' | 'enum' | 'message';
  scalar: ScalarType;
  repeated: boolean;
  map: boolean;
  keyType: ScalarType;
  packed: boolean;
  /** Real oneof name; proto3 `optional` fields are not reported here. */
  oneof?: string;
  /** Serialise even when equal to the default (message, oneof member, proto3 optional). */
  presence: boolean;
  deprecated: boolean;
  typeName: string;
  enumCodec?: EnumCodec;
  rules?: FieldRules;
  tag: number;
}

interface MessageCodec {
  fullName: string;
  type: protobuf.Type;
  wkt: Wkt;
  fields: FieldCodec[];
  byName: Map<string, FieldCodec>;
  required: FieldCodec[];
  requiredOneofs: Array<{ name: string; members: string[] }>;
  hasOneofs: boolean;
}

const WKT: Record<string, Wkt> = {
  'google.protobuf.Any': 'any',
  'google.protobuf.Duration': 'duration',
  'google.protobuf.Timestamp': 'timestamp',
  'google.protobuf.Struct': 'struct',
  'google.protobuf.Value': 'value',
  'google.protobuf.ListValue': 'list',
  'google.protobuf.Empty': 'empty',
  'google.protobuf.FieldMask': 'fieldmask',
  'google.protobuf.DoubleValue': 'wrapper',
  'google.protobuf.FloatValue': 'wrapper',
  'google.protobuf.Int64Value': 'wrapper',
  'google.protobuf.UInt64Value': 'wrapper',
  'google.protobuf.Int32Value': 'wrapper',
  'google.protobuf.UInt32Value': 'wrapper',
  'google.protobuf.BoolValue': 'wrapper',
  'google.protobuf.StringValue': 'wrapper',
  'google.protobuf.BytesValue': 'wrapper',
};

const WIRE: Record<ScalarType, number> = {
  double: 1,
  float: 5,
  int32: 0,
  uint32: 0,
  sint32: 0,
  fixed32: 5,
  sfixed32: 5,
  int64: 0,
  uint64: 0,
  sint64: 0,
  fixed64: 1,
  sfixed64: 1,
  bool: 0,
  string: 2,
  bytes: 2,
};

const INT32_TYPES = new Set<ScalarType>(['int32', 'sint32', 'sfixed32']);
const UINT32_TYPES = new Set<ScalarType>(['uint32', 'fixed32']);
const INT64_TYPES = new Set<ScalarType>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

const codecs = new Map<string, MessageCodec>();

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

function lowerCamel(name: string): string {
  let out = '';
  let upper = false;
  for (const ch of name) {
    if (ch === '_') {
      upper = true;
      continue;
    }
    out += upper ? ch.toUpperCase() : ch;
    upper = false;
  }
  return out;
}

function enumCodecOf(e: protobuf.Enum): EnumCodec {
  const names = new Map<number, string>();
  for (const [n, v] of Object.entries(e.values)) if (!names.has(v)) names.set(v, n);
  const deprecated = new Set<string>();
  const valuesOptions = (e as unknown as { valuesOptions?: Record<string, Record<string, unknown>> })
    .valuesOptions;
  for (const [n, opts] of Object.entries(valuesOptions ?? {}))
    if (opts?.deprecated === true) deprecated.add(n);
  return { values: e.values, names, deprecated };
}

type ParsedRules = Record<string, unknown>;

function validateRulesOf(field: protobuf.Field): ParsedRules | undefined {
  const parsed = (field as unknown as { parsedOptions?: Array<Record<string, unknown>> }).parsedOptions;
  if (!parsed) return undefined;
  for (const entry of parsed) {
    const rules = entry['(validate.rules)'];
    if (rules && typeof rules === 'object') return rules as ParsedRules;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return undefined;
}

function durationNanos(v: unknown): bigint | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const d = v as { seconds?: unknown; nanos?: unknown };
  return BigInt(num(d.seconds) ?? 0) * 1_000_000_000n + BigInt(num(d.nanos) ?? 0);
}

function compileRules(raw: ParsedRules | undefined): FieldRules | undefined {
  if (!raw) return undefined;
  const r: FieldRules = {};
  const message = raw.message as { required?: boolean } | undefined;
  const dur = raw.duration as Record<string, unknown> | undefined;
  const anyRules = raw.any as { required?: boolean } | undefined;
  if (message?.required || dur?.required || anyRules?.required) r.required = true;
  if (dur) {
    if ('gt' in dur) r.durationGt = durationNanos(dur.gt);
    if ('gte' in dur) r.durationGte = durationNanos(dur.gte);
    if ('lt' in dur) r.durationLt = durationNanos(dur.lt);
    if ('lte' in dur) r.durationLte = durationNanos(dur.lte);
  }
  const str = raw.string as Record<string, unknown> | undefined;
  if (str) {
    if (str.min_len !== undefined) r.minLen = num(str.min_len);
    if (str.max_len !== undefined) r.maxLen = num(str.max_len);
    if (str.max_bytes !== undefined) r.maxBytes = num(str.max_bytes);
    if (Array.isArray(str.in)) r.stringIn = str.in.map(String);
    const strict = str.strict === false ? 'lax' : 'strict';
    if (str.well_known_regex === 'HTTP_HEADER_NAME') r.headerName = strict;
    if (str.well_known_regex === 'HTTP_HEADER_VALUE') r.headerValue = strict;
  }
  const rep = raw.repeated as Record<string, unknown> | undefined;
  if (rep) {
    if (rep.min_items !== undefined) r.minItems = num(rep.min_items);
    if (rep.max_items !== undefined) r.maxItems = num(rep.max_items);
    const items = rep.items as { string?: { min_len?: unknown } } | undefined;
    if (items?.string?.min_len !== undefined) r.itemMinLen = num(items.string.min_len);
  }
  const map = raw.map as Record<string, unknown> | undefined;
  if (map?.min_pairs !== undefined) r.minPairs = num(map.min_pairs);
  for (const kind of ['uint32', 'int32', 'uint64', 'int64', 'double', 'float']) {
    const n = raw[kind] as Record<string, unknown> | undefined;
    if (!n) continue;
    const nr: NumberRules = {};
    if (n.gt !== undefined) nr.gt = num(n.gt);
    if (n.gte !== undefined) nr.gte = num(n.gte);
    if (n.lt !== undefined) nr.lt = num(n.lt);
    if (n.lte !== undefined) nr.lte = num(n.lte);
    r.number = nr;
  }
  const en = raw.enum as { not_in?: unknown[] } | undefined;
  if (Array.isArray(en?.not_in)) r.enumNotIn = en.not_in.map((v) => Number(v));
  return Object.keys(r).length > 0 ? r : undefined;
}

function compile(type: protobuf.Type): MessageCodec {
  const fullName = stripDot(type.fullName);
  const existing = codecs.get(fullName);
  if (existing) return existing;
  const codec: MessageCodec = {
    fullName,
    type,
    wkt: WKT[fullName],
    fields: [],
    byName: new Map(),
    required: [],
    requiredOneofs: [],
    hasOneofs: false,
  };
  codecs.set(fullName, codec);
  const sorted = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const f of sorted) {
    f.resolve();
    const resolved = f.resolvedType;
    const isMap = f instanceof protobuf.MapField;
    const kind: FieldCodec['kind'] =
      resolved instanceof protobuf.Type ? 'message' : resolved instanceof protobuf.Enum ? 'enum' : 'scalar';
    const oneof = f.partOf;
    const synthetic = !!oneof?.name.startsWith('_') && oneof?.oneof.length === 1;
    const wire = kind === 'scalar' ? WIRE[f.type as ScalarType] : kind === 'enum' ? 0 : 2;
    const packed =
      f.repeated && !isMap && kind !== 'message' && f.type !== 'string' && f.type !== 'bytes' && f.packed;
    const fc: FieldCodec = {
      name: f.name,
      jsonName: lowerCamel(f.name),
      id: f.id,
      kind,
      scalar: (kind === 'scalar' ? f.type : kind === 'enum' ? 'int32' : 'bytes') as ScalarType,
      repeated: f.repeated,
      map: isMap,
      keyType: (isMap ? (f as protobuf.MapField).keyType : 'string') as ScalarType,
      packed,
      oneof: oneof && !synthetic ? oneof.name : undefined,
      presence: kind === 'message' || (oneof !== null && oneof !== undefined),
      deprecated: f.options?.deprecated === true,
      typeName: resolved ? stripDot(resolved.fullName) : f.type,
      enumCodec: resolved instanceof protobuf.Enum ? enumCodecOf(resolved) : undefined,
      rules: compileRules(validateRulesOf(f)),
      tag: ((f.id << 3) | (isMap || packed ? 2 : wire)) >>> 0,
    };
    codec.fields.push(fc);
    codec.byName.set(fc.name, fc);
    if (fc.jsonName !== fc.name) codec.byName.set(fc.jsonName, fc);
    if (mustBePresent(fc)) codec.required.push(fc);
    if (fc.oneof) codec.hasOneofs = true;
  }
  for (const o of type.oneofsArray) {
    const opts = o.options as Record<string, unknown> | undefined;
    if (opts?.['(validate.required)'] === true) codec.requiredOneofs.push({ name: o.name, members: o.oneof });
  }
  return codec;
}

/** PGV treats an absent field as its default value: some rules can only pass when it is set. */
function mustBePresent(f: FieldCodec): boolean {
  const r = f.rules;
  // Rules on a oneof member only apply when that member is the one set.
  if (!r || f.oneof) return false;
  if (r.required) return true;
  if (f.map) return (r.minPairs ?? 0) > 0;
  if (f.repeated) return (r.minItems ?? 0) > 0;
  if (f.kind === 'scalar' && f.scalar === 'string') return (r.minLen ?? 0) > 0;
  if (f.kind === 'scalar' && r.number && !f.presence) {
    const n = r.number;
    return (n.gt !== undefined && !(0 > n.gt)) || (n.gte !== undefined && !(0 >= n.gte));
  }
  return false;
}

/** The compiled codec of a message type (full name without leading dot). */
function codecFor(fullName: string): MessageCodec {
  const cached = codecs.get(fullName);
  if (cached) return cached;
  let type: protobuf.Type;
  try {
    type = envoyProtoRoot().lookupType(fullName);
  } catch {
    throw new ProtoJsonError('', `unknown message type ${fullName}`);
  }
  return compile(type);
}

function fieldCodecMessage(f: FieldCodec): MessageCodec {
  return codecFor(f.typeName);
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${typeof v === 'object' ? '' : String(v)}`.trim();
}

// -------------------------------------------------------------------------------------------
// Encoding

/**
 * The path of the value being encoded, kept as a stack of keys and indexes and only turned into
 * a string when something is wrong (building path strings per field was a measurable cost).
 */
const PATH: Array<string | number> = [];

function pathString(): string {
  let out = '';
  for (const p of PATH) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (p.startsWith('[')) out += p;
    else out += out ? `.${p}` : p;
  }
  return out;
}

function fail(detail: string): never {
  throw new ProtoJsonError(pathString(), detail);
}

function checkNumber(rules: FieldRules | undefined, n: number): void {
  const nr = rules?.number;
  if (!nr) return;
  if (nr.gt !== undefined && !(n > nr.gt)) fail(`must be > ${nr.gt}, got ${n}`);
  if (nr.gte !== undefined && !(n >= nr.gte)) fail(`must be >= ${nr.gte}, got ${n}`);
  if (nr.lt !== undefined && !(n < nr.lt)) fail(`must be < ${nr.lt}, got ${n}`);
  if (nr.lte !== undefined && !(n <= nr.lte)) fail(`must be <= ${nr.lte}, got ${n}`);
}

function isHeaderNameChar(c: number): boolean {
  // RFC 7230 tchar.
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 33 ||
    (c >= 35 && c <= 39) ||
    c === 42 ||
    c === 43 ||
    c === 45 ||
    c === 46 ||
    c === 94 ||
    c === 95 ||
    c === 96 ||
    c === 124 ||
    c === 126
  );
}

/** Code points in `s`, counted only as far as needed to compare with `limit`. */
function codePointsAtLeast(s: string, limit: number): boolean {
  if (s.length >= limit * 2) return true;
  if (s.length < limit) return false;
  let n = 0;
  for (const _ of s) if (++n >= limit) return true;
  return false;
}

function checkString(r: FieldRules | undefined, s: string): void {
  if (!r) return;
  if (r.minLen !== undefined && !codePointsAtLeast(s, r.minLen))
    fail(`must be at least ${r.minLen} characters`);
  if (r.maxLen !== undefined && codePointsAtLeast(s, r.maxLen + 1))
    fail(`must be at most ${r.maxLen} characters`);
  if (r.maxBytes !== undefined && Buffer.byteLength(s) > r.maxBytes)
    fail(`must be at most ${r.maxBytes} bytes`);
  if (r.stringIn && !r.stringIn.includes(s)) fail(`must be one of ${r.stringIn.join(', ')}`);
  if (r.headerName || r.headerValue) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c === 10 || c === 13) fail('contains NUL, CR or LF');
      if (r.headerName === 'strict' && !isHeaderNameChar(c) && !(i === 0 && c === 58))
        fail(`is not a valid HTTP header name: ${JSON.stringify(s)}`);
    }
  }
}

function toBigInt(type: ScalarType, v: JsonValue): bigint {
  let b: bigint;
  if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) b = BigInt(v);
  else fail(`expected a 64-bit integer, got ${describe(v)}`);
  if ((type === 'uint64' || type === 'fixed64') && (b < 0n || b > 0xffffffffffffffffn))
    fail(`expected an unsigned 64-bit integer, got ${v}`);
  if (type !== 'uint64' && type !== 'fixed64' && (b < -0x8000000000000000n || b > 0x7fffffffffffffffn))
    fail(`expected a signed 64-bit integer, got ${v}`);
  return b;
}

/** Type-checks and writes one scalar value (no tag). */
function writeScalar(
  w: WireWriter | undefined,
  type: ScalarType,
  v: JsonValue,
  rules: FieldRules | undefined,
): void {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') fail(`expected a string, got ${describe(v)}`);
      checkString(rules, v);
      w?.string(v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(`expected a boolean, got ${describe(v)}`);
      w?.bool(v);
      return;
    case 'bytes':
      if (typeof v !== 'string') fail(`expected base64 bytes, got ${describe(v)}`);
      w?.bytes(Buffer.from(v, 'base64'));
      return;
    case 'double':
    case 'float': {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n)) fail(`expected a number, got ${describe(v)}`);
      checkNumber(rules, n);
      if (w) type === 'double' ? w.double(n) : w.float(n);
      return;
    }
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64': {
      const b = toBigInt(type, v);
      if (rules?.number) checkNumber(rules, Number(b));
      if (!w) return;
      if (type === 'sint64') w.sint64(b);
      else if (type === 'fixed64') w.fixed64(b);
      else if (type === 'sfixed64') w.sfixed64(b);
      else w.int64(b);
      return;
    }
    default: {
      const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) fail(`expected an integer, got ${describe(v)}`);
      if (UINT32_TYPES.has(type) && (n < 0 || n > 0xffffffff))
        fail(`expected an unsigned 32-bit integer, got ${n}`);
      if (INT32_TYPES.has(type) && (n < -0x80000000 || n > 0x7fffffff))
        fail(`expected a 32-bit integer, got ${n}`);
      checkNumber(rules, n);
      if (!w) return;
      if (type === 'uint32') w.uint(n);
      else if (type === 'int32') w.int32(n);
      else if (type === 'sint32') w.sint32(n);
      else if (type === 'fixed32') w.fixed32(n);
      else w.sfixed32(n);
    }
  }
}

function isDefaultScalar(v: JsonValue, f: FieldCodec): boolean {
  if (f.kind === 'enum') return v === 0 || (typeof v === 'string' && f.enumCodec?.values[v] === 0);
  switch (f.scalar) {
    case 'string':
    case 'bytes':
      return v === '';
    case 'bool':
      return v === false;
    default:
      return v === 0 || v === '0';
  }
}

function enumNumber(f: FieldCodec, v: JsonValue): number {
  const ec = f.enumCodec as EnumCodec;
  let n: number | undefined;
  if (typeof v === 'string') {
    n = ec.values[v];
    if (n === undefined)
      fail(
        `unknown ${f.typeName} value ${JSON.stringify(v)} (expected one of ${[...ec.names.values()].join(', ')})`,
      );
    if (ec.deprecated.has(v)) fail(`enum value ${v} is deprecated`);
  } else if (typeof v === 'number' && Number.isInteger(v)) {
    n = v;
    if (!ec.names.has(v)) fail(`undefined ${f.typeName} value ${v}`);
  } else {
    fail(`expected an enum name, got ${describe(v)}`);
  }
  if (f.rules?.enumNotIn?.includes(n)) fail(`value ${v} is not allowed`);
  return n;
}

/** Writes tag + value of one (non-repeated) occurrence of `f`. */
function writeValue(w: WireWriter, f: FieldCodec, v: JsonValue, rules: FieldRules | undefined): void {
  if (f.kind === 'message') {
    w.tag(((f.id << 3) | 2) >>> 0);
    w.fork();
    encodeBody(w, fieldCodecMessage(f), v, rules);
    w.ldelim();
  } else if (f.kind === 'enum') {
    w.tag((f.id << 3) >>> 0);
    w.int32(enumNumber(f, v));
  } else {
    w.tag(((f.id << 3) | WIRE[f.scalar]) >>> 0);
    writeScalar(w, f.scalar, v, rules);
  }
}

/** Rules that apply to each element of a repeated field. */
function itemRules(r: FieldRules | undefined): FieldRules | undefined {
  if (!r) return undefined;
  if (r.itemMinLen !== undefined) return { minLen: r.itemMinLen };
  return r.number ? { number: r.number } : undefined;
}

function encodeField(w: WireWriter, f: FieldCodec, v: JsonValue): void {
  if (f.map) {
    if (!isPlainObject(v)) fail(`expected an object (map), got ${describe(v)}`);
    const keys = Object.keys(v).sort();
    if (f.rules?.minPairs !== undefined && keys.length < f.rules.minPairs)
      fail(`must have at least ${f.rules.minPairs} entries`);
    const keyTag = ((1 << 3) | WIRE[f.keyType]) >>> 0;
    const valueTag =
      f.kind === 'message'
        ? ((2 << 3) | 2) >>> 0
        : f.kind === 'enum'
          ? (2 << 3) >>> 0
          : ((2 << 3) | WIRE[f.scalar]) >>> 0;
    for (const k of keys) {
      const item = v[k] as JsonValue;
      PATH.push(`[${JSON.stringify(k)}]`);
      w.tag(f.tag);
      w.fork();
      w.tag(keyTag);
      const key: JsonValue =
        f.keyType === 'bool'
          ? k === 'true'
          : INT64_TYPES.has(f.keyType) || f.keyType === 'string'
            ? k
            : Number(k);
      writeScalar(w, f.keyType, key, undefined);
      w.tag(valueTag);
      if (f.kind === 'message') {
        w.fork();
        encodeBody(w, fieldCodecMessage(f), item, undefined);
        w.ldelim();
      } else if (f.kind === 'enum') {
        w.int32(enumNumber(f, item));
      } else {
        writeScalar(w, f.scalar, item, undefined);
      }
      w.ldelim();
      PATH.pop();
    }
    return;
  }
  if (f.repeated) {
    if (!Array.isArray(v)) fail(`expected an array, got ${describe(v)}`);
    const r = f.rules;
    if (r?.minItems !== undefined && v.length < r.minItems)
      fail(`must have at least ${r.minItems} item${r.minItems === 1 ? '' : 's'}`);
    if (r?.maxItems !== undefined && v.length > r.maxItems) fail(`must have at most ${r.maxItems} items`);
    if (v.length === 0) return;
    const ir = itemRules(r);
    if (f.packed) {
      w.tag(f.tag);
      w.fork();
      for (let i = 0; i < v.length; i++) {
        PATH.push(i);
        if (f.kind === 'enum') w.int32(enumNumber(f, v[i] as JsonValue));
        else writeScalar(w, f.scalar, v[i] as JsonValue, ir);
        PATH.pop();
      }
      w.ldelim();
      return;
    }
    for (let i = 0; i < v.length; i++) {
      PATH.push(i);
      writeValue(w, f, v[i] as JsonValue, ir);
      PATH.pop();
    }
    return;
  }
  if (!f.presence && isDefaultScalar(v, f)) {
    // Proto3 leaves defaults off the wire; still type-check what was written.
    if (f.kind === 'enum') enumNumber(f, v);
    else writeScalar(undefined, f.scalar, v, f.rules);
    return;
  }
  writeValue(w, f, v, f.rules);
}

/** Parses "<digits>[.<1-9 digits>]s" into numbers; undefined for anything else (negative, huge). */
function simpleDuration(v: string): { seconds: number; nanos: number } | undefined {
  const n = v.length;
  if (n < 2 || n > 26 || v.charCodeAt(n - 1) !== 115) return undefined;
  let seconds = 0;
  let i = 0;
  for (; i < n - 1; i++) {
    const c = v.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    seconds = seconds * 10 + (c - 48);
  }
  if (i === 0 || i > 15) return undefined;
  let nanos = 0;
  if (i < n - 1) {
    const digits = n - 2 - i;
    if (digits < 1 || digits > 9) return undefined;
    for (let j = i + 1; j < n - 1; j++) {
      const c = v.charCodeAt(j);
      if (c < 48 || c > 57) return undefined;
      nanos = nanos * 10 + (c - 48);
    }
    for (let k = digits; k < 9; k++) nanos *= 10;
  }
  return { seconds, nanos };
}

function encodeDurationBody(w: WireWriter, v: JsonValue, r: FieldRules | undefined): void {
  if (typeof v !== 'string') fail(`expected a duration string like "1.5s", got ${describe(v)}`);
  const simple = simpleDuration(v);
  const d = simple ? { seconds: 0n, nanos: simple.nanos } : parseDuration(v);
  if (!d) fail(`malformed duration ${JSON.stringify(v)}`);
  if (
    r &&
    (r.durationGt !== undefined ||
      r.durationGte !== undefined ||
      r.durationLt !== undefined ||
      r.durationLte !== undefined)
  ) {
    const total = (simple ? BigInt(simple.seconds) : d.seconds) * 1_000_000_000n + BigInt(d.nanos);
    if (r.durationGt !== undefined && !(total > r.durationGt))
      fail(
        `must be longer than ${formatDuration(r.durationGt / 1_000_000_000n, Number(r.durationGt % 1_000_000_000n))}`,
      );
    if (r.durationGte !== undefined && !(total >= r.durationGte)) fail('is too short');
    if (r.durationLt !== undefined && !(total < r.durationLt)) fail('is too long');
    if (r.durationLte !== undefined && !(total <= r.durationLte)) fail('is too long');
  }
  if (simple) {
    if (simple.seconds !== 0) {
      w.tag(8);
      w.uint(simple.seconds);
    }
  } else if (d.seconds !== 0n) {
    w.tag(8);
    w.int64(d.seconds);
  }
  if (d.nanos !== 0) {
    w.tag(16);
    w.int32(d.nanos);
  }
}

function encodeStructValue(w: WireWriter, v: JsonValue): void {
  if (v === null) {
    w.tag(8);
    w.uint(0);
  } else if (typeof v === 'number') {
    w.tag(17);
    w.double(v);
  } else if (typeof v === 'string') {
    w.tag(26);
    w.string(v);
  } else if (typeof v === 'boolean') {
    w.tag(32);
    w.bool(v);
  } else if (Array.isArray(v)) {
    w.tag(50);
    w.fork();
    encodeListBody(w, v);
    w.ldelim();
  } else {
    w.tag(42);
    w.fork();
    encodeStructBody(w, v);
    w.ldelim();
  }
}

function encodeStructBody(w: WireWriter, v: JsonValue): void {
  if (!isPlainObject(v)) fail(`expected an object (Struct), got ${describe(v)}`);
  for (const k of Object.keys(v).sort()) {
    PATH.push(k);
    w.tag(10);
    w.fork();
    w.tag(10);
    w.string(k);
    w.tag(18);
    w.fork();
    encodeStructValue(w, v[k] as JsonValue);
    w.ldelim();
    w.ldelim();
    PATH.pop();
  }
}

function encodeListBody(w: WireWriter, v: JsonValue[]): void {
  for (let i = 0; i < v.length; i++) {
    PATH.push(i);
    w.tag(10);
    w.fork();
    encodeStructValue(w, v[i] as JsonValue);
    w.ldelim();
    PATH.pop();
  }
}

/** Resolves `type.googleapis.com/x.y.Z` to `x.y.Z`. */
export function typeNameFromUrl(url: string): string {
  const slash = url.lastIndexOf('/');
  return slash === -1 ? url : url.slice(slash + 1);
}

function innerCodec(url: JsonValue): MessageCodec {
  if (typeof url !== 'string' || url === '') fail('Any is missing "@type"');
  try {
    return codecFor(typeNameFromUrl(url));
  } catch (e) {
    if (e instanceof ProtoJsonError) fail(e.detail);
    throw e;
  }
}

function encodeAnyBody(w: WireWriter, v: JsonValue): void {
  if (!isPlainObject(v)) fail(`expected an Any object with "@type", got ${describe(v)}`);
  const url = v['@type'] as JsonValue;
  const inner = innerCodec(url);
  w.tag(10);
  w.string(url as string);
  w.tag(18);
  w.fork();
  if (inner.wkt && inner.wkt !== 'any') {
    for (const k of Object.keys(v)) {
      if (k !== '@type' && k !== 'value') {
        PATH.push(k);
        fail(`unknown field in ${inner.fullName} Any (expected "value")`);
      }
    }
    if (v.value !== undefined) {
      PATH.push('value');
      encodeBody(w, inner, v.value as JsonValue, undefined);
      PATH.pop();
    }
  } else {
    encodeBody(w, inner, v, undefined, '@type');
  }
  w.ldelim();
}

/**
 * Encodes the body of one message. Walks the keys present in `v` (not every field of the
 * schema) and writes them in field-number order.
 */
function encodeBody(
  w: WireWriter,
  codec: MessageCodec,
  v: JsonValue,
  rules: FieldRules | undefined,
  skipKey?: string,
): void {
  switch (codec.wkt) {
    case 'any':
      encodeAnyBody(w, v);
      return;
    case 'duration':
      encodeDurationBody(w, v, rules);
      return;
    case 'struct':
      encodeStructBody(w, v);
      return;
    case 'value':
      encodeStructValue(w, v);
      return;
    case 'list':
      if (!Array.isArray(v)) fail(`expected an array (ListValue), got ${describe(v)}`);
      encodeListBody(w, v);
      return;
    case 'wrapper': {
      // Wrapper rules live on the owning field (e.g. `uint32 = {gte: 1}` on a UInt32Value).
      const inner = codec.fields[0] as FieldCodec;
      if (isDefaultScalar(v, inner)) {
        writeScalar(undefined, inner.scalar, v, rules);
      } else {
        w.tag(inner.tag);
        writeScalar(w, inner.scalar, v, rules);
      }
      return;
    }
    case 'timestamp': {
      if (typeof v !== 'string') fail(`expected an RFC 3339 timestamp, got ${describe(v)}`);
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) fail(`malformed timestamp ${JSON.stringify(v)}`);
      const secs = Math.floor(ms / 1000);
      const nanos = (ms - secs * 1000) * 1_000_000;
      if (secs !== 0) {
        w.tag(8);
        w.int64(BigInt(secs));
      }
      if (nanos !== 0) {
        w.tag(16);
        w.int32(nanos);
      }
      return;
    }
    case 'fieldmask': {
      if (typeof v !== 'string') fail(`expected a field mask string, got ${describe(v)}`);
      for (const p of v.split(',').filter(Boolean)) {
        w.tag(10);
        w.string(p);
      }
      return;
    }
    default:
      break;
  }
  if (!isPlainObject(v)) fail(`expected a ${codec.fullName} object, got ${describe(v)}`);
  // Scratch arrays reused per nesting depth: no allocation per message.
  const level = depth++;
  let scratchLevel = LEVELS[level];
  if (!scratchLevel) {
    scratchLevel = { fields: [], values: [], keys: [] };
    LEVELS[level] = scratchLevel;
  }
  // Entries beyond `n` are stale leftovers of earlier messages and are never read.
  const { fields, values, keys } = scratchLevel;
  const present = Object.keys(v);
  let n = 0;
  for (let k = 0; k < present.length; k++) {
    const key = present[k] as string;
    if (key === skipKey) continue;
    const value = v[key];
    if (value === undefined) continue;
    const f = codec.byName.get(key);
    if (!f) {
      PATH.push(key);
      fail(`unknown field "${key}" in ${codec.fullName}`);
    }
    // Insertion sort by field number: messages carry a handful of keys.
    let i = n;
    while (i > 0 && (fields[i - 1] as FieldCodec).id > f.id) {
      fields[i] = fields[i - 1] as FieldCodec;
      values[i] = values[i - 1] as JsonValue;
      keys[i] = keys[i - 1] as string;
      i--;
    }
    if (i > 0 && fields[i - 1] === f) {
      PATH.push(key);
      fail(`field ${f.name} of ${codec.fullName} is given twice (snake_case and lowerCamel)`);
    }
    fields[i] = f;
    values[i] = value;
    keys[i] = key;
    n++;
  }
  for (let i = 0; i < n; i++) {
    const f = fields[i] as FieldCodec;
    const value = values[i] as JsonValue;
    PATH.push(keys[i] as string);
    if (value === null) {
      if (f.rules?.required) fail('is required');
      PATH.pop();
      continue;
    }
    if (f.deprecated) fail(`field ${codec.fullName}.${f.name} is deprecated`);
    if (f.oneof) {
      for (let j = 0; j < i; j++) {
        const other = fields[j] as FieldCodec;
        if (other.oneof === f.oneof && values[j] !== null)
          fail(`oneof ${f.oneof} already set by ${other.name}`);
      }
    }
    encodeField(w, f, value);
    PATH.pop();
  }
  for (const f of codec.required) {
    let i = 0;
    while (i < n && fields[i] !== f) i++;
    if (i === n || values[i] === null) {
      PATH.push(f.name);
      fail(`is required in ${codec.fullName}`);
    }
  }
  for (const o of codec.requiredOneofs) {
    let set = false;
    for (let i = 0; i < fields.length && !set; i++)
      set = (fields[i] as FieldCodec).oneof === o.name && values[i] !== null;
    if (!set) fail(`one of ${o.members.join(', ')} is required in ${codec.fullName}`);
  }
  depth--;
}

/** Present fields of the message being encoded at each nesting depth. */
const LEVELS: Array<{ fields: FieldCodec[]; values: JsonValue[]; keys: string[] } | undefined> = [];
let depth = 0;

/** One reusable writer: encoding is synchronous and never re-entered. */
const scratch = new WireWriter();

/**
 * Encodes proto3 JSON (snake_case or lowerCamel keys) as the binary message `typeName`.
 * Throws {@link ProtoJsonError} naming the path of the first problem.
 *
 * @example
 * ```ts
 * const bytes = encodeMessage('envoy.config.cluster.v3.Cluster', { name: 'a', type: 'EDS', ... });
 * ```
 */
export function encodeMessage(typeName: string, json: JsonValue): Uint8Array {
  const codec = codecFor(typeName);
  scratch.reset();
  PATH.length = 0;
  depth = 0;
  encodeBody(scratch, codec, json, undefined);
  return scratch.slice();
}

/**
 * Encodes a resource given as JSON with `@type` as a `google.protobuf.Any` message
 * (`type_url` + encoded `value`): the exact bytes of one entry of `DiscoveryResponse.resources`.
 *
 * @example
 * ```ts
 * const { any } = encodeAny(resources.clusters[0]);
 * decodeAny(any); // equals resources.clusters[0]
 * ```
 */
export function encodeAny(json: JsonObject): { typeUrl: string; any: Uint8Array; value: Uint8Array } {
  const url = json['@type'];
  if (typeof url !== 'string') throw new ProtoJsonError('', 'resource is missing "@type"');
  PATH.length = 0;
  depth = 0;
  const inner = innerCodec(url);
  scratch.reset();
  scratch.tag(10);
  scratch.string(url);
  scratch.tag(18);
  scratch.fork();
  const bodyStart = scratch.pos;
  encodeBody(scratch, inner, json, undefined, '@type');
  const bodyEnd = scratch.pos;
  scratch.ldelim();
  const any = scratch.slice();
  // The value is the tail of the Any (after its length prefix, whatever size that took).
  const value = any.subarray(any.length - (bodyEnd - bodyStart));
  return { typeUrl: url, any, value };
}

// -------------------------------------------------------------------------------------------
// Decoding

type Decoded = Record<string, unknown>;

function toBase64(v: unknown): string {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : '';
}

function longToString(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') return String(v);
  return '0';
}

function isZeroLong(v: unknown): boolean {
  return v === 0 || v === '0' || (v !== null && typeof v === 'object' && String(v) === '0');
}

function scalarToJson(type: ScalarType, v: unknown): JsonValue {
  if (INT64_TYPES.has(type)) return longToString(v);
  if (type === 'bytes') return toBase64(v);
  if ((type === 'double' || type === 'float') && !Number.isFinite(v as number)) return String(v);
  return v as JsonValue;
}

function valueToJson(f: FieldCodec, v: unknown): JsonValue {
  if (f.kind === 'message') return messageToJson(fieldCodecMessage(f), v as Decoded);
  if (f.kind === 'enum') return (f.enumCodec as EnumCodec).names.get(v as number) ?? (v as number);
  return scalarToJson(f.scalar, v);
}

function structValueToJson(v: Decoded): JsonValue {
  // protobufjs bundles google/protobuf/struct.proto with camelCase names regardless of keepCase.
  const has = (snake: string, camel: string) => Object.hasOwn(v, snake) || Object.hasOwn(v, camel);
  const get = (snake: string, camel: string) => (Object.hasOwn(v, snake) ? v[snake] : v[camel]);
  if (has('number_value', 'numberValue')) return get('number_value', 'numberValue') as number;
  if (has('string_value', 'stringValue')) return get('string_value', 'stringValue') as string;
  if (has('bool_value', 'boolValue')) return get('bool_value', 'boolValue') as boolean;
  if (has('struct_value', 'structValue')) return structToJson(get('struct_value', 'structValue') as Decoded);
  if (has('list_value', 'listValue'))
    return (((get('list_value', 'listValue') as Decoded).values ?? []) as Decoded[]).map(structValueToJson);
  return null;
}

function structToJson(v: Decoded): JsonObject {
  const out: JsonObject = {};
  const fields = (v.fields ?? {}) as Record<string, Decoded>;
  for (const k of Object.keys(fields)) out[k] = structValueToJson(fields[k] as Decoded);
  return out;
}

function anyToJson(v: Decoded): JsonObject {
  const url = v.type_url as string;
  const inner = codecFor(typeNameFromUrl(url));
  const decoded = inner.type.decode(v.value as Uint8Array) as unknown as Decoded;
  const body = messageToJson(inner, decoded);
  if (inner.wkt && inner.wkt !== 'any') return { '@type': url, value: body };
  return { '@type': url, ...(body as JsonObject) };
}

function messageToJson(codec: MessageCodec, m: Decoded): JsonValue {
  switch (codec.wkt) {
    case 'any':
      return anyToJson(m);
    case 'duration':
      return formatDuration(BigInt(longToString(m.seconds ?? 0)), Number(m.nanos ?? 0));
    case 'timestamp': {
      const ms = Number(longToString(m.seconds ?? 0)) * 1000 + Math.floor(Number(m.nanos ?? 0) / 1e6);
      return new Date(ms).toISOString();
    }
    case 'struct':
      return structToJson(m);
    case 'value':
      return structValueToJson(m);
    case 'list':
      return ((m.values ?? []) as Decoded[]).map(structValueToJson);
    case 'fieldmask':
      return ((m.paths ?? []) as string[]).join(',');
    case 'wrapper': {
      const inner = codec.fields[0] as FieldCodec;
      return scalarToJson(
        inner.scalar,
        m.value ?? (inner.scalar === 'bool' ? false : inner.scalar === 'string' ? '' : 0),
      );
    }
    default:
      break;
  }
  const out: JsonObject = {};
  for (const f of codec.fields) {
    const v = m[f.name];
    if (f.map) {
      if (!v || typeof v !== 'object') continue;
      const keys = Object.keys(v as object);
      if (keys.length === 0) continue;
      const obj: JsonObject = {};
      for (const k of keys) obj[k] = valueToJson(f, (v as Decoded)[k]);
      out[f.name] = obj;
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[f.name] = v.map((item) => valueToJson(f, item));
      continue;
    }
    if (f.presence) {
      if (!Object.hasOwn(m, f.name) || v === null || v === undefined) continue;
      out[f.name] = valueToJson(f, v);
      continue;
    }
    if (v === undefined || v === null) continue;
    if (
      f.kind === 'enum'
        ? v === 0
        : INT64_TYPES.has(f.scalar)
          ? isZeroLong(v)
          : f.scalar === 'bytes'
            ? (v as Uint8Array).length === 0
            : v === 0 || v === '' || v === false
    )
      continue;
    out[f.name] = valueToJson(f, v);
  }
  return out;
}

/**
 * Decodes binary `typeName` into canonical proto3 JSON with snake_case names, the same shape
 * {@link encodeMessage} accepts, so `decodeMessage(t, encodeMessage(t, x))` equals `x` for every
 * `x` written in canonical form.
 *
 * @example
 * ```ts
 * decodeMessage('envoy.config.cluster.v3.Cluster', bytes); // { name: 'a', type: 'EDS', ... }
 * ```
 */
export function decodeMessage(typeName: string, bytes: Uint8Array): JsonValue {
  const codec = codecFor(typeName);
  return messageToJson(codec, codec.type.decode(bytes) as unknown as Decoded);
}

/** Converts a message protobufjs already decoded (from {@link envoyProtoRoot}) into proto3 JSON. */
export function decodedToJson(typeName: string, message: unknown): JsonValue {
  return messageToJson(codecFor(typeName), message as Decoded);
}

/** Decodes an encoded `google.protobuf.Any` into JSON with `@type`. */
export function decodeAny(bytes: Uint8Array): JsonObject {
  const codec = codecFor('google.protobuf.Any');
  return anyToJson(codec.type.decode(bytes) as unknown as Decoded);
}

/**
 * Checks `json` against the schema of `typeName` without keeping the bytes.
 * Returns undefined when valid, else the first problem.
 */
export function checkMessage(typeName: string, json: JsonValue): ProtoJsonError | undefined {
  try {
    encodeMessage(typeName, json);
    return undefined;
  } catch (e) {
    if (e instanceof ProtoJsonError) return e;
    throw e;
  }
}
