import { isPlainObject, type SchemaIssue } from '../model/schema.js';

/**
 * Accepts Istio's nested AuthorizationPolicy rule form and flattens it into our flat rules:
 * `{from: [{source}], to: [{operation}], when: [{key, values}]}` becomes one flat rule per
 * (source, operation) pair (Istio ORs the entries of `from` and of `to`, and ANDs from/to/when).
 * `when` supports `request.headers[<name>]` keys; `source.ipBlocks` maps to `sourceIPs`.
 */
export function flattenIstioRules(rules: unknown, issues: SchemaIssue[]): unknown {
  if (!Array.isArray(rules)) return rules;
  const out: unknown[] = [];
  rules.forEach((rule, i) => {
    if (
      !isPlainObject(rule) ||
      (rule.from === undefined && rule.to === undefined && rule.when === undefined)
    ) {
      out.push(rule);
      return;
    }
    const { from, to, when, ...flat } = rule;
    const sources = Array.isArray(from) && from.length > 0 ? from : [{}];
    const operations = Array.isArray(to) && to.length > 0 ? to : [{}];
    const headers: Record<string, string[]> = {};
    if (Array.isArray(when)) {
      when.forEach((w, j) => {
        const m =
          isPlainObject(w) && typeof w.key === 'string' ? /^request\.headers\[(.+)\]$/.exec(w.key) : null;
        if (m && Array.isArray(w.values)) headers[m[1]!.toLowerCase()] = w.values.map(String);
        else
          issues.push({
            path: `spec.rules[${i}].when[${j}]`,
            message: 'only request.headers[<name>] conditions are supported; this rule is ignored',
            severity: 'error',
            code: 'unsupported-condition',
          });
      });
    }
    for (const f of sources) {
      const source = isPlainObject(f) && isPlainObject(f.source) ? f.source : {};
      for (const t of operations) {
        const op = isPlainObject(t) && isPlainObject(t.operation) ? t.operation : {};
        const r: Record<string, unknown> = { ...flat };
        const copy = (from: Record<string, unknown>, key: string, as = key) => {
          if (from[key] !== undefined) r[as] = from[key];
        };
        copy(source, 'principals');
        copy(source, 'notPrincipals');
        copy(source, 'namespaces');
        copy(source, 'ipBlocks', 'sourceIPs');
        copy(source, 'notIpBlocks', 'notSourceIPs');
        copy(source, 'remoteIpBlocks', 'sourceIPs');
        copy(op, 'hosts');
        copy(op, 'methods');
        copy(op, 'notMethods');
        copy(op, 'paths');
        copy(op, 'notPaths');
        if (Object.keys(headers).length > 0) r.headers = { ...headers };
        out.push(r);
      }
    }
  });
  return out;
}
