import { defineConfig } from 'vitest/config';

/**
 * The chaos suite (`npm run chaos`): real workers killed, stopped and cut off from Redis
 * while they train. It runs alone, so that no other test competes for the CPU while it
 * measures how fast jobs stop, resume and hand over.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
