import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import packages by name; alias them to source so a test run never depends on a stale
// build. CLI and example tests that spawn `gateway` use the built dist (the test command builds first).
export default defineConfig({
  resolve: {
    alias: {
      '@gateway/core': pkg('core'),
      '@gateway/envoy': pkg('envoy'),
      '@gateway/proxy': pkg('proxy'),
      '@gateway/kubernetes': pkg('kubernetes'),
      '@gateway/metallb': pkg('metallb'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
  },
});
