// The generated exactly-once scenarios (test/scenario) with the ledger in PostgreSQL: random
// manifests, faults and endings (signals, SIGKILL, closed pipes) through the real CLI, each case
// on a fresh database of a throwaway cluster; checked on the simulator's own state.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { assertScenarios } from '../../scenario/property.js';
import { pgSkipReason, startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js';

let cluster: PgCluster;
beforeAll(async () => {
  if (pgSkipReason) return;
  cluster = await startPgCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

describe.skipIf(pgSkipReason)('generated scenarios with a PostgreSQL ledger: exactly once', () => {
  it('no item twice, every id kept or flagged, an idle rerun sends nothing, documented exits', async () => {
    // Fewer cases than the file's 12 (each is several CLI runs); another fixed seed, so the
    // PostgreSQL store meets other cases than the file does.
    await assertScenarios({ runs: 3, seed: 20261201, file: 'test/ledger/pg/scenario.test.ts', profile: 'quick',
      store: {
        ledger: () => cluster.createDatabase(),
        database: async (strike, ledger) => (strike === 'restart' ? cluster.restart() : cluster.terminate(new URL(ledger).pathname.slice(1))),
      },
    });
  }, 900_000);
});
