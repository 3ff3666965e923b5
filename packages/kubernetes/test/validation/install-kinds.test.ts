import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/types.js';
import { validateClusterRole } from '../../src/validation/cluster-role.js';
import { validateClusterRoleBinding } from '../../src/validation/cluster-role-binding.js';
import { parseQuantity, validateDeployment } from '../../src/validation/deployment.js';
import { validateObject } from '../../src/validation/index.js';
import { validateNamespace } from '../../src/validation/namespace.js';
import { validateServiceAccount } from '../../src/validation/service-account.js';
import { lines } from '../support/validation.js';

describe('Namespace and ServiceAccount validation', () => {
  it('namespaces are DNS-1123 labels and cluster-scoped', () => {
    expect(lines(validateNamespace({ metadata: { name: 'gateway-system' } }))).toEqual([]);
    expect(lines(validateNamespace({ metadata: { name: 'gateway.system' } }))[0]).toMatch(
      /^metadata\.name: Invalid value: "gateway\.system": a lowercase RFC 1123 label/,
    );
    expect(lines(validateNamespace({ metadata: { name: 'a', namespace: 'b' } }))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('service accounts are DNS subdomains', () => {
    expect(
      lines(validateServiceAccount({ metadata: { name: 'gateway', namespace: 'gateway-system' } })),
    ).toEqual([]);
    expect(lines(validateServiceAccount({ metadata: { name: '' } }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
  });
});

describe('RBAC validation', () => {
  it('checks rules', () => {
    const role = (rules: object[], kind = 'ClusterRole') =>
      lines(validateClusterRole({ kind: kind as never, metadata: { name: 'r' }, rules: rules as never }));
    expect(role([{ apiGroups: [''], resources: ['services'], verbs: ['list'] }])).toEqual([]);
    expect(role([{ apiGroups: [''], resources: ['services'], verbs: [] }])).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
    ]);
    expect(role([{ resources: ['services'], verbs: ['get'] }])).toEqual([
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    ]);
    expect(role([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], 'Role')).toEqual([
      'rules[0].nonResourceURLs: Invalid value: ["/metrics"]: namespaced rules cannot apply to non-resource URLs',
    ]);
    expect(lines(validateClusterRole({ kind: 'ClusterRole', metadata: { name: 'a/b' }, rules: [] }))).toEqual(
      ['metadata.name: Invalid value: "a/b": may not contain \'/\''],
    );
  });

  it('checks bindings', () => {
    const binding = (b: object) =>
      lines(
        validateClusterRoleBinding({ kind: 'ClusterRoleBinding', metadata: { name: 'b' }, ...b } as never),
      );
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' };
    expect(
      binding({
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'gateway-system' }],
      }),
    ).toEqual([]);
    expect(binding({ roleRef: { ...roleRef, kind: 'Role' } })).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    ]);
    expect(binding({ roleRef: { ...roleRef, apiGroup: 'rbac' } })).toEqual([
      'roleRef.apiGroup: Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io"',
    ]);
    expect(binding({ roleRef, subjects: [{ kind: 'ServiceAccount', name: 'gateway' }] })).toEqual([
      'subjects[0].namespace: Required value',
    ]);
  });
});

describe('Deployment validation', () => {
  const deploy = (patch: (d: Deployment) => void = () => {}): Deployment => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gateway', namespace: 'gateway-system' },
      spec: {
        selector: { matchLabels: { app: 'gateway' } },
        template: {
          metadata: { labels: { app: 'gateway' } },
          spec: {
            containers: [
              {
                name: 'gateway',
                image: 'gateway:1',
                ports: [{ name: 'admin', containerPort: 8877 }],
                readinessProbe: { httpGet: { path: '/ready', port: 'admin' } },
                resources: {
                  requests: { cpu: '100m', memory: '64Mi' },
                  limits: { cpu: '1', memory: '256Mi' },
                },
                securityContext: { runAsNonRoot: true, runAsUser: 65532 },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    };
    patch(d);
    return d;
  };
  const c0 = 'spec.template.spec.containers[0]';

  it('accepts a well-formed deployment', () => {
    expect(lines(validateDeployment(deploy()))).toEqual([]);
  });

  it('requires the selector to match the template labels', () => {
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.metadata!.labels = { app: 'other' };
          }),
        ),
      ),
    ).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    ]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.selector = {};
          }),
        ),
      ),
    ).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
  });

  it('checks containers, probes, resources and mounts', () => {
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.containers[0]!.image = '';
          }),
        ),
      ),
    ).toEqual([`${c0}.image: Required value`]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.containers[0]!.readinessProbe = {};
          }),
        ),
      ),
    ).toEqual([`${c0}.readinessProbe: Required value: must specify a handler type`]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.containers[0]!.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
          }),
        ),
      ),
    ).toEqual([`${c0}.resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.volumes = [];
          }),
        ),
      ),
    ).toEqual([`${c0}.volumeMounts[0].name: Not found: "tmp"`]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.containers[0]!.securityContext!.runAsUser = 0;
          }),
        ),
      ),
    ).toEqual([
      `${c0}.securityContext.runAsUser: Invalid value: 0: container's runAsUser breaks non-root policy`,
    ]);
    expect(
      lines(
        validateDeployment(
          deploy((d) => {
            d.spec!.template.spec.containers[0]!.livenessProbe = {
              httpGet: { port: 8877 },
              successThreshold: 2,
            };
          }),
        ),
      ),
    ).toEqual([`${c0}.livenessProbe.successThreshold: Invalid value: 2: must be 1`]);
    expect(parseQuantity('64Mi')).toBe(64 * 1024 * 1024);
    expect(parseQuantity('100m')).toBeCloseTo(0.1);
  });
});

describe('validateObject dispatch', () => {
  it('reports kinds without rules as a notice', () => {
    const diags = validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    expect(diags).toEqual([
      {
        resource: { kind: 'ConfigMap', namespace: '', name: 'c' },
        path: '',
        message: 'no validation rules for v1 ConfigMap',
        severity: 'notice',
        code: 'no-validator',
      },
    ]);
  });
});
