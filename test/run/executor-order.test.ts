// Communities go before groups: each community sent makes its groups ready, so the queue never
// runs dry while communities wait (with groups first, the last communities' groups were a tail
// of half-empty rounds). Communities still never run far ahead of their groups.
import { afterEach, describe, expect, it } from 'vitest';
import { GenuinClient } from '../../src/api/client.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { PlanBuilder } from '../../src/plan/plan.js';
import { Executor } from '../../src/run/executor.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempLedger } from '../ledger/helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
});

const COMMUNITIES = 24;
const GROUPS = 4;
const CONCURRENCY = 3;

/** The kinds in the order the simulator created them, and the most communities whose groups were not all created. */
async function run(): Promise<{ order: string; ahead: number }> {
  sim = await startSimulator({ token: 't', latencyMs: 5 });
  const builder = new PlanBuilder(emptyLedgerState());
  let line = 1;
  for (let c = 0; c < COMMUNITIES; c++) {
    const handle = `c${c}`;
    builder.add({ kind: 'community', handle, body: { handle, name: handle, type: 1, actions: [] }, pos: { file: 'm.yaml', line: line++ } });
    for (let g = 0; g < GROUPS; g++) {
      builder.add({ kind: 'group', key: `g${g}`, parentHandle: handle, body: { type: 4, group: { name: `g${g}` } }, pos: { file: 'm.yaml', line: line++ } });
    }
  }
  const ledger = await LedgerWriter.open(await tempLedger());
  const executor = new Executor({
    client: new GenuinClient({ baseUrl: sim.url, token: 't', timeoutMs: 5000, maxSockets: CONCURRENCY }),
    ledger,
    runId: 'r1',
    rate: 10_000,
    concurrency: CONCURRENCY,
    retries: 2,
  });
  const summary = await executor.run(builder.build());
  await ledger.close();
  expect(summary.tally.created).toBe(COMMUNITIES * (1 + GROUPS));
  const snap = sim.state.snapshot();
  const events = [
    ...snap.communities.map((c) => ({ at: c.created_at, kind: 'c', id: c.community_id })),
    ...snap.groups.map((g) => ({ at: g.created_at, kind: 'g', id: g.community_id })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const open = new Map<string, number>();
  let ahead = 0;
  for (const e of events) {
    if (e.kind === 'c') open.set(e.id, 0);
    else {
      const n = open.get(e.id)! + 1;
      if (n === GROUPS) open.delete(e.id);
      else open.set(e.id, n);
    }
    ahead = Math.max(ahead, open.size);
  }
  return { order: events.map((e) => e.kind).join(''), ahead };
}

describe('Executor order', () => {
  it('sends communities before groups, never far ahead of them', async () => {
    const { order, ahead } = await run();
    // The first community's groups are ready after its answer, while the feed has already queued
    // twice the concurrency in communities: those go first (groups first sent the 7th item).
    expect(order.indexOf('g')).toBeGreaterThanOrEqual(3 * CONCURRENCY);
    expect(ahead).toBeLessThanOrEqual(4 * CONCURRENCY);
  });
});
