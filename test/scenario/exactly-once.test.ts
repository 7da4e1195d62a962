// The generated-scenario test, bounded for `npm test`: random manifests, faults and endings run
// through the real CLI against the simulator; exactly-once checked on the simulator's own state.
import { describe, it } from 'vitest';
import { assertScenarios } from './property.js';

describe('generated scenarios: exactly once', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    // A fixed seed: the same cases on every run of `npm test` (a red suite always means a change
    // did it); `npm run test:chaos` draws fresh seeds to hunt for new counterexamples. Six cases
    // (about 30 CLI runs) keep npm test within its two minutes; the fixed regressions run beside.
    await assertScenarios({ runs: 6, seed: 20261130, file: 'test/scenario/exactly-once.test.ts', profile: 'quick' });
  }, 600_000);
});
