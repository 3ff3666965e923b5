import type { UpstreamFailure } from '../upstream/types.js';

/**
 * gRPC-style errors for calls the gateway itself fails: HTTP 200 with `content-type:
 * application/grpc` and `grpc-status` / `grpc-message` in a trailers-only response, so gRPC
 * clients see a status code instead of a transport error.
 */
export const GrpcStatus = {
  OK: 0,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** True for `application/grpc`, `application/grpc+proto`, ... (not grpc-web). */
export function isGrpcContentType(contentType: string | string[] | undefined): boolean {
  const v = Array.isArray(contentType) ? contentType[0] : contentType;
  return v?.startsWith('application/grpc') === true && !v.startsWith('application/grpc-web');
}

export function grpcStatusForFailure(failure: UpstreamFailure): number {
  return failure.reason === 'timeout' ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE;
}

/** The gRPC spec's HTTP-to-gRPC status mapping, for gateway answers like 404 or 403. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 413:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 429:
    case 502:
    case 503:
      return GrpcStatus.UNAVAILABLE;
    case 504:
      return GrpcStatus.DEADLINE_EXCEEDED;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** Headers of a trailers-only gRPC error response. */
export function grpcErrorHeaders(code: number, message: string): Record<string, string> {
  return {
    'content-type': 'application/grpc',
    'grpc-status': String(code),
    // grpc-message is percent-encoded per the gRPC HTTP/2 spec.
    'grpc-message': encodeURIComponent(message),
  };
}

/** Parses a `grpc-timeout` header (`<digits><unit>`, unit H M S m u n) into milliseconds. */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.length < 2 || v.length > 9) return undefined;
  const amount = Number(v.slice(0, -1));
  if (!Number.isInteger(amount) || amount < 0) return undefined;
  switch (v[v.length - 1]) {
    case 'H':
      return amount * 3_600_000;
    case 'M':
      return amount * 60_000;
    case 'S':
      return amount * 1000;
    case 'm':
      return amount;
    case 'u':
      return Math.max(1, Math.ceil(amount / 1000));
    case 'n':
      return Math.max(1, Math.ceil(amount / 1_000_000));
    default:
      return undefined;
  }
}
