import { BlockList, isIP } from 'node:net';
import type { GatewayIR, IRRoute } from '@gateway/core';
import type { FilterRequest } from './types.js';

/** Small helpers shared by the auth and rate-limit filters. */

/** One header's value, multiple values joined with `,` (how Envoy presents them to matchers). */
export function headerValue(headers: FilterRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** Every route of every listener, for factories that decide whether a config uses them. */
export function* allRoutes(ir: GatewayIR): Generator<IRRoute> {
  for (const l of ir.listeners) for (const vh of l.virtualHosts) yield* vh.routes;
}

/** `::ffff:10.1.2.3` -> `10.1.2.3`, so IPv4 CIDRs match clients seen on dual-stack sockets. */
export function normaliseIp(address: string): string {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const lower = a.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return a;
}

/** Parses `10.0.0.0/8`, `::1/128` or a bare address into a BlockList; undefined when invalid. */
export function parseCidrs(cidrs: readonly string[]): { list: BlockList; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  for (const raw of cidrs) {
    const parsed = parseCidr(raw);
    if (!parsed) {
      invalid.push(raw);
      continue;
    }
    list.addSubnet(parsed.address, parsed.prefixLength, parsed.family === 4 ? 'ipv4' : 'ipv6');
  }
  return { list, invalid };
}

/** `10.1.0.0/16` -> parts, bare address -> full-length prefix; undefined when malformed. */
export function parseCidr(raw: string): { address: string; prefixLength: number; family: 4 | 6 } | undefined {
  const slash = raw.indexOf('/');
  const address = normaliseIp(slash === -1 ? raw.trim() : raw.slice(0, slash).trim());
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  let prefixLength = max;
  if (slash !== -1) {
    const p = raw.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefixLength = Number(p);
    if (prefixLength > max) return undefined;
  }
  return { address, prefixLength, family };
}

/** True when `address` (any form) is inside the list. */
export function ipInList(list: BlockList, address: string): boolean {
  const ip = normaliseIp(address);
  const family = isIP(ip);
  if (family === 0) return false;
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** Hop-by-hop headers never copied between the auth service response and the client. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/** True when the request is gRPC (content-type application/grpc*). */
export function isGrpcRequest(headers: FilterRequest['headers']): boolean {
  const ct = headerValue(headers, 'content-type');
  return ct?.toLowerCase().startsWith('application/grpc') === true;
}

/** Reads a body stream into a buffer, failing once it grows past `maxBytes`. */
export async function readBounded(
  body: AsyncIterable<Buffer | Uint8Array | string>,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += b.length;
    if (size > maxBytes) throw new Error(`body larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Logs at most once per interval per key, so an outage of a dependency (auth service, Redis,
 * JWKS endpoint) produces a steady trickle of log lines instead of one per request.
 */
export class LogThrottle {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs = 10_000) {}
  shouldLog(key: string, now = Date.now()): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.intervalMs) return false;
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}

/** Envoy's HTTP status -> gRPC status mapping for local replies to gRPC requests. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

/**
 * A local reply. For gRPC requests it becomes a trailers-only gRPC response (HTTP 200 with
 * `grpc-status`/`grpc-message`), the way Envoy answers gRPC clients, so a gRPC client sees
 * e.g. UNAUTHENTICATED instead of a protocol error; `grpcStatus` overrides the mapped status.
 */
export function localReply(
  request: Pick<FilterRequest, 'headers'>,
  status: number,
  body: string | Buffer,
  headers: Record<string, string>,
  reason: string,
  grpcStatus?: number,
): {
  kind: 'respond';
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  reason: string;
} {
  if (isGrpcRequest(request.headers)) {
    const message = typeof body === 'string' ? body : body.toString('utf8');
    return {
      kind: 'respond',
      status: 200,
      headers: {
        ...headers,
        'content-type': 'application/grpc',
        'grpc-status': String(grpcStatus ?? httpToGrpcStatus(status)),
        'grpc-message': encodeURIComponent(message),
      },
      body: '',
      reason,
    };
  }
  return { kind: 'respond', status, headers, body, reason };
}

/** Gives a factory a readable `name` (the pipeline names failing factories in diagnostics). */
export function named<T extends (...args: never[]) => unknown>(name: string, fn: T): T {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}
