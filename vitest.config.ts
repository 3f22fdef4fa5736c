// Three projects. `workers` and `workers-limits` run inside workerd through the Cloudflare plugin
// (Worker + Durable Object, storage isolated per file): the first with lifted rate limits and small
// history/presence limits so functional tests are quick, the second with the shipped rate limits.
// `node` drives `wrangler dev` over real TCP and a real browser.
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Test-only settings, the same on every machine.
const TEST_SECRET = 'test-secret-for-workerd-tests-only';

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { AUTH_SECRET: TEST_SECRET, MESSAGE_RATE: '1000', MESSAGE_BURST: '1000', HISTORY_LIMIT: '300', PRESENCE_LIMIT: '5' },
            },
          }),
        ],
        test: { name: 'workers', include: ['test/*.test.ts'], testTimeout: 30_000 },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { AUTH_SECRET: TEST_SECRET } } })],
        test: { name: 'workers-limits', include: ['test/limits/*.test.ts'], testTimeout: 30_000 },
      },
      {
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Each file starts its own wrangler dev; two cores, so one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
