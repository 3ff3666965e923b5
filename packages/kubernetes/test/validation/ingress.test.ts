import { describe, expect, it } from 'vitest';
import type { Ingress } from '../../src/types.js';
import { validateIngress } from '../../src/validation/ingress.js';
import { lines } from '../support/validation.js';

const base = (spec: Ingress['spec'], meta: Partial<Ingress['metadata']> = {}): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default', ...meta },
  spec,
});
const backend = { service: { name: 'web', port: { number: 80 } } };
const rule = (path: string, pathType: string, host?: string) => ({
  ...(host !== undefined ? { host } : {}),
  http: { paths: [{ path, pathType, backend }] },
});

describe('Ingress validation (API-server rules)', () => {
  it('accepts a typical Ingress', () => {
    const ing = base({
      ingressClassName: 'gateway',
      tls: [{ hosts: ['example.com', '*.example.com'], secretName: 'example-tls' }],
      rules: [
        rule('/', 'Prefix', 'example.com'),
        rule('/api', 'Exact', '*.example.com'),
        rule('', 'ImplementationSpecific'),
      ],
    });
    expect(lines(validateIngress(ing))).toEqual([]);
  });

  it('requires rules or a default backend', () => {
    expect(lines(validateIngress(base({})))).toEqual([
      'spec: Invalid value: null: either `defaultBackend` or `rules` must be specified',
    ]);
    expect(lines(validateIngress(base({ defaultBackend: backend })))).toEqual([]);
  });

  it('checks the object name is a DNS subdomain', () => {
    expect(lines(validateIngress(base({ defaultBackend: backend }, { name: 'Web' })))[0]).toMatch(
      /^metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/,
    );
  });

  it('rejects IP hosts and malformed wildcards', () => {
    expect(lines(validateIngress(base({ rules: [rule('/', 'Prefix', '10.0.0.1')] })))).toEqual([
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/', 'Prefix', '*.*.example.com')] })))[0]).toMatch(
      /^spec\.rules\[0\]\.host: Invalid value: "\*\.\*\.example\.com": a wildcard DNS-1123 subdomain must start with/,
    );
    expect(lines(validateIngress(base({ rules: [rule('/', 'Prefix', 'example.com:8080')] })))[0]).toMatch(
      /^spec\.rules\[0\]\.host: Invalid value: "example\.com:8080": a lowercase RFC 1123 subdomain/,
    );
  });

  it('requires paths and a pathType', () => {
    expect(lines(validateIngress(base({ rules: [{ host: 'a.com', http: { paths: [] } }] })))).toEqual([
      'spec.rules[0].http.paths: Required value',
    ]);
    const noType = base({ rules: [{ http: { paths: [{ path: '/', backend }] } }] });
    expect(lines(validateIngress(noType))).toEqual([
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/', 'Regex')] })))).toEqual([
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ]);
  });

  it('checks Exact/Prefix paths', () => {
    const p = 'spec.rules[0].http.paths[0].path';
    expect(lines(validateIngress(base({ rules: [rule('foo', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "foo": must be an absolute path`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a//b', 'Exact')] })))).toEqual([
      `${p}: Invalid value: "/a//b": must not contain '//'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a/./b', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "/a/./b": must not contain '/./'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a/../b', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "/a/../b": must not contain '/../'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a%2fb', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "/a%2fb": must not contain '%2f'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a%2Fb', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "/a%2Fb": must not contain '%2F'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a/..', 'Prefix')] })))).toEqual([
      `${p}: Invalid value: "/a/..": cannot end with '/..'`,
    ]);
    expect(lines(validateIngress(base({ rules: [rule('/a/.', 'Exact')] })))).toEqual([
      `${p}: Invalid value: "/a/.": cannot end with '/.'`,
    ]);
  });

  it('lets ImplementationSpecific paths be empty but not relative', () => {
    expect(lines(validateIngress(base({ rules: [rule('', 'ImplementationSpecific')] })))).toEqual([]);
    expect(lines(validateIngress(base({ rules: [rule('/a//b', 'ImplementationSpecific')] })))).toEqual([]);
    expect(lines(validateIngress(base({ rules: [rule('a', 'ImplementationSpecific')] })))).toEqual([
      'spec.rules[0].http.paths[0].path: Invalid value: "a": must be an absolute path',
    ]);
  });

  it('checks backends', () => {
    const withBackend = (b: object) => base({ defaultBackend: b as never });
    expect(lines(validateIngress(withBackend({})))).toEqual([
      'spec.defaultBackend: Invalid value: "": resource or service backend is required',
    ]);
    expect(
      lines(validateIngress(withBackend({ ...backend, resource: { kind: 'Bucket', name: 'b' } }))),
    ).toEqual(['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']);
    expect(
      lines(validateIngress(withBackend({ service: { name: '1web', port: { number: 80 } } })))[0],
    ).toMatch(/^spec\.defaultBackend\.service\.name: Invalid value: "1web": a DNS-1035 label/);
    expect(
      lines(validateIngress(withBackend({ service: { name: 'web', port: { number: 70000 } } }))),
    ).toEqual([
      'spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    expect(lines(validateIngress(withBackend({ service: { name: 'web', port: { name: 'HTTP' } } })))).toEqual(
      [
        'spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.defaultBackend.service.port.name: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    );
    expect(
      lines(validateIngress(withBackend({ service: { name: 'web', port: { name: 'http', number: 80 } } }))),
    ).toEqual(['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']);
    expect(lines(validateIngress(withBackend({ service: { name: 'web', port: {} } })))).toEqual([
      'spec.defaultBackend: Required value: port name or number is required',
    ]);
    expect(lines(validateIngress(withBackend({ service: { name: 'web', port: { name: 'http' } } })))).toEqual(
      [],
    );
    expect(
      lines(
        validateIngress(
          withBackend({ resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b' } }),
        ),
      ),
    ).toEqual([]);
    expect(lines(validateIngress(withBackend({ resource: { kind: 'Bucket', name: 'a/b' } })))).toEqual([
      'spec.defaultBackend.resource.name: Invalid value: "a/b": may not contain \'/\'',
    ]);
  });

  it('checks TLS hosts and secret names; an empty secretName is allowed', () => {
    expect(lines(validateIngress(base({ defaultBackend: backend, tls: [{ hosts: ['a.com'] }] })))).toEqual(
      [],
    );
    const bad = lines(
      validateIngress(base({ defaultBackend: backend, tls: [{ hosts: ['*'], secretName: 'Bad_Name' }] })),
    );
    expect(bad[0]).toMatch(/^spec\.tls\[0\]\.hosts\[0\]: Invalid value: "\*": a wildcard DNS-1123 subdomain/);
    expect(bad[1]).toMatch(
      /^spec\.tls\[0\]\.secretName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it('checks the class name and that the legacy annotation agrees with it', () => {
    expect(lines(validateIngress(base({ defaultBackend: backend, ingressClassName: 'Gateway' })))[0]).toMatch(
      /^spec\.ingressClassName: Invalid value: "Gateway": a lowercase RFC 1123 subdomain/,
    );
    const ing = base(
      { defaultBackend: backend, ingressClassName: 'gateway' },
      { annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
    );
    expect(lines(validateIngress(ing))).toEqual([
      'metadata.annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified',
    ]);
    ing.metadata.annotations = { 'kubernetes.io/ingress.class': 'gateway' };
    expect(lines(validateIngress(ing))).toEqual([]);
  });
});
