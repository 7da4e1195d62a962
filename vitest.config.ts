// Two test projects: `suite` is `npm test` (unit, end-to-end against the simulator, corpus, the
// bounded generated-scenario test), `chaos` is `npm run test:chaos` (long scenarios, kill -9).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Hang guards, not speed checks: a test spawning the CLI a few times on a busy 2-core machine
    // takes tens of seconds, and a timeout there would be a flake, not a finding.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Child processes, not threads: tests change directory (the in-process corpus) and spawn
    // the CLI; a crash stays in its own process.
    pool: 'forks',
    globalSetup: ['test/helpers/scratch-root.ts'],
    // One file per core (vitest's default leaves one core free: a single worker on 2 cores). Many
    // files wait on child processes and paced runs, so a second worker fills those waits.
    maxWorkers: '100%',
    projects: [
      {
        extends: true,
        // The files of a worker share its module cache (importing the CLI's modules once per file
        // was a third of the suite's CPU). Module state must not outlive a file: the in-process
        // CLI takes fresh modules per call, and scratch directories go with the run (globalSetup).
        test: { name: 'suite', isolate: false, include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/chaos/**'] },
      },
      {
        extends: true,
        test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'] },
      },
    ],
  },
});
