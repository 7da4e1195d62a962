// The generated-scenario test at length with the ledger in PostgreSQL (`npm run test:chaos`):
// fresh seeds, every case on a fresh database, endings that kill the run's database sessions or
// restart the server mid-run besides the signals and closed pipes. The `quick` profile: 429
// storms and long retry chains do not depend on the store, and the file's chaos run has them.
// SCENARIO_PG_RUNS sets how many (default a tenth of SCENARIO_RUNS; a case takes 10-60 s);
// SCENARIO_SEED/SCENARIO_PATH replay a failure.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pgSkipReason, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { assertScenarios } from '../scenario/property.js';

const RUNS = Number(process.env.SCENARIO_PG_RUNS ?? Math.ceil(Number(process.env.SCENARIO_RUNS ?? 200) / 10));
const chaos = process.env.SCENARIO_CHAOS === '1';

let cluster: PgCluster | undefined;
beforeAll(async () => {
  if (chaos && !pgSkipReason) cluster = await startPgCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

describe.skipIf(!chaos || pgSkipReason)('chaos: generated scenarios with a PostgreSQL ledger, many', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    const c = cluster!;
    await assertScenarios({
      runs: RUNS,
      file: 'test/chaos/pg-scenarios.test.ts',
      profile: 'quick',
      store: {
        ledger: () => c.createDatabase(),
        database: async (strike, ledger) => (strike === 'restart' ? c.restart() : c.terminate(new URL(ledger).pathname.slice(1))),
      },
    });
  }, RUNS * 180_000);
});
