// The generated-scenario test, bounded for `npm test`: random manifests, faults and endings run
// through the real CLI against the simulator; exactly-once checked on the simulator's own state.
import { describe, it } from 'vitest';
import { assertScenarios } from './property.js';

describe('generated scenarios: exactly once', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    await assertScenarios({ runs: 12, file: 'test/scenario/exactly-once.test.ts', profile: 'quick' });
  }, 600_000);
});
