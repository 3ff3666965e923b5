import { stableStringify } from '@gateway/core';
import { describe, expect, it } from 'vitest';
import { checkResources, translate } from '../src/index.js';
import { GOLDEN_INPUTS } from './fixtures/golden-inputs.js';
import { cluster, forward, prefix, route, simpleIR } from './fixtures/ir.js';

describe('translate', () => {
  it('is deterministic: the same IR gives byte-identical resources', () => {
    for (const build of Object.values(GOLDEN_INPUTS)) {
      const ir = build();
      expect(stableStringify(translate(ir))).toBe(stableStringify(translate(structuredClone(ir))));
    }
  });

  it('produces only resources that encode with the real protos, for every golden input', () => {
    for (const [name, build] of Object.entries(GOLDEN_INPUTS)) {
      expect({ name, problems: checkResources(translate(build()).resources) }).toEqual({
        name,
        problems: [],
      });
    }
  });

  it('leaves gRPC client resources out when asked, and in static mode', () => {
    const ir = simpleIR(
      [route('default/root', prefix('/'), forward('cluster_web'))],
      [cluster('cluster_web')],
    );
    for (const vh of ir.listeners[0]?.virtualHosts ?? []) vh.domains = ['svc.example'];
    expect(translate(ir).resources.listeners.map((l) => l.name)).toEqual(['listener-8080', 'svc.example']);
    expect(translate(ir, { grpcClients: false }).resources.listeners.map((l) => l.name)).toEqual([
      'listener-8080',
    ]);
    const statics = translate(ir, { mode: 'static' }).resources;
    expect(statics.listeners.map((l) => l.name)).toEqual(['listener-8080']);
    expect(statics.routes).toEqual([]);
    expect(statics.endpoints).toEqual([]);
  });

  it('never emits a weighted cluster total_weight or a deprecated CORS/route field', () => {
    const text = JSON.stringify(Object.values(GOLDEN_INPUTS).map((b) => translate(b()).resources));
    for (const deprecated of [
      'total_weight',
      '"cors":',
      'exact_match',
      'max_grpc_timeout',
      'include_vh_rate_limits',
      '"append":',
    ])
      expect(text).not.toContain(deprecated);
  });
});
