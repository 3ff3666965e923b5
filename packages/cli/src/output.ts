import { stableStringify } from '@gateway/core';
import { parseAllDocuments, stringify } from 'yaml';
import { UsageError } from './io.js';

/** What `-o/--output` accepts on every command that prints data. */
export type OutputFormat = 'json' | 'yaml';

/** The `-o, --output` option for `parseArgs`. */
export const OUTPUT_OPTION = { output: { type: 'string', short: 'o' } } as const;

/**
 * Checks an `-o` value; absent means `fallback`. A wrong value is a usage error (exit 2).
 *
 * @example
 * ```ts
 * const format = outputFormat(values.output, 'yaml'); // 'json' | 'yaml'
 * ```
 */
export function outputFormat(value: string | undefined, fallback: OutputFormat): OutputFormat {
  const format = value ?? fallback;
  if (format !== 'json' && format !== 'yaml')
    throw new UsageError(`-o must be json or yaml, got "${format}"`);
  return format;
}

/**
 * Kubernetes objects as kubectl prints them: multi-document YAML, or one `v1 List` in JSON.
 *
 * @example
 * ```ts
 * io.stdout(formatObjects(objects, 'json')); // {"apiVersion":"v1","kind":"List","items":[…]}
 * ```
 */
export function formatObjects(objects: readonly unknown[], format: OutputFormat, yamlText?: string): string {
  if (format === 'yaml')
    return (
      yamlText ??
      objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('')
    );
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
}

/** The objects of a multi-document YAML stream (empty documents and comments dropped). */
export function yamlObjects(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((o) => o !== null && o !== undefined);
}

/**
 * Any data (plans, reports) as JSON (deterministic key order) or YAML.
 *
 * @example
 * ```ts
 * io.stdout(formatData({ assignments: [] }, 'yaml')); // "assignments: []\n"
 * ```
 */
export function formatData(value: unknown, format: OutputFormat): string {
  if (format === 'json') return `${stableStringify(value, 2)}\n`;
  return stringify(JSON.parse(stableStringify(value)), { lineWidth: 0, aliasDuplicateObjects: false });
}
