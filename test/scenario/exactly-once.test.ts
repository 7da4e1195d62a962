// The generated-scenario test, bounded for `npm test`: random manifests, faults and endings run
// through the real CLI against the simulator; exactly-once checked on the simulator's own state.
import { describe, it } from 'vitest';
import { assertScenarios } from './property.js';

describe('generated scenarios: exactly once', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    // A fixed seed: the same cases on every run of `npm test` (a red suite always means a change
    // did it); `npm run test:chaos` draws fresh seeds to hunt for new counterexamples.
    await assertScenarios({ runs: 12, seed: 20261130, file: 'test/scenario/exactly-once.test.ts', profile: 'quick' });
  }, 600_000);
});
