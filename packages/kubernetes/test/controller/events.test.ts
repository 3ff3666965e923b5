import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventProblem, EventRecorder } from '../../src/controller/events.js';
import { type FakeApiServer, startFakeApiServer } from '../../src/testing/fake-api-server.js';
import type { CoreEvent } from '../../src/types.js';

const problem: EventProblem = {
  target: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'quote', uid: 'u-1' },
  reason: 'InvalidConfig',
  message: 'Mapping default/quote: spec.weight: expected an integer from 0 to 100, got 250',
  type: 'Warning',
};

describe('EventRecorder', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await startFakeApiServer();
  });
  afterAll(() => api.close());

  const events = () => api.list('v1', 'Event', 'default') as CoreEvent[];

  it('reports a lasting problem once, and counts it again when it comes back', async () => {
    const recorder = new EventRecorder(api.kubeConfig(), {
      component: 'gateway-controller',
      instance: 'one',
    });
    expect(await recorder.sync([problem])).toBe(1);
    expect(await recorder.sync([problem])).toBe(0);
    expect(events()).toHaveLength(1);
    expect(events()[0]).toMatchObject({
      involvedObject: { kind: 'Service', name: 'quote', namespace: 'default', uid: 'u-1' },
      reason: 'InvalidConfig',
      type: 'Warning',
      count: 1,
      source: { component: 'gateway-controller', host: 'one' },
      reportingComponent: 'gateway-controller',
    });
    expect(await recorder.sync([])).toBe(0);
    expect(await recorder.sync([problem])).toBe(1);
    expect(events()).toHaveLength(1);
    expect(events()[0]!.count).toBe(2);
  });

  it('a new leader reporting the same problem bumps the existing Event instead of adding one', async () => {
    const other = new EventRecorder(api.kubeConfig(), { component: 'gateway-controller', instance: 'two' });
    expect(await other.sync([problem])).toBe(1);
    expect(events()).toHaveLength(1);
    expect(events()[0]!.count).toBe(3);
  });
});
