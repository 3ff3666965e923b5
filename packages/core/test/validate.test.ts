import { describe, expect, it } from 'vitest';
import { loadYaml, mapping, module, validateResources } from '../src/index.js';

const errorsOf = (text: string) =>
  validateResources(loadYaml(text).resources)
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.path}: ${d.message}`);

const m = (spec: string) =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m}\nspec:\n${spec}`;

describe('validateResources', () => {
  it('says what was expected and what it got', () => {
    expect(errorsOf(m('  prefix: /a/\n  service: a\n  weight: 120\n'))).toEqual([
      'spec.weight: expected an integer from 0 to 100, got 120',
    ]);
    expect(errorsOf(m('  prefix: /a/\n'))).toEqual([
      'spec.service: required field is missing (expected a non-empty string)',
    ]);
  });

  it('validates regexes with RE2 syntax and the Module program-size cap', () => {
    const big = '  prefix: "/(abc|def){1,30}/"\n  prefix_regex: true\n  service: a\n';
    expect(errorsOf(m(big))).toEqual([expect.stringMatching(/program size \d+, over the limit of 200/)]);
    const withModule = `${m(big)}---\napiVersion: getambassador.io/v3alpha1\nkind: Module\nmetadata: {name: ambassador}\nspec: {config: {regex_max_size: 5000}}\n`;
    expect(errorsOf(withModule)).toEqual([]);
    expect(errorsOf(m('  prefix: "/(?P<x>a)\\\\1"\n  prefix_regex: true\n  service: a\n'))[0]).toContain(
      'expected an RE2 regular expression',
    );
  });

  it('rejects unsupported fields with guidance', () => {
    const errs = errorsOf(
      m(
        '  prefix: /a/\n  service: a\n  envoy_override: {x: 1}\n  modules: []\n  load_balancer: {policy: least_request}\n',
      ),
    );
    expect(errs).toEqual([
      expect.stringContaining(
        'spec.load_balancer.policy: load_balancer policy least_request is not allowed with the kubernetes-service resolver',
      ),
      expect.stringContaining('spec.envoy_override: raw Envoy configuration is not supported'),
      expect.stringContaining('spec.modules: per-Mapping modules are not supported'),
    ]);
  });

  it('resolves duplicates independently of order: identical copies collapse, different ones are all rejected', () => {
    const a = mapping('dup').prefix('/a/').service('a').build();
    const b = mapping('dup').prefix('/b/').service('b').build();
    const same = validateResources([
      a,
      structuredClone(a),
      module({ regexMaxSize: 'x' as unknown as number }),
    ]);
    expect(same.map((d) => [d.resource.name, d.severity, d.code])).toEqual([
      ['dup', 'notice', 'duplicate-resource'],
      ['ambassador', 'error', 'invalid-type'],
    ]);
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const diags = validateResources(order);
      expect(diags.map((d) => [d.resource.name, d.severity])).toEqual([
        ['dup', 'error'],
        ['dup', 'error'],
      ]);
      expect(diags[0]!.message).toContain('defined 2 times with different content');
    }
  });

  it('never throws on malformed resource objects', () => {
    expect(() =>
      validateResources([
        null,
        {},
        { kind: 'Mapping' },
        { kind: 'Mapping', metadata: { name: 'x', namespace: 'y' }, spec: 5 },
      ] as never),
    ).not.toThrow();
  });
});
