/** What a load balancer needs to know about an endpoint. */
export interface LbEndpoint {
  /** `host:port`: the stable identity hashed for ring-hash and maglev placement. */
  readonly address: string;
  /** Positive integer share. */
  readonly weight: number;
  /** Requests in flight to this endpoint (least-request reads it on every pick). */
  readonly activeRequests: number;
}

/**
 * Picks one endpoint per request. A balancer is built over the endpoints that are currently
 * available (healthy, not ejected, weight > 0) and rebuilt when that set changes, so `pick` never
 * has to skip anything.
 */
export interface LoadBalancer<E extends LbEndpoint> {
  /** The chosen endpoint, or undefined when the balancer has no endpoints. */
  pick(hashKey?: string): E | undefined;
}

/** True when every endpoint carries the same weight (lets balancers take the unweighted fast path). */
export function uniformWeights(endpoints: readonly LbEndpoint[]): boolean {
  const first = endpoints[0]?.weight;
  for (let i = 1; i < endpoints.length; i++) if (endpoints[i]!.weight !== first) return false;
  return true;
}
