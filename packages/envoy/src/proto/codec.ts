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
  for (const [n, opts] of Object.entries(valuesOptions ?? {})) if (opts?.deprecated === true) deprecated.add(n);
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
    const synthetic = oneof !== null && oneof !== undefined && oneof.name.startsWith('_') && oneof.oneof.length === 1;
    const wire = kind === 'scalar' ? WIRE[f.type as ScalarType] : kind === 'enum' ? 0 : 2;
    const packed = f.repeated && !isMap && kind !== 'message' && f.type !== 'string' && f.type !== 'bytes' && f.packed;
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

type Writer = protobuf.Writer;

function checkNumber(f: FieldCodec, n: number, path: string): void {
  const nr = f.rules?.number;
  if (!nr) return;
  if (nr.gt !== undefined && !(n > nr.gt)) throw new ProtoJsonError(path, `must be > ${nr.gt}, got ${n}`);
  if (nr.gte !== undefined && !(n >= nr.gte)) throw new ProtoJsonError(path, `must be >= ${nr.gte}, got ${n}`);
  if (nr.lt !== undefined && !(n < nr.lt)) throw new ProtoJsonError(path, `must be < ${nr.lt}, got ${n}`);
  if (nr.lte !== undefined && !(n <= nr.lte)) throw new ProtoJsonError(path, `must be <= ${nr.lte}, got ${n}`);
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

function checkString(f: FieldCodec, s: string, path: string): void {
  const r = f.rules;
  if (!r) return;
  if (r.minLen !== undefined && [...s].length < r.minLen)
    throw new ProtoJsonError(path, `must be at least ${r.minLen} characters`);
  if (r.maxLen !== undefined && [...s].length > r.maxLen)
    throw new ProtoJsonError(path, `must be at most ${r.maxLen} characters`);
  if (r.maxBytes !== undefined && Buffer.byteLength(s) > r.maxBytes)
    throw new ProtoJsonError(path, `must be at most ${r.maxBytes} bytes`);
  if (r.stringIn && !r.stringIn.includes(s))
    throw new ProtoJsonError(path, `must be one of ${r.stringIn.join(', ')}`);
  if (r.headerName || r.headerValue) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c === 10 || c === 13) throw new ProtoJsonError(path, 'contains NUL, CR or LF');
      if (r.headerName === 'strict' && !isHeaderNameChar(c) && !(i === 0 && c === 58))
        throw new ProtoJsonError(path, `is not a valid HTTP header name: ${JSON.stringify(s)}`);
    }
  }
}

function writeScalar(w: Writer, type: ScalarType, v: JsonValue, f: FieldCodec, path: string): void {
  switch (type) {
    case 'string': {
      if (typeof v !== 'string') throw new ProtoJsonError(path, `expected a string, got ${describe(v)}`);
      checkString(f, v, path);
      w.string(v);
      return;
    }
    case 'bool': {
      if (typeof v !== 'boolean') throw new ProtoJsonError(path, `expected a boolean, got ${describe(v)}`);
      w.bool(v);
      return;
    }
    case 'bytes': {
      if (typeof v !== 'string') throw new ProtoJsonError(path, `expected base64 bytes, got ${describe(v)}`);
      w.bytes(Buffer.from(v, 'base64'));
      return;
    }
    case 'double':
    case 'float': {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n)) throw new ProtoJsonError(path, `expected a number, got ${describe(v)}`);
      checkNumber(f, n, path);
      w[type](n);
      return;
    }
    default: {
      if (INT64_TYPES.has(type)) {
        let s: string;
        if (typeof v === 'number' && Number.isSafeInteger(v)) s = String(v);
        else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) s = v;
        else throw new ProtoJsonError(path, `expected a 64-bit integer, got ${describe(v)}`);
        if ((type === 'uint64' || type === 'fixed64') && s.startsWith('-'))
          throw new ProtoJsonError(path, `expected an unsigned integer, got ${s}`);
        checkNumber(f, Number(s), path);
        w[type](s as unknown as number);
        return;
      }
      const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n))
        throw new ProtoJsonError(path, `expected an integer, got ${describe(v)}`);
      if (UINT32_TYPES.has(type) && (n < 0 || n > 0xffffffff))
        throw new ProtoJsonError(path, `expected an unsigned 32-bit integer, got ${n}`);
      if (INT32_TYPES.has(type) && (n < -0x80000000 || n > 0x7fffffff))
        throw new ProtoJsonError(path, `expected a 32-bit integer, got ${n}`);
      checkNumber(f, n, path);
      (w[type] as (x: number) => Writer)(n);
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

function enumNumber(f: FieldCodec, v: JsonValue, path: string): number {
  const ec = f.enumCodec as EnumCodec;
  let n: number | undefined;
  if (typeof v === 'string') {
    n = ec.values[v];
    if (n === undefined)
      throw new ProtoJsonError(path, `unknown ${f.typeName} value ${JSON.stringify(v)} (expected one of ${[...ec.names.values()].join(', ')})`);
    if (ec.deprecated.has(v)) throw new ProtoJsonError(path, `enum value ${v} is deprecated`);
  } else if (typeof v === 'number' && Number.isInteger(v)) {
    n = v;
    if (!ec.names.has(v)) throw new ProtoJsonError(path, `undefined ${f.typeName} value ${v}`);
  } else {
    throw new ProtoJsonError(path, `expected an enum name, got ${describe(v)}`);
  }
  if (f.rules?.enumNotIn?.includes(n)) throw new ProtoJsonError(path, `value ${v} is not allowed`);
  return n;
}

function writeValue(w: Writer, f: FieldCodec, v: JsonValue, path: string): void {
  if (f.kind === 'message') {
    w.uint32(((f.id << 3) | 2) >>> 0).fork();
    encodeInto(w, fieldCodecMessage(f), v, path, f);
    w.ldelim();
  } else if (f.kind === 'enum') {
    w.uint32(((f.id << 3) | 0) >>> 0).int32(enumNumber(f, v, path));
  } else {
    w.uint32(((f.id << 3) | WIRE[f.scalar]) >>> 0);
    writeScalar(w, f.scalar, v, f, path);
  }
}

function encodeField(w: Writer, f: FieldCodec, v: JsonValue, path: string): void {
  if (f.map) {
    if (!isPlainObject(v)) throw new ProtoJsonError(path, `expected an object (map), got ${describe(v)}`);
    const keys = Object.keys(v).sort();
    if (f.rules?.minPairs !== undefined && keys.length < f.rules.minPairs)
      throw new ProtoJsonError(path, `must have at least ${f.rules.minPairs} entries`);
    const valueField: FieldCodec = { ...f, id: 2, map: false, repeated: false, rules: undefined };
    const keyField: FieldCodec = { ...f, id: 1, kind: 'scalar', scalar: f.keyType, map: false, repeated: false, rules: undefined };
    for (const k of keys) {
      const item = v[k] as JsonValue;
      const itemPath = `${path}[${JSON.stringify(k)}]`;
      w.uint32(f.tag).fork();
      w.uint32(((1 << 3) | WIRE[f.keyType]) >>> 0);
      const key: JsonValue = INT64_TYPES.has(f.keyType) || f.keyType === 'string' || f.keyType === 'bool' ? k : Number(k);
      writeScalar(w, f.keyType, f.keyType === 'bool' ? k === 'true' : key, keyField, itemPath);
      writeValue(w, valueField, item, itemPath);
      w.ldelim();
    }
    return;
  }
  if (f.repeated) {
    if (!Array.isArray(v)) throw new ProtoJsonError(path, `expected an array, got ${describe(v)}`);
    const r = f.rules;
    if (r?.minItems !== undefined && v.length < r.minItems)
      throw new ProtoJsonError(path, `must have at least ${r.minItems} item${r.minItems === 1 ? '' : 's'}`);
    if (r?.maxItems !== undefined && v.length > r.maxItems)
      throw new ProtoJsonError(path, `must have at most ${r.maxItems} items`);
    if (v.length === 0) return;
    const itemField: FieldCodec = r?.itemMinLen !== undefined ? { ...f, rules: { minLen: r.itemMinLen } } : { ...f, rules: r?.number ? { number: r.number } : undefined };
    if (f.packed) {
      w.uint32(f.tag).fork();
      for (let i = 0; i < v.length; i++) {
        const item = v[i] as JsonValue;
        if (f.kind === 'enum') w.int32(enumNumber(f, item, `${path}[${i}]`));
        else writeScalar(w, f.scalar, item, itemField, `${path}[${i}]`);
      }
      w.ldelim();
      return;
    }
    for (let i = 0; i < v.length; i++) writeValue(w, itemField, v[i] as JsonValue, `${path}[${i}]`);
    return;
  }
  if (!f.presence && isDefaultScalar(v, f)) {
    // Proto3 leaves defaults off the wire; still type-check what was written.
    if (f.kind === 'enum') enumNumber(f, v, path);
    else writeScalar(protobuf.Writer.create(), f.scalar, v, f, path);
    return;
  }
  writeValue(w, f, v, path);
}

function encodeDurationBody(w: Writer, v: JsonValue, path: string, f?: FieldCodec): void {
  if (typeof v !== 'string') throw new ProtoJsonError(path, `expected a duration string like "1.5s", got ${describe(v)}`);
  const d = parseDuration(v);
  if (!d) throw new ProtoJsonError(path, `malformed duration ${JSON.stringify(v)}`);
  const r = f?.rules;
  if (r) {
    const total = d.seconds * 1_000_000_000n + BigInt(d.nanos);
    if (r.durationGt !== undefined && !(total > r.durationGt)) throw new ProtoJsonError(path, `must be longer than ${formatDuration(r.durationGt / 1_000_000_000n, Number(r.durationGt % 1_000_000_000n))}`);
    if (r.durationGte !== undefined && !(total >= r.durationGte)) throw new ProtoJsonError(path, 'is too short');
    if (r.durationLt !== undefined && !(total < r.durationLt)) throw new ProtoJsonError(path, 'is too long');
    if (r.durationLte !== undefined && !(total <= r.durationLte)) throw new ProtoJsonError(path, 'is too long');
  }
  if (d.seconds !== 0n) w.uint32(8).int64(d.seconds.toString() as unknown as number);
  if (d.nanos !== 0) w.uint32(16).int32(d.nanos);
}

function encodeStructValue(w: Writer, v: JsonValue, path: string): void {
  if (v === null) w.uint32(8).int32(0);
  else if (typeof v === 'number') w.uint32(17).double(v);
  else if (typeof v === 'string') w.uint32(26).string(v);
  else if (typeof v === 'boolean') w.uint32(32).bool(v);
  else if (Array.isArray(v)) {
    w.uint32(50).fork();
    encodeListBody(w, v, path);
    w.ldelim();
  } else {
    w.uint32(42).fork();
    encodeStructBody(w, v, path);
    w.ldelim();
  }
}

function encodeStructBody(w: Writer, v: JsonValue, path: string): void {
  if (!isPlainObject(v)) throw new ProtoJsonError(path, `expected an object (Struct), got ${describe(v)}`);
  for (const k of Object.keys(v).sort()) {
    w.uint32(10).fork();
    w.uint32(10).string(k);
    w.uint32(18).fork();
    encodeStructValue(w, v[k] as JsonValue, `${path}.${k}`);
    w.ldelim();
    w.ldelim();
  }
}

function encodeListBody(w: Writer, v: JsonValue[], path: string): void {
  for (let i = 0; i < v.length; i++) {
    w.uint32(10).fork();
    encodeStructValue(w, v[i] as JsonValue, `${path}[${i}]`);
    w.ldelim();
  }
}

/** Resolves `type.googleapis.com/x.y.Z` to `x.y.Z`. */
export function typeNameFromUrl(url: string): string {
  const slash = url.lastIndexOf('/');
  return slash === -1 ? url : url.slice(slash + 1);
}

function encodeAnyBody(w: Writer, v: JsonValue, path: string): void {
  if (!isPlainObject(v)) throw new ProtoJsonError(path, `expected an Any object with "@type", got ${describe(v)}`);
  const url = v['@type'];
  if (typeof url !== 'string' || url === '') throw new ProtoJsonError(path, 'Any is missing "@type"');
  const inner = codecFor(typeNameFromUrl(url));
  w.uint32(10).string(url);
  w.uint32(18).fork();
  if (inner.wkt && inner.wkt !== 'any') {
    const keys = Object.keys(v).filter((k) => k !== '@type' && k !== 'value');
    if (keys.length > 0) throw new ProtoJsonError(`${path}.${keys[0]}`, `unknown field in ${inner.fullName} Any (expected "value")`);
    if ('value' in v) encodeInto(w, inner, v.value as JsonValue, `${path}.value`);
  } else {
    const { '@type': _ignored, ...rest } = v;
    encodeInto(w, inner, rest, path);
  }
  w.ldelim();
}

function encodeInto(w: Writer, codec: MessageCodec, v: JsonValue, path: string, owner?: FieldCodec): void {
  switch (codec.wkt) {
    case 'any':
      encodeAnyBody(w, v, path);
      return;
    case 'duration':
      encodeDurationBody(w, v, path, owner);
      return;
    case 'struct':
      encodeStructBody(w, v, path);
      return;
    case 'value':
      encodeStructValue(w, v, path);
      return;
    case 'list':
      if (!Array.isArray(v)) throw new ProtoJsonError(path, `expected an array (ListValue), got ${describe(v)}`);
      encodeListBody(w, v, path);
      return;
    case 'wrapper': {
      const inner = codec.fields[0] as FieldCodec;
      // Wrapper rules live on the owning field (e.g. `uint32 = {gte: 1}` on a UInt32Value).
      const f: FieldCodec = owner?.rules ? { ...inner, rules: owner.rules } : inner;
      if (!isDefaultScalar(v, f)) {
        w.uint32(inner.tag);
        writeScalar(w, inner.scalar, v, f, path);
      } else {
        writeScalar(protobuf.Writer.create(), inner.scalar, v, f, path);
      }
      return;
    }
    case 'timestamp': {
      if (typeof v !== 'string') throw new ProtoJsonError(path, `expected an RFC 3339 timestamp, got ${describe(v)}`);
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) throw new ProtoJsonError(path, `malformed timestamp ${JSON.stringify(v)}`);
      const secs = Math.floor(ms / 1000);
      const nanos = (ms - secs * 1000) * 1_000_000;
      if (secs !== 0) w.uint32(8).int64(secs);
      if (nanos !== 0) w.uint32(16).int32(nanos);
      return;
    }
    case 'fieldmask': {
      if (typeof v !== 'string') throw new ProtoJsonError(path, `expected a field mask string, got ${describe(v)}`);
      for (const p of v.split(',').filter(Boolean)) w.uint32(10).string(p);
      return;
    }
    default:
      break;
  }
  if (!isPlainObject(v)) throw new ProtoJsonError(path, `expected a ${codec.fullName} object, got ${describe(v)}`);
  let matched = 0;
  let oneofSet: Map<string, string> | undefined;
  for (const f of codec.fields) {
    let key = f.name;
    let value = v[key];
    if (value === undefined && f.jsonName !== f.name) {
      key = f.jsonName;
      value = v[key];
    }
    if (value === undefined) continue;
    matched++;
    const fieldPath = path ? `${path}.${key}` : key;
    if (value === null) {
      if (f.rules?.required) throw new ProtoJsonError(fieldPath, 'is required');
      continue;
    }
    if (f.deprecated) throw new ProtoJsonError(fieldPath, `field ${codec.fullName}.${f.name} is deprecated`);
    if (f.oneof) {
      oneofSet ??= new Map();
      const other = oneofSet.get(f.oneof);
      if (other) throw new ProtoJsonError(fieldPath, `oneof ${f.oneof} already set by ${other}`);
      oneofSet.set(f.oneof, f.name);
    }
    encodeField(w, f, value, fieldPath);
  }
  let keyCount = 0;
  for (const _ in v) keyCount++;
  if (matched !== keyCount) {
    for (const k of Object.keys(v)) {
      if (!codec.byName.has(k))
        throw new ProtoJsonError(path ? `${path}.${k}` : k, `unknown field "${k}" in ${codec.fullName}`);
    }
    throw new ProtoJsonError(path, `a field of ${codec.fullName} is given twice (snake_case and camelCase)`);
  }
  for (const f of codec.required) {
    if ((v[f.name] ?? v[f.jsonName] ?? null) === null)
      throw new ProtoJsonError(path ? `${path}.${f.name}` : f.name, `is required in ${codec.fullName}`);
  }
  for (const o of codec.requiredOneofs) {
    if (!oneofSet?.has(o.name))
      throw new ProtoJsonError(path, `one of ${o.members.join(', ')} is required in ${codec.fullName}`);
  }
}

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
  const w = protobuf.Writer.create();
  encodeInto(w, codecFor(typeName), json, '');
  return w.finish();
}

/**
 * Encodes a resource given as JSON with `@type` as a `google.protobuf.Any` message
 * (`type_url` + encoded `value`): the exact bytes of one entry of `DiscoveryResponse.resources`.
 */
export function encodeAny(json: JsonObject): { typeUrl: string; any: Uint8Array; value: Uint8Array } {
  const url = json['@type'];
  if (typeof url !== 'string') throw new ProtoJsonError('', 'resource is missing "@type"');
  const { '@type': _ignored, ...body } = json;
  const value = encodeMessage(typeNameFromUrl(url), body);
  const w = protobuf.Writer.create();
  w.uint32(10).string(url);
  w.uint32(18).bytes(value);
  return { typeUrl: url, any: w.finish(), value };
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
      return scalarToJson(inner.scalar, m.value ?? (inner.scalar === 'bool' ? false : inner.scalar === 'string' ? '' : 0));
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
    if (f.kind === 'enum' ? v === 0 : INT64_TYPES.has(f.scalar) ? isZeroLong(v) : f.scalar === 'bytes' ? (v as Uint8Array).length === 0 : v === 0 || v === '' || v === false) continue;
    out[f.name] = valueToJson(f, v);
  }
  return out;
}

/**
 * Decodes binary `typeName` into canonical proto3 JSON with snake_case names, the same shape
 * {@link encodeMessage} accepts, so `decodeMessage(t, encodeMessage(t, x))` equals `x` for every
 * `x` written in canonical form.
 */
export function decodeMessage(typeName: string, bytes: Uint8Array): JsonValue {
  const codec = codecFor(typeName);
  return messageToJson(codec, codec.type.decode(bytes) as unknown as Decoded);
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
