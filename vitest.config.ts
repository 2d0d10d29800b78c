import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos suite kills processes and Redis on purpose; it runs alone (vitest.chaos.config.ts).
    exclude: ['test/chaos/**', '**/node_modules/**'],
    // Training tests are CPU-bound; two machines cores are shared by all files.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
