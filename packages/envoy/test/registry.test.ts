import { describe, expect, it } from 'vitest';
import {
  any,
  checkResources,
  corsFeature,
  type HttpFeature,
  type JsonObject,
  orderHttpFeatures,
  routerFeature,
  translate,
} from '../src/index.js';
import { cluster, forward, prefix, route, simpleIR } from './fixtures/ir.js';

/** A stand-in ext_authz feature, to exercise the registry hooks another feature file will use. */
const fakeExtAuthz: HttpFeature = {
  name: 'envoy.filters.http.ext_authz',
  httpFilter: () =>
    any('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', {
      grpc_service: { envoy_grpc: { cluster_name: 'cluster_auth' } },
      transport_api_version: 'V3',
    }),
  perRoute: (r) =>
    r.auth.bypassExtAuthz
      ? { disabled: true }
      : Object.keys(r.auth.contextExtensions).length > 0
        ? {
            config: any('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', {
              check_settings: { context_extensions: r.auth.contextExtensions },
            }),
          }
        : undefined,
  perVirtualHost: () => ({
    config: any('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', { check_settings: {} }),
  }),
};

const auth = (bypass: boolean, ext: Record<string, string> = {}) => ({
  bypassExtAuthz: bypass,
  contextExtensions: ext,
  jwtProviders: [],
  jwtOptional: false,
});

function irWithAuth() {
  const ir = simpleIR(
    [
      route('default/public', prefix('/public/'), forward('cluster_web'), {
        auth: auth(true),
        cors: {
          allowOrigins: [{ exact: '*' }],
          allowMethods: [],
          allowHeaders: [],
          exposeHeaders: [],
          allowCredentials: false,
        },
      }),
      route('default/tenant', prefix('/t/'), forward('cluster_web'), { auth: auth(false, { tenant: 'a' }) }),
      route('default/root', prefix('/'), forward('cluster_web')),
    ],
    [cluster('cluster_web'), cluster('cluster_auth', { protocol: 'http2' })],
  );
  for (const l of ir.listeners) for (const vh of l.virtualHosts) vh.domains = ['svc.example'];
  return ir;
}

const filtersOf = (listener: JsonObject): JsonObject[] => {
  const hcm = listener.api_listener
    ? ((listener.api_listener as JsonObject).api_listener as JsonObject)
    : ((((listener.filter_chains as JsonObject[])[0] as JsonObject).filters as JsonObject[])[0]
        ?.typed_config as JsonObject);
  return hcm.http_filters as JsonObject[];
};

describe('HTTP filter registry', () => {
  it('orders filters by HTTP_FILTER_ORDER whatever the array order, router last', () => {
    const ordered = orderHttpFeatures([routerFeature, fakeExtAuthz, corsFeature]);
    expect(ordered.map((f) => f.name)).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.ext_authz',
      'envoy.filters.http.router',
    ]);
  });

  it('refuses unknown, duplicate or router-less registries', () => {
    expect(() =>
      orderHttpFeatures([routerFeature, { ...fakeExtAuthz, name: 'envoy.filters.http.lua' as never }]),
    ).toThrow(/not in HTTP_FILTER_ORDER/);
    expect(() => orderHttpFeatures([routerFeature, routerFeature])).toThrow(/registered twice/);
    expect(() => orderHttpFeatures([corsFeature])).toThrow(/router/);
  });

  it('emits only used filters, per-route overrides and FilterConfig{disabled} for Envoy', () => {
    const { resources } = translate(irWithAuth(), {
      httpFeatures: [fakeExtAuthz, corsFeature, routerFeature],
    });
    expect(checkResources(resources)).toEqual([]);
    const envoyListener = resources.listeners.find((l) => l.name === 'listener-8080') as JsonObject;
    expect(filtersOf(envoyListener).map((f) => [f.name, f.is_optional])).toEqual([
      ['envoy.filters.http.cors', undefined],
      ['envoy.filters.http.ext_authz', undefined],
      ['envoy.filters.http.router', undefined],
    ]);
    const rc = resources.routes.find((r) => r.name === 'listener-8080') as JsonObject;
    const vh = (rc.virtual_hosts as JsonObject[])[0] as JsonObject;
    expect(vh.typed_per_filter_config).toEqual({
      'envoy.filters.http.ext_authz': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
        check_settings: {},
      },
    });
    const [pub, tenant, root] = vh.routes as JsonObject[];
    expect(pub?.typed_per_filter_config).toEqual({
      'envoy.filters.http.cors': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
        allow_origin_string_match: [{ exact: '*' }],
      },
      'envoy.filters.http.ext_authz': {
        '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
        disabled: true,
      },
    });
    expect(tenant?.typed_per_filter_config).toEqual({
      'envoy.filters.http.ext_authz': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
        check_settings: { context_extensions: { tenant: 'a' } },
      },
    });
    expect(root?.typed_per_filter_config).toBeUndefined();
  });

  it('marks filters gRPC clients do not implement as optional and wraps their per-route configs', () => {
    const { resources } = translate(irWithAuth(), {
      httpFeatures: [fakeExtAuthz, corsFeature, routerFeature],
    });
    const api = resources.listeners.find((l) => l.name === 'svc.example') as JsonObject;
    expect(filtersOf(api).map((f) => [f.name, f.is_optional])).toEqual([
      ['envoy.filters.http.ext_authz', true],
      ['envoy.filters.http.router', undefined],
    ]);
    const rc = resources.routes.find((r) => r.name === 'grpc/svc.example') as JsonObject;
    const routes = ((rc.virtual_hosts as JsonObject[])[0] as JsonObject).routes as JsonObject[];
    expect(routes[1]?.typed_per_filter_config).toEqual({
      'envoy.filters.http.ext_authz': {
        '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig',
        is_optional: true,
        config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
          check_settings: { context_extensions: { tenant: 'a' } },
        },
      },
    });
  });
});
