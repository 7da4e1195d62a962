// A graceful stop against the simulator: the answers to requests in flight when the stop came
// are recorded, counted and acted on, never dropped as "not started".
import { afterEach, describe, expect, it } from 'vitest';
import { GenuinClient } from '../../src/api/client.js';
import { emptyLedgerState, readLedger } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { PlanBuilder } from '../../src/plan/plan.js';
import { Executor } from '../../src/run/executor.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempLedger } from '../ledger/helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
});

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('Executor.stop', () => {
  it('counts and records every answer that comes back after the stop', async () => {
    sim = await startSimulator({ token: 't', latencyMs: 300 });
    const builder = new PlanBuilder(emptyLedgerState());
    for (let i = 0; i < 20; i++) {
      builder.add({ kind: 'community', handle: `c${i}`, body: { handle: `c${i}`, name: `C ${i}`, type: 1, actions: [] }, pos: { file: 'm.yaml', line: i + 1 } });
      builder.add({ kind: 'group', key: `g${i}`, parentHandle: `c${i}`, body: { type: 4, group: { name: `g${i}` } }, pos: { file: 'm.yaml', line: i + 1 } });
    }
    const path = await tempLedger();
    const ledger = await LedgerWriter.open(path);
    const executor = new Executor({
      client: new GenuinClient({ baseUrl: sim.url, token: 't', timeoutMs: 5000, maxSockets: 4 }),
      ledger,
      runId: 'r1',
      rate: 1000,
      concurrency: 4,
      retries: 2,
    });
    const running = executor.run(builder.build());
    await until(() => sim!.state.counts.requests >= 4);
    executor.stop('signal');
    const summary = await running;
    await ledger.close();

    const held = sim.state.snapshot();
    expect(held.communities.length).toBeGreaterThan(0);
    expect(summary.stopped).toBe('signal');
    expect(summary.tally.created).toBe(held.communities.length + held.groups.length);
    expect(summary.tally.created + summary.tally.not_started).toBe(40);
    // Nothing in flight afterwards: every attempt line has its outcome line.
    const state = await readLedger(path);
    expect([...state.items.values()].filter((s) => s.inFlight)).toEqual([]);
    for (const c of held.communities) expect(state.get('community', c.handle)?.community_id).toBe(c.community_id);
  });
});
