// The executor's ordering promise, against the simulator: no group is sent for a community, and
// no outcome is counted or announced, before that outcome's ledger line is on disk. The ledger's
// fsync is held shut here to show that nothing runs ahead of it.
import { afterEach, describe, expect, it } from 'vitest';
import { GenuinClient } from '../../src/api/client.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
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

describe('Executor durability order', () => {
  it('releases a group and counts an outcome only once its parent line is fsynced', async () => {
    sim = await startSimulator({ token: 't' });
    const builder = new PlanBuilder(emptyLedgerState());
    builder.add({ kind: 'community', handle: 'alpha', body: { handle: 'alpha', name: 'Alpha', type: 1, actions: [] }, pos: { file: 'm.yaml', line: 1 } });
    builder.add({ kind: 'group', key: 'g', parentHandle: 'alpha', body: { type: 4, group: { name: 'g' } }, pos: { file: 'm.yaml', line: 2 } });

    // fsync is held while `gate` is set; the written text is kept to see which lines it covers.
    let gate: { open: () => void; promise: Promise<void> } | undefined;
    let written = '';
    let durable = '';
    const ledger = await LedgerWriter.open(await tempLedger(), {
      sink: (h) => ({
        write: async (buffer, offset, length) => {
          written += buffer.toString('utf8', offset, offset + length);
          return h.write(buffer, offset, length);
        },
        datasync: async () => {
          const covered = written;
          if (gate) await gate.promise;
          await h.datasync();
          durable = covered;
        },
        close: () => h.close(),
      }),
    });
    const hold = () => {
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      gate = { open, promise };
    };

    const executor = new Executor({
      client: new GenuinClient({ baseUrl: sim.url, token: 't', timeoutMs: 5000, maxSockets: 2 }),
      ledger,
      runId: 'r1',
      rate: 1000,
      concurrency: 2,
      retries: 0,
    });
    const announced: string[] = [];
    executor.on('outcome', ({ item, outcome }) => {
      // Whatever is announced is already on disk.
      expect(durable).toContain(`"key":"${item.key}","event":"${outcome.type}"`);
      announced.push(`${item.key} ${outcome.type}`);
    });

    // Hold every fsync from the moment the community's `created` line is written.
    const origWrite = ledger.append.bind(ledger);
    ledger.append = (event: LedgerEvent) => {
      if (event.kind === 'community' && event.event === 'created') hold();
      return origWrite(event);
    };
    const running = executor.run(builder.build());
    while (!written.includes('"event":"created"')) await new Promise((r) => setTimeout(r, 5));
    // The community exists on the server and its line is written, but not yet durable.
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.state.communities.size).toBe(1);
    expect(sim.state.groups.size).toBe(0);
    expect(sim.state.counts.requests).toBe(1);
    expect(announced).toEqual([]);
    gate!.open();
    gate = undefined;
    const summary = await running;
    await ledger.close();
    expect(announced).toEqual(['alpha created', 'alpha/g created']);
    expect(summary.tally.created).toBe(2);
    expect(sim.state.groups.size).toBe(1);
  });
});
