import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Loads Envoy's gRPC service definitions (ext_authz `Authorization`, `RateLimitService`) from the
 * real .proto files shipped in `@grpc/grpc-js-xds/deps`, so the proxy speaks the exact wire format
 * Envoy does. Loading takes tens of milliseconds, so each service is loaded once per process, on
 * first use.
 */

const requireFromHere = createRequire(import.meta.url);

/** The four include roots the Envoy protos import from. */
export function envoyProtoIncludeDirs(): string[] {
  const pkgJson = requireFromHere.resolve('@grpc/grpc-js-xds/package.json');
  const deps = path.join(path.dirname(pkgJson), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d));
}

/** Loader options: snake_case fields, numeric enums, defaults filled, oneof names reported. */
export const ENVOY_PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

const loaded = new Map<string, grpc.GrpcObject>();

/** Loads one Envoy proto file (path relative to `deps/envoy-api`) as a grpc-js package object. */
export function loadEnvoyProto(file: string): grpc.GrpcObject {
  let pkg = loaded.get(file);
  if (!pkg) {
    const definition = protoLoader.loadSync(file, {
      ...ENVOY_PROTO_OPTIONS,
      includeDirs: envoyProtoIncludeDirs(),
    });
    pkg = grpc.loadPackageDefinition(definition);
    loaded.set(file, pkg);
  }
  return pkg;
}

function lookup(root: grpc.GrpcObject, dotted: string): unknown {
  let cur: unknown = root;
  for (const part of dotted.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** `envoy.service.auth.v3.Authorization` client constructor (has `.service` for servers). */
export function authorizationService(): grpc.ServiceClientConstructor {
  const root = loadEnvoyProto('envoy/service/auth/v3/external_auth.proto');
  return lookup(root, 'envoy.service.auth.v3.Authorization') as grpc.ServiceClientConstructor;
}

/** `envoy.service.ratelimit.v3.RateLimitService` client constructor (has `.service` for servers). */
export function rateLimitService(): grpc.ServiceClientConstructor {
  const root = loadEnvoyProto('envoy/service/ratelimit/v3/rls.proto');
  return lookup(root, 'envoy.service.ratelimit.v3.RateLimitService') as grpc.ServiceClientConstructor;
}

/** gRPC status codes used by the filters (google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * A small cache of gRPC clients keyed by target (`host:port`, TLS or not), so every request to
 * the same auth or rate-limit service reuses one HTTP/2 connection.
 */
export class GrpcClientPool {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(
    private readonly ctor: () => grpc.ServiceClientConstructor,
    private readonly maxClients = 64,
  ) {}

  get(host: string, port: number, tls: boolean): grpc.Client {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const key = `${tls ? 'tls' : 'plain'}|${target}`;
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= this.maxClients) {
        // Endpoints churn (EDS); drop the oldest connection rather than grow without bound.
        const [oldestKey, oldest] = this.clients.entries().next().value as [string, grpc.Client];
        oldest.close();
        this.clients.delete(oldestKey);
      }
      const Ctor = this.ctor();
      const creds = tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
      client = new Ctor(target, creds, { 'grpc.keepalive_time_ms': 60_000 });
      this.clients.set(key, client);
    }
    return client;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** Calls a unary method with a deadline; resolves with the response or rejects with the gRPC error. */
export function unaryCall<Req, Res>(
  client: grpc.Client,
  method: string,
  request: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const fn = (client as unknown as Record<string, grpc.requestCallback<Res> | undefined>)[
      method
    ] as unknown as (
      req: Req,
      meta: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Res) => void,
    ) => void;
    fn.call(
      client,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + Math.max(1, timeoutMs) },
      (err, res) => {
        if (err) reject(err);
        else resolve(res as Res);
      },
    );
  });
}
