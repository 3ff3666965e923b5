import { describe, expect, it } from 'vitest';
import type { Gateway, GatewayListener } from '../../src/types.js';
import { validateGateway } from '../../src/validation/gateway.js';
import { lines } from '../support/validation.js';

const gw = (listeners: GatewayListener[], addresses?: Array<{ type?: string; value: string }>): Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'default' },
  spec: { gatewayClassName: 'gateway', listeners, ...(addresses ? { addresses } : {}) },
});
const http: GatewayListener = { name: 'http', port: 80, protocol: 'HTTP' };
const https: GatewayListener = {
  name: 'https',
  port: 443,
  protocol: 'HTTPS',
  hostname: 'example.com',
  tls: { mode: 'Terminate', certificateRefs: [{ name: 'example-tls' }] },
};
const check = (g: Gateway) => lines(validateGateway(g));
const listenersErr = (m: string) => `spec.listeners: Invalid value: "array": ${m}`;

describe('Gateway validation', () => {
  it('accepts HTTP and HTTPS listeners', () => {
    expect(check(gw([http, https], [{ value: '192.0.2.1' }]))).toEqual([]);
  });

  it('requires at least one listener', () => {
    expect(check(gw([]))).toEqual(['spec.listeners: Required value']);
  });

  it('forbids tls on HTTP/TCP/UDP and hostname on TCP/UDP', () => {
    expect(check(gw([{ ...http, tls: { mode: 'Terminate', certificateRefs: [{ name: 'x' }] } }]))).toEqual([
      listenersErr("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"),
    ]);
    expect(check(gw([{ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'a.com' }]))).toEqual([
      listenersErr("hostname must not be specified for protocols ['TCP', 'UDP']"),
    ]);
  });

  it('requires Terminate for HTTPS, a mode for TLS, and certificates for Terminate', () => {
    expect(check(gw([{ ...https, tls: { mode: 'Passthrough' } }]))).toEqual([
      listenersErr('tls mode must be Terminate for protocol HTTPS'),
    ]);
    expect(check(gw([{ name: 'tls', port: 8443, protocol: 'TLS' }]))).toEqual([
      listenersErr('tls mode must be set for protocol TLS'),
    ]);
    expect(check(gw([{ ...https, tls: { mode: 'Terminate' } }]))).toEqual([
      'spec.listeners[0].tls: Invalid value: "object": certificateRefs or options must be specified when mode is Terminate',
    ]);
  });

  it('requires unique names and unique port/protocol/hostname', () => {
    expect(check(gw([http, { ...http, port: 81 }]))).toEqual([
      listenersErr('Listener name must be unique within the Gateway'),
    ]);
    expect(check(gw([http, { ...http, name: 'http2' }]))).toEqual([
      listenersErr('Combination of port, protocol and hostname must be unique for each listener'),
    ]);
    expect(check(gw([http, { ...http, name: 'http2', hostname: 'a.com' }]))).toEqual([]);
  });

  it('checks listener fields', () => {
    expect(check(gw([{ ...http, name: 'HTTP' }]))).toEqual([
      'spec.listeners[0].name: Invalid value: "HTTP": spec.listeners[0].name in body should match \'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
    ]);
    expect(check(gw([{ ...http, port: 0 }]))).toEqual([
      'spec.listeners[0].port: Invalid value: 0: should be between 1 and 65535',
    ]);
    expect(check(gw([{ ...http, protocol: 'example.com/custom' }]))).toEqual([]);
  });

  it('checks addresses', () => {
    expect(check(gw([http], [{ value: '192.0.2.1' }, { type: 'IPAddress', value: '192.0.2.1' }]))).toEqual([
      'spec.addresses: Invalid value: "array": IPAddress values must be unique',
    ]);
    expect(check(gw([http], [{ value: 'lb.example.com' }]))).toEqual([
      'spec.addresses[0]: Invalid value: "object": IPAddress value must be an IP address',
    ]);
    expect(check(gw([http], [{ type: 'Hostname', value: 'lb.example.com' }]))).toEqual([]);
  });
});
