// Two projects: `workers` runs inside workerd through the Cloudflare plugin (Worker + Durable
// Object, isolated storage per file); `node` drives `wrangler dev` over real TCP and a real browser.
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // Test-only settings, the same on every machine; small limits keep the tests quick.
            miniflare: { bindings: { AUTH_SECRET: 'test-secret-for-workerd-tests-only', HISTORY_LIMIT: '300' } },
          }),
        ],
        test: { name: 'workers', include: ['test/*.test.ts'], testTimeout: 20_000 },
      },
      {
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own wrangler dev; two cores, so one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
