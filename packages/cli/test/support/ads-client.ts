import { envoyProtoRoot } from '@gateway/envoy';
import * as grpc from '@grpc/grpc-js';

/** The fields of a `DiscoveryResponse` the tests read (proto field names). */
export interface RawDiscoveryResponse {
  version_info: string;
  nonce: string;
  type_url: string;
}

/**
 * A bare SotW ADS stream speaking `DiscoveryRequest`/`DiscoveryResponse` through the real Envoy
 * protos, to play a client that ACKs or NACKs exactly as a test says.
 *
 * @example
 * ```ts
 * const ads = rawAdsClient(port);
 * ads.send({ node: { id: 'n1' }, type_url: TYPE_URLS.listener });
 * // … ads.responses[0].nonce …
 * ads.close();
 * ```
 */
export function rawAdsClient(port: number) {
  const Req = envoyProtoRoot().lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const Res = envoyProtoRoot().lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const raw = (b: Buffer) => b;
  const Client = grpc.makeGenericClientConstructor(
    {
      StreamAggregatedResources: {
        path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
        requestStream: true,
        responseStream: true,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    'Ads',
  );
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stream = (
    client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<Buffer, Buffer> }
  ).StreamAggregatedResources();
  const responses: RawDiscoveryResponse[] = [];
  stream.on('data', (b: Buffer) => responses.push(Res.decode(b) as unknown as RawDiscoveryResponse));
  stream.on('error', () => {});
  return {
    responses,
    send: (body: Record<string, unknown>) =>
      stream.write(Buffer.from(Req.encode(Req.fromObject(body)).finish())),
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}
