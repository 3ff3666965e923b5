import type { Diagnostic } from '@gateway/core';
import type { Container, Deployment, Probe } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { validateLabels, validateObjectMeta } from './metadata.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from './names.js';

/**
 * Port of the parts of `ValidateDeployment` / `ValidatePodSpec` that matter for what we emit:
 * selector present, non-empty and matching the template labels; replicas ≥ 0; containers
 * (names, images, ports, probes with one handler and valid ports, resource requests ≤ limits,
 * volume mounts naming volumes); and the kubelet's runAsNonRoot-vs-runAsUser 0 rejection.
 *
 * @example
 * ```ts
 * validateDeployment({ metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } },
 *   template: { metadata: { labels: { app: 'b' } }, spec: { containers: [] } } } });
 * // spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`
 * ```
 */
export function validateDeployment(deploy: Deployment): Diagnostic[] {
  const errs = new FieldErrors(objectRef(deploy, 'Deployment'));
  validateObjectMeta(deploy, errs, { nameRule: isDNS1123Subdomain });
  const spec = deploy.spec;
  if (!spec) {
    errs.required('spec');
    return errs.list;
  }
  if (spec.replicas !== undefined && spec.replicas < 0)
    errs.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0');
  const matchLabels = spec.selector?.matchLabels;
  if (!spec.selector) errs.required('spec.selector', '', 'no-selector');
  else if (Object.keys(matchLabels ?? {}).length === 0) {
    errs.invalid(
      'spec.selector',
      spec.selector,
      'empty selector is invalid for deployment',
      'empty-selector',
    );
  } else {
    validateLabels(matchLabels, 'spec.selector.matchLabels', errs);
    const labels = spec.template?.metadata?.labels ?? {};
    if (!Object.entries(matchLabels ?? {}).every(([k, v]) => labels[k] === v)) {
      errs.invalid(
        'spec.template.metadata.labels',
        labels,
        '`selector` does not match template `labels`',
        'selector-mismatch',
      );
    }
  }
  const pod = spec.template?.spec;
  if (!pod) {
    errs.required('spec.template.spec');
    return errs.list;
  }
  if (pod.serviceAccountName) {
    for (const msg of isDNS1123Subdomain(pod.serviceAccountName))
      errs.invalid('spec.template.spec.serviceAccountName', pod.serviceAccountName, msg);
  }
  const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
  const containers = pod.containers ?? [];
  if (containers.length === 0) errs.required('spec.template.spec.containers', '', 'no-containers');
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const path = `spec.template.spec.containers[${i}]`;
    if (!c.name) errs.required(`${path}.name`);
    else {
      for (const msg of isDNS1123Label(c.name)) errs.invalid(`${path}.name`, c.name, msg);
      if (names.has(c.name)) errs.duplicate(`${path}.name`, c.name);
      names.add(c.name);
    }
    if (!c.image) errs.required(`${path}.image`, '', 'no-image');
    validateContainer(c, path, errs, volumes);
    const podRunAsNonRoot = pod.securityContext?.runAsNonRoot;
    const runAsNonRoot = c.securityContext?.runAsNonRoot ?? podRunAsNonRoot;
    const runAsUser = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    if (runAsNonRoot && runAsUser === 0) {
      errs.invalid(
        `${path}.securityContext.runAsUser`,
        0,
        "container's runAsUser breaks non-root policy",
        'runs-as-root',
      );
    }
  });
  return errs.list;
}

function validateContainer(c: Container, path: string, errs: FieldErrors, volumes: Set<string>): void {
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, j) => {
    const pp = `${path}.ports[${j}]`;
    for (const msg of isValidPortNum(p.containerPort))
      errs.invalid(`${pp}.containerPort`, p.containerPort, msg, 'invalid-port');
    if (p.name) {
      for (const msg of isValidPortName(p.name)) errs.invalid(`${pp}.name`, p.name, msg, 'invalid-port-name');
      if (portNames.has(p.name)) errs.duplicate(`${pp}.name`, p.name);
      portNames.add(p.name);
    }
  });
  for (const [field, probe] of [
    ['readinessProbe', c.readinessProbe],
    ['livenessProbe', c.livenessProbe],
  ] as const) {
    if (probe) validateProbe(probe, `${path}.${field}`, errs, field === 'livenessProbe');
  }
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const [resource, request] of Object.entries(requests)) {
    const limit = limits[resource];
    const r = parseQuantity(request);
    if (r === undefined)
      errs.invalid(
        `${path}.resources.requests[${resource}]`,
        request,
        'must be a valid quantity',
        'invalid-quantity',
      );
    if (limit === undefined) continue;
    const l = parseQuantity(limit);
    if (r !== undefined && l !== undefined && r > l) {
      errs.invalid(
        `${path}.resources.requests`,
        request,
        `must be less than or equal to ${resource} limit of ${limit}`,
        'request-over-limit',
      );
    }
  }
  (c.volumeMounts ?? []).forEach((m, j) => {
    if (!volumes.has(m.name))
      errs.list.push({
        resource: errs.resource,
        path: `${path}.volumeMounts[${j}].name`,
        message: `Not found: "${m.name}"`,
        severity: 'error',
        code: 'volume-not-found',
      });
  });
}

function validateProbe(probe: Probe, path: string, errs: FieldErrors, liveness: boolean): void {
  if (!probe.httpGet) {
    errs.required(path, 'must specify a handler type', 'no-handler');
    return;
  }
  const port = probe.httpGet.port;
  const msgs = typeof port === 'number' ? isValidPortNum(port) : isValidPortName(port);
  for (const msg of msgs) errs.invalid(`${path}.httpGet.port`, port, msg, 'invalid-probe-port');
  if (liveness && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.invalid(
      `${path}.successThreshold`,
      probe.successThreshold,
      'must be 1',
      'liveness-success-threshold',
    );
  }
  for (const f of [
    'initialDelaySeconds',
    'periodSeconds',
    'timeoutSeconds',
    'failureThreshold',
    'successThreshold',
  ] as const) {
    const v = probe[f];
    if (v !== undefined && v < 0) errs.invalid(`${path}.${f}`, v, 'must be greater than or equal to 0');
  }
}

const SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** A Kubernetes resource quantity (`100m`, `64Mi`, `1.5`) as a number; undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) return undefined;
  return Number(m[1]) * SUFFIXES[m[2] ?? '']!;
}
