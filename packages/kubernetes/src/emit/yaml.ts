import { stringify } from 'yaml';
import type { KubeObject } from '../types.js';

/**
 * Multi-document YAML (`---` between objects), keys in the order the emitters build them.
 *
 * @example
 * ```ts
 * process.stdout.write(toYamlDocuments(emitIngress(ir).objects));
 * ```
 */
export function toYamlDocuments(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
