import type { Ingress, IngressClass } from '../types.js';
import { INGRESS_CLASS_ANNOTATION } from '../validation/ingress.js';

/** IngressClass `spec.controller` value of this gateway. */
export const DEFAULT_CONTROLLER_NAME = 'gateway-sdk.io/ingress-controller';
/** The annotation that marks an IngressClass as the cluster default. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface IngressClassPolicy {
  /** The class name this gateway serves (default `gateway`). */
  ingressClass?: string;
  /** IngressClasses with this `spec.controller` are served too (default {@link DEFAULT_CONTROLLER_NAME}). */
  controllerName?: string;
  /**
   * Ingresses without any class: `default-class` (default) serves them when an IngressClass of
   * ours is marked default, as Kubernetes specifies; `always` / `never` override that.
   */
  unclassed?: 'default-class' | 'always' | 'never';
}

/**
 * Decides whether this gateway serves an Ingress: `spec.ingressClassName` naming our class or an
 * IngressClass whose controller is ours; else the legacy `kubernetes.io/ingress.class`
 * annotation naming our class; else (no class at all) per {@link IngressClassPolicy.unclassed}.
 *
 * @example
 * ```ts
 * ingresses.filter((i) => isIngressServed(i, classes, { ingressClass: 'gateway' }));
 * ```
 */
export function isIngressServed(
  ingress: Ingress,
  classes: Iterable<IngressClass>,
  policy: IngressClassPolicy = {},
): boolean {
  const ours = policy.ingressClass ?? 'gateway';
  const controller = policy.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const className = ingress.spec?.ingressClassName;
  if (className) {
    if (className === ours) return true;
    for (const c of classes) if (c.metadata?.name === className) return c.spec?.controller === controller;
    return false;
  }
  const legacy = ingress.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (legacy !== undefined) return legacy === ours;
  const mode = policy.unclassed ?? 'default-class';
  if (mode !== 'default-class') return mode === 'always';
  for (const c of classes) {
    if (c.spec?.controller === controller && c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
      return true;
  }
  return false;
}

/** The class name to hand core's loader for a served Ingress (so it is not skipped there). */
export function servedClassName(ingress: Ingress, policy: IngressClassPolicy = {}): string {
  return (
    ingress.spec?.ingressClassName ??
    ingress.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] ??
    policy.ingressClass ??
    'gateway'
  );
}
