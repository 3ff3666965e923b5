import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/controller/controller.js';
import { LeaderElector } from '../../src/controller/leader-election.js';
import { startFakeApiServer } from '../../src/testing/fake-api-server.js';
import type { Lease, Service } from '../../src/types.js';
import { annotatedService, ingress } from '../support/objects.js';
import { eventually, RecordingSink } from '../support/sink.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const gatewayService = (ip: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'gateway', namespace: 'gateway-system' },
  spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] },
  status: { loadBalancer: { ingress: [{ ip }] } },
});

const election = {
  namespace: 'gateway-system',
  leaseDurationMs: 1000,
  renewDeadlineMs: 800,
  retryPeriodMs: 100,
};

describe('leader election (coordination.k8s.io/v1 Lease)', () => {
  it('elects one leader; a released lease is taken over at once', async () => {
    const api = await startFakeApiServer();
    cleanups.push(() => api.close());
    const kc = api.kubeConfig();
    const state = { a: false, b: false };
    const a = new LeaderElector(
      kc,
      { ...election, identity: 'a' },
      { onStartedLeading: () => (state.a = true), onStoppedLeading: () => (state.a = false) },
    );
    const b = new LeaderElector(
      kc,
      { ...election, identity: 'b' },
      { onStartedLeading: () => (state.b = true), onStoppedLeading: () => (state.b = false) },
    );
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    a.start();
    await eventually(() => (state.a ? true : undefined), 2000, 'a leads');
    b.start();
    // b keeps trying for a while and must not win while a renews.
    await new Promise((r) => setTimeout(r, 400));
    expect(state).toEqual({ a: true, b: false });
    const lease = api.get('coordination.k8s.io/v1', 'Lease', 'gateway-system', 'gateway-controller') as Lease;
    expect(lease.spec?.holderIdentity).toBe('a');
    expect(lease.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await a.stop();
    expect(state.a).toBe(false);
    expect(
      (api.get('coordination.k8s.io/v1', 'Lease', 'gateway-system', 'gateway-controller') as Lease).spec
        ?.holderIdentity,
    ).toBe('');
    await eventually(() => (state.b ? true : undefined), 1000, 'b takes over the released lease');
    const after = api.get('coordination.k8s.io/v1', 'Lease', 'gateway-system', 'gateway-controller') as Lease;
    expect(after.spec?.holderIdentity).toBe('b');
    expect(after.spec?.leaseTransitions).toBe(1);
  });

  it('takes over an expired lease whose holder stopped renewing', async () => {
    const api = await startFakeApiServer({
      objects: [
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'gateway-controller', namespace: 'gateway-system' },
          spec: {
            holderIdentity: 'crashed',
            leaseDurationSeconds: 1,
            renewTime: '2020-01-01T00:00:00.000000Z',
            leaseTransitions: 3,
          },
        },
      ],
    });
    cleanups.push(() => api.close());
    let leading = false;
    const e = new LeaderElector(
      api.kubeConfig(),
      { ...election, identity: 'new' },
      { onStartedLeading: () => (leading = true), onStoppedLeading: () => (leading = false) },
    );
    cleanups.push(() => e.stop());
    e.start();
    // Expiry is judged on this replica's clock from when it first saw the record (no clock-skew trust).
    await eventually(() => (leading ? true : undefined), 3000, 'takeover after expiry');
    const lease = api.get('coordination.k8s.io/v1', 'Lease', 'gateway-system', 'gateway-controller') as Lease;
    expect(lease.spec).toMatchObject({ holderIdentity: 'new', leaseTransitions: 4 });
  });

  it('two controllers: both feed their sinks, only the leader writes status; failover after release', async () => {
    const api = await startFakeApiServer({
      objects: [
        gatewayService('192.0.2.10'),
        ingress('web', '/web', 'web'),
        ingress('other', '/other', 'other', { className: 'nginx' }),
        annotatedService('q', '/q/'),
      ],
    });
    cleanups.push(() => api.close());
    const make = (identity: string) => {
      const sink = new RecordingSink();
      const controller = createController({
        kubeConfig: api.kubeConfig(),
        sink,
        debounceMs: 10,
        publishService: { namespace: 'gateway-system', name: 'gateway' },
        leaderElection: { ...election, identity },
      });
      cleanups.push(() => controller.close());
      return { sink, controller };
    };
    const one = make('one');
    const two = make('two');
    await Promise.all([one.controller.start(), two.controller.start()]);
    expect(one.sink.last?.version).toBe(two.sink.last?.version);
    await eventually(
      () => (one.controller.isLeader !== two.controller.isLeader ? true : undefined),
      3000,
      'exactly one leader',
    );
    const [leader, standby] = one.controller.isLeader ? [one, two] : [two, one];

    const status = () =>
      (
        api.get('networking.k8s.io/v1', 'Ingress', 'default', 'web') as {
          status?: { loadBalancer?: { ingress?: unknown[] } };
        }
      ).status;
    await eventually(
      () => (status()?.loadBalancer?.ingress?.length ? true : undefined),
      2000,
      'Ingress status written',
    );
    expect(status()).toEqual({ loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } });
    expect(
      (api.get('networking.k8s.io/v1', 'Ingress', 'default', 'other') as { status?: unknown }).status,
    ).toBeUndefined();
    await leader.controller.flush();
    await standby.controller.flush();
    expect(standby.controller.stats.statusPatches).toBe(0);
    expect(api.requestsMatching('PATCH', '/ingresses/web/status')).toHaveLength(1);

    await leader.controller.close();
    await eventually(() => (standby.controller.isLeader ? true : undefined), 2000, 'standby becomes leader');
    // The new leader keeps status current.
    api.apply(gatewayService('192.0.2.20'));
    await eventually(
      () => (JSON.stringify(status()).includes('192.0.2.20') ? true : undefined),
      2000,
      'new address written by the new leader',
    );
    expect(standby.controller.stats.statusPatches).toBe(1);
  });
});
