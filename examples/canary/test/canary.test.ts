import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM example without type declarations
import { rollout } from '../canary.mjs';

interface Step {
  percent: number;
  version: string;
  v1: number;
  v2: number;
}

describe('examples/canary', () => {
  it('shifts traffic from v1 to v2 in steps, one config version per step', async () => {
    const lines: string[] = [];
    const steps: Step[] = await rollout({
      steps: [0, 25, 100],
      requestsPerStep: 120,
      port: 0,
      adminPort: 0,
      log: (l: string) => lines.push(l),
    });
    expect(steps.map((s) => s.percent)).toEqual([0, 25, 100]);
    // The ends are exact: 0% sends nothing to the canary, 100% everything.
    expect(steps[0]).toMatchObject({ v1: 120, v2: 0 });
    expect(steps[2]).toMatchObject({ v1: 0, v2: 120 });
    // 25% of 120 is 30; binomial spread stays well inside [10, 55].
    expect(steps[1]?.v2).toBeGreaterThanOrEqual(10);
    expect(steps[1]?.v2).toBeLessThanOrEqual(55);
    expect(new Set(steps.map((s) => s.version)).size).toBe(3);
    expect(lines[0]).toMatch(/diagnostics on http:\/\/127\.0\.0\.1:\d+\/diag/);
    expect(lines.some((l) => l.startsWith('canary  25%'))).toBe(true);
  });
});
