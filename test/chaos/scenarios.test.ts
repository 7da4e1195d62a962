// The generated-scenario test at length (`npm run test:chaos`): many more cases than `npm test`
// runs. SCENARIO_RUNS sets how many; SCENARIO_SEED/SCENARIO_PATH replay a failure it printed.
import { describe, it } from 'vitest';
import { assertScenarios } from '../scenario/property.js';

const RUNS = Number(process.env.SCENARIO_RUNS ?? 200);

// Only under `npm run test:chaos` (which sets SCENARIO_CHAOS): `npm test` runs the short version.
describe.skipIf(process.env.SCENARIO_CHAOS !== '1')('chaos: generated scenarios, many', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    await assertScenarios({ runs: RUNS, file: 'test/chaos/scenarios.test.ts', profile: 'chaos' });
  }, RUNS * 60_000);
});
