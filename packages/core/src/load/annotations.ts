import { parseAllDocuments } from 'yaml';
import { describeValue, isPlainObject } from '../model/schema.js';
import { type DocContext, pushDiag } from './context.js';
import { loadObject, type ParentInfo } from './objects.js';

/** The annotation Ambassador reads flat resources from. */
export const CONFIG_ANNOTATION = 'getambassador.io/config';

/**
 * Loads the `getambassador.io/config` annotation of a Service (or Ingress): a YAML stream of flat
 * documents whose namespace and labels default to the carrier's. Positions inside the annotation
 * are not tracked; diagnostics point at the carrier's document.
 */
export function loadConfigAnnotation(obj: Record<string, unknown>, ctx: DocContext): void {
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  const text = annotations[CONFIG_ANNOTATION];
  const carrierName = typeof meta.name === 'string' ? meta.name : `document-${ctx.index}`;
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : ctx.defaultNamespace;
  const kind = typeof obj.kind === 'string' ? obj.kind : 'Service';
  const ref = { kind, namespace, name: carrierName };
  if (text === undefined) {
    if (kind === 'Service')
      pushDiag(
        ctx,
        ref,
        '',
        `Service has no ${CONFIG_ANNOTATION} annotation; ignored`,
        'notice',
        'ignored-kind',
      );
    return;
  }
  const path = `metadata.annotations["${CONFIG_ANNOTATION}"]`;
  if (typeof text !== 'string') {
    pushDiag(ctx, ref, path, `expected a YAML string, got ${describeValue(text)}`, 'error', 'invalid-type');
    return;
  }
  const labels: Record<string, string> = {};
  if (isPlainObject(meta.labels))
    for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
  const parent: ParentInfo = { namespace, labels, describe: `${kind} ${namespace}/${carrierName}` };
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  // The loader reuses one context for every document: keep this document's locator, not `ctx`.
  const carrierLocate = ctx.locate;
  const inner: DocContext = { ...ctx, locate: () => carrierLocate?.(path) };
  let i = 0;
  for (const doc of list) {
    i++;
    if (doc.errors.length > 0) {
      pushDiag(
        ctx,
        ref,
        path,
        `annotation document ${i} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
        'error',
        'yaml-syntax',
      );
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      pushDiag(ctx, ref, path, `annotation document ${i}: ${(err as Error).message}`, 'error', 'yaml-syntax');
      continue;
    }
    loadObject(value, { ...inner, index: i }, parent);
  }
}
