// The executor says once, per item, how it ended: consumers (progress, logs) never have to
// infer from attempt outcomes whether retries were used up.
import { afterEach, describe, expect, it } from 'vitest';
import { GenuinClient } from '../../src/api/client.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { PlanBuilder } from '../../src/plan/plan.js';
import { Executor, type SettledEvent } from '../../src/run/executor.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempLedger } from '../ledger/helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
});

async function settle(handles: string[], options: { retries: number; maxThrottlesPerItem?: number }): Promise<SettledEvent[]> {
  const builder = new PlanBuilder(emptyLedgerState());
  handles.forEach((h, i) => builder.add({ kind: 'community', handle: h, body: { handle: h, name: h, type: 1, actions: [] }, pos: { file: 'm.yaml', line: i + 1 } }));
  const ledger = await LedgerWriter.open(await tempLedger());
  const executor = new Executor({
    client: new GenuinClient({ baseUrl: sim!.url, token: 't', timeoutMs: 5000, maxSockets: 2 }),
    ledger,
    runId: 'r1',
    rate: 1000,
    concurrency: 2,
    minBackoffMs: 1,
    maxBackoffMs: 2,
    ...options,
  });
  const settled: SettledEvent[] = [];
  executor.on('settled', (e) => settled.push(e));
  await executor.run(builder.build());
  await ledger.close();
  return settled;
}

describe('Executor settled events', () => {
  it('one per item: a give-up after --retries is failed with gaveUp and the attempts sent', async () => {
    sim = await startSimulator({ token: 't' });
    sim.injectNext('503-json', { count: 3 });
    const settled = await settle(['a'], { retries: 2 });
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ attempts: 3, gaveUp: true, outcome: { type: 'failed', status: 503 } });
    expect(sim.state.counts.requests).toBe(3);
  });

  it('a retry that then succeeds settles created, not given up', async () => {
    sim = await startSimulator({ token: 't' });
    sim.injectNext('503-json', { count: 1 });
    const settled = await settle(['a', 'b'], { retries: 2 });
    expect(settled.map((e) => [e.item.key, e.outcome.type, e.gaveUp]).sort()).toEqual([
      ['a', 'created', false],
      ['b', 'created', false],
    ]);
  });

  it('429s past the per-item limit count as a failed attempt, and a give-up is reported', async () => {
    sim = await startSimulator({ token: 't' });
    sim.injectNext('429-burst', { count: 1 }); // this request and the next four get 429
    const settled = await settle(['a'], { retries: 0, maxThrottlesPerItem: 2 });
    expect(settled[0]).toMatchObject({ gaveUp: true, outcome: { type: 'failed', status: 429 } });
  });
});
