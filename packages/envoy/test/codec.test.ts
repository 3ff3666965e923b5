import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  duration,
  encodeAny,
  encodeMessage,
  type JsonValue,
  ProtoJsonError,
} from '../src/index.js';
import { checkMessage } from '../src/proto/codec.js';
import { parseDuration } from '../src/proto/json.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const base = {
  name: 'c',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {} } },
  connect_timeout: '1s',
};

describe('proto3 JSON codec over the real Envoy protos', () => {
  it('names the path of a misspelt field', () => {
    const e = checkMessage('envoy.config.route.v3.RouteConfiguration', {
      name: 'r',
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timout: '1s' } }],
        },
      ],
    });
    expect(e).toBeInstanceOf(ProtoJsonError);
    expect(e?.path).toBe('virtual_hosts[0].routes[0].route.timout');
    expect(e?.detail).toBe('unknown field "timout" in envoy.config.route.v3.RouteAction');
  });

  it('refuses deprecated fields and deprecated enum values', () => {
    expect(checkMessage(CLUSTER, { ...base, http2_protocol_options: {} })?.detail).toMatch(/deprecated/);
    expect(
      checkMessage('envoy.config.route.v3.HeaderMatcher', { name: 'x', exact_match: 'y' })?.detail,
    ).toMatch(/deprecated/);
    expect(
      checkMessage('envoy.config.core.v3.ConfigSource', { ads: {}, resource_api_version: 'V2' })?.detail,
    ).toMatch(/deprecated/);
  });

  it('checks protoc-gen-validate rules: required fields and oneofs, lengths, bounds', () => {
    expect(checkMessage(CLUSTER, { ...base, name: undefined } as unknown as JsonValue)?.path).toBe('name');
    expect(checkMessage(CLUSTER, { ...base, connect_timeout: '0s' })?.detail).toBe('must be longer than 0s');
    expect(checkMessage('envoy.config.route.v3.RouteMatch', {})?.detail).toMatch(
      /^one of prefix, path, safe_regex/,
    );
    expect(checkMessage('envoy.config.route.v3.RouteMatch', { prefix: '/', path: '/x' })?.detail).toMatch(
      /oneof path_specifier already set/,
    );
    expect(checkMessage('envoy.config.route.v3.VirtualHost', { name: 'v', domains: [] })?.detail).toBe(
      'must have at least 1 item',
    );
    expect(
      checkMessage('envoy.config.route.v3.HeaderMatcher', { name: 'x\ny', present_match: true })?.detail,
    ).toBe('contains NUL, CR or LF');
    expect(checkMessage('envoy.config.route.v3.DirectResponseAction', { status: 99 })?.detail).toBe(
      'must be >= 200, got 99',
    );
  });

  it('rejects wrongly typed values and unknown enum names', () => {
    expect(checkMessage(CLUSTER, { ...base, type: 'EDZ' })?.detail).toMatch(
      /unknown envoy.config.cluster.v3.Cluster.DiscoveryType value "EDZ"/,
    );
    expect(checkMessage(CLUSTER, { ...base, connect_timeout: 5 })?.detail).toMatch(
      /expected a duration string/,
    );
    expect(checkMessage(CLUSTER, { ...base, per_connection_buffer_limit_bytes: -1 })?.detail).toMatch(
      /unsigned 32-bit/,
    );
    expect(
      checkMessage(CLUSTER, {
        ...base,
        typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/nope.Nope' } },
      })?.detail,
    ).toBe('unknown message type nope.Nope');
  });

  it('round-trips Any, Duration, wrappers, Struct and maps exactly', () => {
    const bootstrap = {
      node: { id: 'n', metadata: { a: 1, b: [true, null, 'x', { c: 2.5 }] } },
      layered_runtime: { layers: [{ name: 'l', static_layer: { 're2.max_program_size.error_level': 200 } }] },
      static_resources: {
        clusters: [
          {
            ...base,
            type: 'STATIC',
            eds_cluster_config: undefined,
            connect_timeout: '0.250s',
            circuit_breakers: { thresholds: [{ max_requests: 0, max_retries: 3 }] },
            typed_extension_protocol_options: {
              z: {
                '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
                explicit_http_config: { http2_protocol_options: {} },
              },
              a: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.000000001s' },
            },
          },
        ],
      },
    };
    const { eds_cluster_config: _drop, ...cluster } = bootstrap.static_resources.clusters[0] as Record<
      string,
      unknown
    >;
    const json = { ...bootstrap, static_resources: { clusters: [cluster] } } as unknown as JsonValue;
    const decoded = decodeMessage(
      'envoy.config.bootstrap.v3.Bootstrap',
      encodeMessage('envoy.config.bootstrap.v3.Bootstrap', json),
    );
    expect(decoded).toEqual(json);
  });

  it('encodes deterministically (maps sorted, field order fixed) and accepts lowerCamel names', () => {
    const a = encodeAny({
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      ...base,
      metadata: { filter_metadata: { b: {}, a: {} } },
    });
    const b = encodeAny({
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      metadata: { filterMetadata: { a: {}, b: {} } },
      connectTimeout: '1s',
      edsClusterConfig: { edsConfig: { ads: {} } },
      type: 'EDS',
      name: 'c',
    });
    expect(Buffer.from(a.any).equals(Buffer.from(b.any))).toBe(true);
  });

  it('leaves proto3 defaults off the wire but keeps a set oneof member (type STATIC)', () => {
    const decoded = decodeMessage(
      CLUSTER,
      encodeMessage(CLUSTER, { name: 'c', type: 'STATIC', connect_timeout: '1s', respect_dns_ttl: false }),
    );
    expect(decoded).toEqual({ name: 'c', type: 'STATIC', connect_timeout: '1s' });
  });

  it('formats and parses durations canonically', () => {
    expect(duration(1500)).toBe('1.500s');
    expect(duration(3_600_000)).toBe('3600s');
    expect(duration(0)).toBe('0s');
    expect(duration(0.001)).toBe('0.000001s');
    expect(parseDuration('-1.5s')).toEqual({ seconds: -1n, nanos: -500_000_000 });
    expect(parseDuration('1.5')).toBeUndefined();
    expect(parseDuration('1.1234567891s')).toBeUndefined();
  });
});
