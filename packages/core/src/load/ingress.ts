import type { DocContext } from './context.js';
import { pushDiag } from './context.js';

/** Placeholder replaced below by the full Ingress loader. */
export function loadIngress(obj: Record<string, unknown>, ctx: DocContext): void {
  pushDiag(ctx, { kind: 'Ingress', namespace: ctx.defaultNamespace, name: String((obj.metadata as { name?: string })?.name) }, '', 'Ingress not supported yet', 'warning', 'unsupported-kind');
}
