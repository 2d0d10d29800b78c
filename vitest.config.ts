import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests are CPU-bound; two machines cores are shared by all files.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
