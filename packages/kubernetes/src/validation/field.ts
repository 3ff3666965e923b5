import type { Diagnostic } from '@gateway/core';
import type { KubeObject, ObjectRef } from '../types.js';

/**
 * Field-error constructors that print like the API server's `field.ErrorList`
 * (`k8s.io/apimachinery/pkg/util/validation/field`). The path goes into `Diagnostic.path`, the
 * rest (`Invalid value: "x": detail`) into `message`, so `formatDiagnostic` prints the same line
 * `kubectl apply` would.
 */
export class FieldErrors {
  readonly list: Diagnostic[] = [];
  constructor(readonly resource: ObjectRef) {}

  private push(path: string, message: string, code: string): void {
    this.list.push({ resource: this.resource, path, message, severity: 'error', code });
  }

  /** `Invalid value: "<value>": <detail>`. */
  invalid(path: string, value: unknown, detail: string, code = 'invalid'): void {
    this.push(path, `Invalid value: ${printValue(value)}: ${detail}`, code);
  }

  /** `Required value` or `Required value: <detail>`. */
  required(path: string, detail = '', code = 'required'): void {
    this.push(path, detail ? `Required value: ${detail}` : 'Required value', code);
  }

  /** `Unsupported value: "x": supported values: "a", "b"`. */
  notSupported(path: string, value: unknown, supported: readonly string[], code = 'not-supported'): void {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    this.push(path, `Unsupported value: ${printValue(value)}: supported values: ${list}`, code);
  }

  /** `Forbidden: <detail>`. */
  forbidden(path: string, detail: string, code = 'forbidden'): void {
    this.push(path, `Forbidden: ${detail}`, code);
  }

  /** `Duplicate value: "x"`. */
  duplicate(path: string, value: unknown, code = 'duplicate'): void {
    this.push(path, `Duplicate value: ${printValue(value)}`, code);
  }

  /** `Too long: may not be more than N bytes` (strings) / `Too many: n: must have at most N items` (lists). */
  tooLong(path: string, max: number, code = 'too-long'): void {
    this.push(path, `Too long: may not be more than ${max} bytes`, code);
  }

  tooMany(path: string, actual: number, max: number, code = 'too-many'): void {
    this.push(path, `Too many: ${actual}: must have at most ${max} items`, code);
  }

  /** A CEL `x-kubernetes-validations` failure: `Invalid value: "object": <message>`. */
  cel(path: string, kind: 'object' | 'array' | 'string', message: string, code = 'cel'): void {
    this.push(path, `Invalid value: "${kind}": ${message}`, code);
  }
}

function printValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

/** `{kind, namespace, name}` of an object; cluster-scoped objects get namespace ''. */
export function objectRef(obj: KubeObject, fallbackKind = 'Object'): ObjectRef {
  return {
    kind: obj.kind ?? fallbackKind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? obj.metadata?.generateName ?? '',
  };
}
