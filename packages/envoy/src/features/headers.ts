/**
 * IR header operations → `request_headers_to_add`/`_remove`, `response_headers_to_add`/`_remove`
 * with `append_action` (the deprecated `append` BoolValue is never written).
 *
 * @module
 */
import type { IRHeaderOps } from '@gateway/core';
import type { JsonObject } from '../proto/json.js';

/** IRHeaderValue list → `HeaderValueOption` list. APPEND_IF_EXISTS_OR_ADD is the enum default. */
export function headerValueOptions(ops: IRHeaderOps): JsonObject[] {
  return ops.add.map((h) => {
    const option: JsonObject = { header: { key: h.name, value: h.value } };
    if (!h.append) option.append_action = 'OVERWRITE_IF_EXISTS_OR_ADD';
    return option;
  });
}

/** Writes `<direction>_headers_to_add` / `<direction>_headers_to_remove` onto `target`. */
export function applyHeaderOps(
  target: JsonObject,
  direction: 'request' | 'response',
  ops: IRHeaderOps | undefined,
): void {
  if (!ops) return;
  if (ops.add.length > 0) target[`${direction}_headers_to_add`] = headerValueOptions(ops);
  if (ops.remove.length > 0) target[`${direction}_headers_to_remove`] = [...ops.remove];
}
