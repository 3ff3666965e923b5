import type { IRSettings } from '@gateway/core';

/**
 * X-Forwarded-For / X-Forwarded-Proto handling with Envoy's trust model:
 *
 * - `useRemoteAddress: true`: the socket peer is appended to X-Forwarded-For. With
 *   `xffNumTrustedHops` N = 0 the client is the peer; with N > 0 the client is the N-th address
 *   from the right of the incoming X-Forwarded-For.
 * - `useRemoteAddress: false`: X-Forwarded-For is forwarded as received and the client is the
 *   (N+1)-th address from the right.
 * - X-Forwarded-Proto from the client is kept only when something in front is trusted
 *   (N > 0 or `useRemoteAddress: false`); otherwise it is overwritten with the connection's scheme.
 */
export interface ForwardedInfo {
  /** The client address after trust rules. */
  client: string;
  /** Value to send upstream in X-Forwarded-For. */
  xff: string;
  /** Value to send upstream in X-Forwarded-Proto. */
  proto: string;
}

export type ForwardPolicy = Pick<IRSettings, 'useRemoteAddress' | 'xffNumTrustedHops'>;

export function computeForwarded(
  peer: string,
  scheme: 'http' | 'https',
  incomingXff: string | string[] | undefined,
  incomingProto: string | string[] | undefined,
  policy: ForwardPolicy,
): ForwardedInfo {
  const hops = policy.xffNumTrustedHops;
  const xffText =
    incomingXff === undefined ? '' : Array.isArray(incomingXff) ? incomingXff.join(',') : incomingXff;
  let client = peer;
  if (xffText !== '' && (hops > 0 || !policy.useRemoteAddress)) {
    const list = xffText.split(',');
    const fromRight = policy.useRemoteAddress ? hops : hops + 1;
    const entry = list[list.length - fromRight];
    if (entry !== undefined && fromRight > 0) client = entry.trim();
  }
  const xff = policy.useRemoteAddress
    ? xffText === ''
      ? peer
      : `${xffText}, ${peer}`
    : xffText === ''
      ? peer
      : xffText;
  const trustedFront = hops > 0 || !policy.useRemoteAddress;
  const protoIn =
    incomingProto === undefined ? undefined : Array.isArray(incomingProto) ? incomingProto[0] : incomingProto;
  const proto = trustedFront && protoIn ? protoIn.trim().toLowerCase() : scheme;
  return { client, xff, proto };
}

/** Strips the IPv4-mapped IPv6 prefix Node reports for dual-stack sockets. */
export function peerAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
