import { describe, expect, it } from 'vitest';
import type { IngressClass } from '../../src/types.js';
import { validateIngressClass } from '../../src/validation/ingress-class.js';
import { lines } from '../support/validation.js';

const cls = (spec: IngressClass['spec'], meta: Partial<IngressClass['metadata']> = {}): IngressClass => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'gateway', ...meta },
  spec,
});

describe('IngressClass validation', () => {
  it('accepts a domain-prefixed controller', () => {
    expect(lines(validateIngressClass(cls({ controller: 'gateway-sdk.io/ingress-controller' })))).toEqual([]);
  });

  it('requires the controller and a domain-prefixed path', () => {
    expect(lines(validateIngressClass(cls({})))).toEqual(['spec.controller: Required value']);
    expect(lines(validateIngressClass(cls({ controller: 'gateway' })))).toEqual([
      'spec.controller: Invalid value: "gateway": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    expect(lines(validateIngressClass(cls({ controller: 'Acme.io/x' })))[0]).toMatch(
      /^spec\.controller: Invalid value: "Acme\.io": a lowercase RFC 1123 subdomain/,
    );
    expect(lines(validateIngressClass(cls({ controller: 'acme.io/a b' })))).toEqual([
      "spec.controller: Invalid value: \"a b\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
    ]);
  });

  it('limits the controller to 250 characters', () => {
    expect(lines(validateIngressClass(cls({ controller: `acme.io/${'x'.repeat(250)}` })))).toEqual([
      'spec.controller: Too long: may not be more than 250 bytes',
    ]);
  });

  it('is cluster-scoped', () => {
    expect(lines(validateIngressClass(cls({ controller: 'acme.io/c' }, { namespace: 'default' })))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('checks parameters scope', () => {
    const params = (p: object) => cls({ controller: 'acme.io/c', parameters: p as never });
    expect(lines(validateIngressClass(params({ kind: 'Config', name: 'c', scope: 'Namespace' })))).toEqual([
      'spec.parameters.namespace: Required value: `parameters.scope` is set to "Namespace"',
    ]);
    expect(lines(validateIngressClass(params({ kind: 'Config', name: 'c', namespace: 'x' })))).toEqual([
      'spec.parameters.namespace: Forbidden: `parameters.scope` is set to "Cluster"',
    ]);
    expect(lines(validateIngressClass(params({ kind: 'Config', name: 'c' })))).toEqual([]);
  });
});
