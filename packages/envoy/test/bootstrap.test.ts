import { describe, expect, it } from 'vitest';
import { bootstrap, type JsonObject, validateBootstrap } from '../src/index.js';
import { cluster, forward, prefix, route, simpleIR } from './fixtures/ir.js';

describe('bootstrap', () => {
  it('points a dynamic bootstrap at the ADS server over an HTTP/2 xds_cluster (Delta on request)', () => {
    const { bootstrap: b, diagnostics } = bootstrap(undefined, {
      ads: '[::1]:18000',
      adsFlavor: 'delta',
      admin: false,
    });
    expect(diagnostics).toEqual([]);
    expect(b.admin).toBeUndefined();
    expect(b.dynamic_resources).toMatchObject({
      ads_config: { api_type: 'DELTA_GRPC', transport_api_version: 'V3' },
    });
    const xds = ((b.static_resources as JsonObject).clusters as JsonObject[])[0] as JsonObject;
    expect(xds).toMatchObject({ name: 'xds_cluster', type: 'STATIC' });
    expect(JSON.stringify(xds)).toContain('"address":"::1"');
  });

  it('reports a malformed --ads address instead of throwing', () => {
    const { diagnostics } = bootstrap(undefined, { ads: 'no-port' });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        path: 'ads',
        severity: 'error',
        message: 'expected host:port, got "no-port"',
      }),
    ]);
  });

  it('renders a static bootstrap that passes validation', () => {
    const ir = simpleIR(
      [route('default/root', prefix('/'), forward('cluster_web'))],
      [cluster('cluster_web')],
    );
    const { bootstrap: b, diagnostics } = bootstrap(ir);
    expect(diagnostics).toEqual([]);
    const statics = b.static_resources as JsonObject;
    expect((statics.clusters as JsonObject[])[0]).toMatchObject({ name: 'cluster_web', type: 'STATIC' });
    expect(JSON.stringify(statics.listeners)).toContain('"route_config"');
    expect(JSON.stringify(statics.listeners)).not.toContain('"rds"');
  });

  describe('validateBootstrap catches what envoy --mode validate would', () => {
    const valid = () =>
      bootstrap(
        simpleIR([route('default/root', prefix('/'), forward('cluster_web'))], [cluster('cluster_web')]),
      ).bootstrap;

    it('a misspelt field, with its path', () => {
      const b = valid();
      (b.node as JsonObject).idd = 'x';
      expect(validateBootstrap(b)).toEqual([
        expect.objectContaining({
          path: 'node.idd',
          message: 'unknown field "idd" in envoy.config.core.v3.Node',
        }),
      ]);
    });

    it('a route to a cluster that does not exist', () => {
      const b = valid();
      (b.static_resources as JsonObject).clusters = [];
      expect(validateBootstrap(b).map((d) => d.message)).toContain('unknown cluster cluster_web');
    });

    it('an ADS config whose cluster is missing, and duplicate names', () => {
      const b = bootstrap(undefined, { ads: '127.0.0.1:1' }).bootstrap;
      const statics = b.static_resources as JsonObject;
      const [xds] = statics.clusters as JsonObject[];
      statics.clusters = [
        { ...xds, name: 'other' },
        { ...xds, name: 'other' },
      ];
      expect(
        validateBootstrap(b)
          .map((d) => d.message)
          .sort(),
      ).toEqual(['duplicate cluster other', 'unknown cluster xds_cluster']);
    });
  });
});
