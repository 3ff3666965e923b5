import { describe, expect, it } from 'vitest';
import type { GRPCRoute, GRPCRouteRule } from '../../src/types.js';
import { validateGRPCRoute } from '../../src/validation/grpc-route.js';
import { lines } from '../support/validation.js';

const check = (rules: GRPCRouteRule[]) =>
  lines(
    validateGRPCRoute({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'g' },
      spec: { parentRefs: [{ name: 'gw' }], rules },
    } satisfies GRPCRoute),
  );
const backend = { name: 'grpc', port: 50051 };

describe('GRPCRoute validation', () => {
  it('accepts service and method matches', () => {
    expect(
      check([
        {
          matches: [{ method: { service: 'helloworld.Greeter', method: 'SayHello' } }],
          backendRefs: [backend],
        },
        {
          matches: [
            {
              method: { type: 'RegularExpression', service: 'foo\\..*' },
              headers: [{ name: 'x-v', value: '2' }],
            },
          ],
          backendRefs: [backend],
        },
      ]),
    ).toEqual([]);
  });

  it('requires service or method', () => {
    expect(check([{ matches: [{ method: { type: 'Exact' } }], backendRefs: [backend] }])).toEqual([
      "spec.rules[0].matches[0].method: Invalid value: \"object\": One or both of 'service' or 'method' must be specified",
    ]);
  });

  it('checks Exact service and method names', () => {
    expect(check([{ matches: [{ method: { service: 'foo-bar' } }], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].matches[0].method: Invalid value: "object": service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
    ]);
    expect(
      check([{ matches: [{ method: { service: 'a.B', method: 'Say.Hello' } }], backendRefs: [backend] }]),
    ).toEqual([
      'spec.rules[0].matches[0].method: Invalid value: "object": method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
    ]);
  });

  it('allows each header modifier once and only gRPC filter types', () => {
    const mod = { type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x'] } };
    expect(check([{ filters: [mod, mod], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].filters: Invalid value: "array": RequestHeaderModifier filter cannot be repeated',
    ]);
    expect(check([{ filters: [{ type: 'URLRewrite', urlRewrite: {} }], backendRefs: [backend] }])).toEqual([
      'spec.rules[0].filters[0].type: Unsupported value: "URLRewrite": supported values: "RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"',
    ]);
  });

  it('requires ports on Service backends', () => {
    expect(check([{ backendRefs: [{ name: 'grpc' }] }])).toEqual([
      'spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference',
    ]);
  });
});
