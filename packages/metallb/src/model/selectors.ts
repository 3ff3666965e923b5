import type { LabelSelector, LabelSelectorRequirement } from './types.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A problem with one selector: where (relative to the selector) and what was expected. */
export interface SelectorProblem {
  path: (string | number)[];
  message: string;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** A label name segment: ≤ 63 chars, alphanumeric at both ends, `-_.` inside. */
function isQualifiedNamePart(s: string): boolean {
  if (s.length === 0 || s.length > 63) return false;
  if (!isAlnum(s.charCodeAt(0)) || !isAlnum(s.charCodeAt(s.length - 1))) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c) && c !== 45 && c !== 95 && c !== 46) return false;
  }
  return true;
}

/** A DNS-1123 subdomain, used as a label key prefix. */
function isDNSSubdomain(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  for (const label of s.split('.')) {
    if (label.length === 0 || label.length > 63) return false;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      const ok = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c === 45 && i > 0 && i < label.length - 1);
      if (!ok) return false;
    }
  }
  return true;
}

/** Kubernetes label key syntax: `[prefix/]name`. */
export function isValidLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return isQualifiedNamePart(key);
  return isDNSSubdomain(key.slice(0, slash)) && isQualifiedNamePart(key.slice(slash + 1));
}

/** Kubernetes label value syntax: empty, or a qualified name part. */
export function isValidLabelValue(value: string): boolean {
  return value === '' || isQualifiedNamePart(value);
}

/**
 * Checks a selector the way `metav1.LabelSelectorAsSelector` does: valid keys and values, a known
 * operator, values present for `In`/`NotIn` and absent for `Exists`/`DoesNotExist`.
 */
export function checkLabelSelector(selector: LabelSelector): SelectorProblem[] {
  const problems: SelectorProblem[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!isValidLabelKey(key)) {
      problems.push({
        path: ['matchLabels', key],
        message: `invalid label key ${JSON.stringify(key)}: expected [prefix/]name with alphanumerics, '-', '_' or '.'`,
      });
    }
    if (!isValidLabelValue(value)) {
      problems.push({
        path: ['matchLabels', key],
        message: `invalid label value ${JSON.stringify(value)}: expected at most 63 alphanumerics, '-', '_' or '.'`,
      });
    }
  }
  (selector.matchExpressions ?? []).forEach((req, i) => {
    if (!isValidLabelKey(req.key)) {
      problems.push({
        path: ['matchExpressions', i, 'key'],
        message: `invalid label key ${JSON.stringify(req.key)}: expected [prefix/]name with alphanumerics, '-', '_' or '.'`,
      });
    }
    if (!OPERATORS.has(req.operator)) {
      problems.push({
        path: ['matchExpressions', i, 'operator'],
        message: `unknown operator ${JSON.stringify(req.operator)}: expected In, NotIn, Exists or DoesNotExist`,
      });
      return;
    }
    const values = req.values ?? [];
    if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
      problems.push({
        path: ['matchExpressions', i, 'values'],
        message: `operator ${req.operator} expects at least one value`,
      });
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
      problems.push({
        path: ['matchExpressions', i, 'values'],
        message: `operator ${req.operator} expects no values`,
      });
    }
    values.forEach((v, j) => {
      if (!isValidLabelValue(v)) {
        problems.push({
          path: ['matchExpressions', i, 'values', j],
          message: `invalid label value ${JSON.stringify(v)}: expected at most 63 alphanumerics, '-', '_' or '.'`,
        });
      }
    });
  });
  return problems;
}

function requirementMatches(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key] as string);
    case 'NotIn':
      return !has || !values.includes(labels[req.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/**
 * True when `labels` satisfy every `matchLabels` entry and every expression. An empty selector
 * matches everything, as in Kubernetes.
 *
 * @example
 * ```ts
 * selectorMatches({ matchLabels: { tier: 'web' } }, { tier: 'web', app: 'shop' }); // true
 * ```
 */
export function selectorMatches(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const set = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (set[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, set));
}

/** True when any of `selectors` matches. */
export function anySelectorMatches(
  selectors: readonly LabelSelector[],
  labels: Record<string, string> | undefined,
): boolean {
  return selectors.some((s) => selectorMatches(s, labels));
}

/**
 * A canonical string for a selector (keys and values sorted), used to find duplicates the way
 * MetalLB compares `LabelSelector.String()`.
 */
export function selectorKey(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  const exprs = (selector.matchExpressions ?? []).map(
    (e) => `${e.key} ${e.operator} (${[...(e.values ?? [])].sort().join(',')})`,
  );
  return `${labels.join(',')}|${exprs.join(';')}`;
}
