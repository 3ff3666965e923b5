import { describe, expect, it } from 'vitest';
import type { Service } from '../../src/types.js';
import { validateService } from '../../src/validation/service.js';
import { lines } from '../support/validation.js';

const svc = (spec: Service['spec'], meta: Partial<Service['metadata']> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', ...meta },
  spec,
});

describe('Service validation', () => {
  it('accepts ClusterIP, NodePort and LoadBalancer services', () => {
    expect(
      lines(validateService(svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }))),
    ).toEqual([]);
    expect(
      lines(
        validateService(
          svc({ type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] }),
        ),
      ),
    ).toEqual([]);
    expect(
      lines(
        validateService(
          svc(
            { type: 'LoadBalancer', ports: [{ port: 80 }], externalTrafficPolicy: 'Local' },
            {
              annotations: {
                'metallb.io/address-pool': 'public',
                'metallb.io/loadBalancerIPs': '192.0.2.10,2001:db8::10',
              },
            },
          ),
        ),
      ),
    ).toEqual([]);
  });

  it('names are DNS-1035 labels', () => {
    expect(lines(validateService(svc({ ports: [{ port: 80 }] }, { name: '1web' })))[0]).toMatch(
      /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/,
    );
  });

  it('requires ports except for ExternalName and headless services', () => {
    expect(lines(validateService(svc({ ports: [] })))).toEqual(['spec.ports: Required value']);
    expect(lines(validateService(svc({ clusterIP: 'None' })))).toEqual([]);
    expect(lines(validateService(svc({ type: 'ExternalName', externalName: 'db.example.com.' })))).toEqual(
      [],
    );
    expect(lines(validateService(svc({ type: 'ExternalName' })))).toEqual([
      'spec.externalName: Required value',
    ]);
  });

  it('checks the type', () => {
    expect(lines(validateService(svc({ type: 'Foo', ports: [{ port: 80 }] })))).toEqual([
      'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
  });

  it('requires unique DNS-1123 port names when there are several ports', () => {
    expect(lines(validateService(svc({ ports: [{ port: 80 }, { name: 'https', port: 443 }] })))).toEqual([
      'spec.ports[0].name: Required value',
    ]);
    expect(
      lines(
        validateService(
          svc({
            ports: [
              { name: 'http', port: 80 },
              { name: 'http', port: 81 },
            ],
          }),
        ),
      ),
    ).toEqual(['spec.ports[1].name: Duplicate value: "http"']);
    expect(lines(validateService(svc({ ports: [{ name: 'Http', port: 80 }] })))[0]).toMatch(
      /^spec\.ports\[0\]\.name: Invalid value: "Http": a lowercase RFC 1123 label/,
    );
  });

  it('checks port numbers, protocols, target ports and duplicates', () => {
    expect(lines(validateService(svc({ ports: [{ port: 70000 }] })))).toEqual([
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    expect(lines(validateService(svc({ ports: [{ port: 80, protocol: 'HTTP' }] })))).toEqual([
      'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(lines(validateService(svc({ ports: [{ port: 80, targetPort: 'web--port' }] })))).toEqual([
      'spec.ports[0].targetPort: Invalid value: "web--port": must not contain consecutive hyphens',
    ]);
    expect(lines(validateService(svc({ ports: [{ port: 80, targetPort: 0 }] })))).toEqual([]);
    expect(
      lines(
        validateService(
          svc({
            ports: [
              { name: 'a', port: 80 },
              { name: 'b', port: 80 },
            ],
          }),
        ),
      ),
    ).toEqual(['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}']);
    expect(
      lines(
        validateService(
          svc({
            ports: [
              { name: 'a', port: 80 },
              { name: 'b', port: 80, protocol: 'UDP' },
            ],
          }),
        ),
      ),
    ).toEqual([]);
  });

  it('checks node ports', () => {
    expect(lines(validateService(svc({ ports: [{ port: 80, nodePort: 30080 }] })))).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    expect(lines(validateService(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })))).toEqual([
      'spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
    expect(
      lines(
        validateService(
          svc({
            type: 'NodePort',
            ports: [
              { name: 'a', port: 80, nodePort: 30080 },
              { name: 'b', port: 81, nodePort: 30080 },
            ],
          }),
        ),
      ),
    ).toEqual(['spec.ports[1].nodePort: Duplicate value: 30080']);
    expect(
      validateService(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), {
        nodePortRange: { min: 8000, max: 9000 },
      }),
    ).toEqual([]);
  });

  it('keeps LoadBalancer-only fields on LoadBalancer services', () => {
    expect(lines(validateService(svc({ ports: [{ port: 80 }], externalTrafficPolicy: 'Local' })))).toEqual([
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
    expect(
      lines(validateService(svc({ ports: [{ port: 80 }], allocateLoadBalancerNodePorts: false }))),
    ).toEqual([
      "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
    ]);
    expect(
      lines(
        validateService(
          svc({ type: 'LoadBalancer', ports: [{ port: 80 }], loadBalancerSourceRanges: ['10.0.0.0/33'] }),
        ),
      ),
    ).toEqual([
      'spec.loadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ',
    ]);
    expect(
      lines(
        validateService(svc({ type: 'LoadBalancer', ports: [{ port: 80 }], loadBalancerIP: 'lb.example' })),
      ),
    ).toEqual([
      'spec.loadBalancerIP: Invalid value: "lb.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('checks selector labels', () => {
    expect(lines(validateService(svc({ ports: [{ port: 80 }], selector: { app: 'a b' } })))[0]).toMatch(
      /^spec\.selector: Invalid value: "a b": a valid label must be an empty string/,
    );
  });

  it("checks MetalLB's annotations", () => {
    const lb = (annotations: Record<string, string>, extra: Partial<NonNullable<Service['spec']>> = {}) =>
      lines(validateService(svc({ type: 'LoadBalancer', ports: [{ port: 80 }], ...extra }, { annotations })));
    const key = 'metadata.annotations.metallb.io/loadBalancerIPs';
    expect(lb({ 'metallb.io/loadBalancerIPs': 'x' })).toEqual([
      `${key}: Invalid value: "x": must be a valid IP address`,
    ]);
    expect(lb({ 'metallb.io/loadBalancerIPs': '192.0.2.1,192.0.2.2' })).toEqual([
      `${key}: Invalid value: "192.0.2.1,192.0.2.2": two addresses must be of different IP families`,
    ]);
    expect(lb({ 'metallb.io/loadBalancerIPs': '192.0.2.1,2001:db8::1,192.0.2.3' })).toEqual([
      `${key}: Invalid value: "192.0.2.1,2001:db8::1,192.0.2.3": at most two addresses (one per IP family) may be requested`,
    ]);
    expect(lb({ 'metallb.io/loadBalancerIPs': '192.0.2.1' }, { loadBalancerIP: '192.0.2.1' })).toEqual([
      `${key}: Invalid value: "192.0.2.1": cannot be set together with spec.loadBalancerIP`,
    ]);
    expect(
      lines(
        validateService(
          svc({ ports: [{ port: 80 }] }, { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.1' } }),
        ),
      ),
    ).toEqual([`${key}: Invalid value: "192.0.2.1": only applies to Services of type 'LoadBalancer'`]);
    expect(lb({ 'metallb.io/allow-shared-ip': '' })).toEqual([
      'metadata.annotations.metallb.io/allow-shared-ip: Invalid value: "": sharing key must not be empty',
    ]);
    expect(lb({ 'metallb.io/address-pool': 'Public' })[0]).toMatch(
      /^metadata\.annotations\.metallb\.io\/address-pool: Invalid value: "Public": a lowercase RFC 1123 subdomain/,
    );
  });
});
