import { KubeConfig } from '@kubernetes/client-node';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IngressStatusWriter, ingressAddresses } from '../../src/controller/status.js';
import { ingress } from '../support/objects.js';

const SERVER = 'http://127.0.0.1:6443';

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: SERVER, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('Ingress status writer (client-node + nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('merge-patches the status subresource with the gateway address', async () => {
    let seen: { contentType?: string; body?: unknown } = {};
    const scope = nock(SERVER)
      .patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status')
      .reply(function (_uri, body) {
        seen = {
          contentType: this.req.headers['content-type'] as string,
          body: typeof body === 'string' ? JSON.parse(body) : body,
        };
        return [
          200,
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { name: 'web', namespace: 'default' },
          },
        ];
      });
    const writer = new IngressStatusWriter(kubeConfig());
    const patched = await writer.sync(
      [ingress('web', '/web', 'web')],
      [{ ip: '192.0.2.10', ipMode: 'VIP' }, { hostname: 'lb.example.com' }],
    );
    expect(patched).toBe(1);
    expect(scope.isDone()).toBe(true);
    expect(seen.contentType).toBe('application/merge-patch+json');
    expect(seen.body).toEqual({
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example.com' }] } },
    });
  });

  it('writes nothing when the status already matches', async () => {
    const current = {
      ...ingress('web', '/web', 'web'),
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    };
    const writer = new IngressStatusWriter(kubeConfig());
    expect(await writer.sync([current], [{ ip: '192.0.2.10' }])).toBe(0);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reports API errors instead of throwing', async () => {
    nock(SERVER)
      .patch('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web/status')
      .reply(403, { kind: 'Status', code: 403, message: 'forbidden' });
    const errors: string[] = [];
    const writer = new IngressStatusWriter(kubeConfig(), (m) => errors.push(m));
    expect(await writer.sync([ingress('web', '/web', 'web')], [{ ip: '192.0.2.10' }])).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^updating status of Ingress default\/web: /);
  });

  it('normalises addresses (no ipMode, sorted)', () => {
    expect(ingressAddresses([{ hostname: 'b.example' }, { ip: '10.0.0.2', ipMode: 'Proxy' }, {}])).toEqual([
      { ip: '10.0.0.2' },
      { hostname: 'b.example' },
    ]);
  });
});
