import type { Diagnostic } from '@gateway/core';
import type { Gateway } from '../types.js';
import { FieldErrors, objectRef } from './field.js';
import { HOSTNAME_PATTERN, isGatewayHostname, lengthErrors, patternError } from './gateway-common.js';
import { validateObjectMeta } from './metadata.js';
import { isDNS1123Subdomain, isIP, matchesDns1123Subdomain } from './names.js';

const SECTION_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const PROTOCOL_PATTERN =
  '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$';

function isValidProtocol(p: string): boolean {
  if (/^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(p)) return true;
  const slash = p.indexOf('/');
  return slash > 0 && matchesDns1123Subdomain(p.slice(0, slash)) && /^[A-Za-z0-9]+$/.test(p.slice(slash + 1));
}

/**
 * Port of the Gateway CRD's schema bounds and CEL rules: gatewayClassName, listeners (1–64,
 * unique names, unique port/protocol/hostname, no `tls` for HTTP/TCP/UDP, HTTPS only with
 * Terminate, TLS needs a mode, Terminate needs certificateRefs or options, no hostname for
 * TCP/UDP), and addresses (unique values, IPAddress values are IPs, Hostname values are hostnames).
 *
 * @example
 * ```ts
 * validateGateway({ metadata: { name: 'g' }, spec: { gatewayClassName: 'c', listeners: [
 *   { name: 'a', port: 80, protocol: 'HTTP', tls: { mode: 'Terminate' } }] } });
 * // spec.listeners: Invalid value: "array": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']
 * ```
 */
export function validateGateway(gw: Gateway): Diagnostic[] {
  const errs = new FieldErrors(objectRef(gw, 'Gateway'));
  validateObjectMeta(gw, errs, { nameRule: isDNS1123Subdomain });
  const spec = gw.spec ?? { gatewayClassName: '', listeners: [] };
  lengthErrors(errs, 'spec.gatewayClassName', spec.gatewayClassName ?? '', 1, 253);
  const listeners = spec.listeners ?? [];
  if (listeners.length < 1) errs.required('spec.listeners', '', 'no-listeners');
  if (listeners.length > 64) errs.tooMany('spec.listeners', listeners.length, 64);
  listeners.forEach((l, i) => {
    const path = `spec.listeners[${i}]`;
    if (lengthErrors(errs, `${path}.name`, l.name ?? '', 1, 253) && !matchesDns1123Subdomain(l.name)) {
      patternError(errs, `${path}.name`, l.name, SECTION_NAME_PATTERN, 'invalid-listener-name');
    }
    if (
      l.hostname !== undefined &&
      lengthErrors(errs, `${path}.hostname`, l.hostname, 1, 253) &&
      !isGatewayHostname(l.hostname)
    ) {
      patternError(errs, `${path}.hostname`, l.hostname, HOSTNAME_PATTERN, 'invalid-hostname');
    }
    if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) {
      errs.invalid(`${path}.port`, l.port, 'should be between 1 and 65535', 'invalid-port');
    }
    if (lengthErrors(errs, `${path}.protocol`, l.protocol ?? '', 1, 255) && !isValidProtocol(l.protocol)) {
      patternError(errs, `${path}.protocol`, l.protocol, PROTOCOL_PATTERN, 'invalid-protocol');
    }
    if (l.tls) {
      const mode = l.tls.mode ?? 'Terminate';
      if (mode !== 'Terminate' && mode !== 'Passthrough')
        errs.notSupported(`${path}.tls.mode`, mode, ['Terminate', 'Passthrough']);
      const refs = l.tls.certificateRefs ?? [];
      if (refs.length > 64) errs.tooMany(`${path}.tls.certificateRefs`, refs.length, 64);
      if (mode === 'Terminate' && refs.length === 0 && Object.keys(l.tls.options ?? {}).length === 0) {
        errs.cel(
          `${path}.tls`,
          'object',
          'certificateRefs or options must be specified when mode is Terminate',
          'tls-no-certificates',
        );
      }
      refs.forEach((ref, k) => {
        lengthErrors(errs, `${path}.tls.certificateRefs[${k}].name`, ref.name ?? '', 1, 253);
      });
    }
  });
  const celOnListeners = (message: string, code: string) =>
    errs.cel('spec.listeners', 'array', message, code);
  if (listeners.some((l) => ['HTTP', 'TCP', 'UDP'].includes(l.protocol) && l.tls !== undefined)) {
    celOnListeners("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']", 'tls-not-allowed');
  }
  if (
    listeners.some(
      (l) => l.protocol === 'HTTPS' && l.tls !== undefined && (l.tls.mode ?? 'Terminate') !== 'Terminate',
    )
  ) {
    celOnListeners('tls mode must be Terminate for protocol HTTPS', 'https-needs-terminate');
  }
  if (listeners.some((l) => l.protocol === 'TLS' && !l.tls?.mode)) {
    celOnListeners('tls mode must be set for protocol TLS', 'tls-needs-mode');
  }
  if (listeners.some((l) => ['TCP', 'UDP'].includes(l.protocol) && l.hostname)) {
    celOnListeners("hostname must not be specified for protocols ['TCP', 'UDP']", 'hostname-not-allowed');
  }
  const names = listeners.map((l) => l.name);
  if (new Set(names).size !== names.length)
    celOnListeners('Listener name must be unique within the Gateway', 'duplicate-listener-name');
  const combos = listeners.map((l) => `${l.port}|${l.protocol}|${l.hostname ?? ''}`);
  if (new Set(combos).size !== combos.length) {
    celOnListeners(
      'Combination of port, protocol and hostname must be unique for each listener',
      'duplicate-listener',
    );
  }

  const addresses = spec.addresses ?? [];
  if (addresses.length > 16) errs.tooMany('spec.addresses', addresses.length, 16);
  const byType = new Map<string, string[]>();
  addresses.forEach((a, i) => {
    const type = a.type ?? 'IPAddress';
    byType.set(type, [...(byType.get(type) ?? []), a.value]);
    const path = `spec.addresses[${i}]`;
    lengthErrors(errs, `${path}.value`, a.value ?? '', 1, 253);
    if (type === 'IPAddress' && !isIP(a.value))
      errs.cel(path, 'object', 'IPAddress value must be an IP address', 'invalid-address');
    if (type === 'Hostname' && !isGatewayHostname(a.value)) {
      errs.cel(
        path,
        'object',
        `Hostname value must only contain valid characters (matching ${HOSTNAME_PATTERN})`,
        'invalid-address',
      );
    }
  });
  for (const [type, values] of byType) {
    if ((type === 'IPAddress' || type === 'Hostname') && new Set(values).size !== values.length) {
      errs.cel('spec.addresses', 'array', `${type} values must be unique`, 'duplicate-address');
    }
  }
  return errs.list;
}
