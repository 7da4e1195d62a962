// Two test projects: `suite` is `npm test` (unit, end-to-end against the simulator, corpus, the
// bounded generated-scenario test), `chaos` is `npm run test:chaos` (long scenarios, kill -9).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes, not threads: tests change directory (the in-process corpus) and spawn
    // the CLI; a crash stays in its own process.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/chaos/**'] },
      },
      {
        extends: true,
        test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'] },
      },
    ],
  },
});
