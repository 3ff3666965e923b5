import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM example without type declarations
import { runGrpcExample } from '../grpc.mjs';

interface Result {
  via: string;
  call: string;
  backend: string;
  method: string;
}

describe('examples/grpc', () => {
  it('routes by gRPC service and method through the proxy and through xDS', async () => {
    const lines: string[] = [];
    const results: Result[] = await runGrpcExample({ log: (l: string) => lines.push(l) });
    const table = results.map((r) => [r.via, r.call, r.backend]);
    expect(table).toEqual([
      ['proxy', 'Greeter/SayHello', 'greeter'],
      ['proxy', 'Greeter/SayGoodbye', 'farewell'],
      ['proxy', 'Billing/Charge', 'billing'],
      ['xds', 'Greeter/SayHello', 'greeter'],
      ['xds', 'Greeter/SayGoodbye', 'farewell'],
      ['xds', 'Billing/Charge', 'billing'],
    ]);
    // Paths reach the backends unchanged (rewrite: "").
    expect(results.map((r) => r.method)).toContain('/demo.Greeter/SayGoodbye');
    expect(lines.some((l) => l.includes('NACK'))).toBe(false);
  });
});
