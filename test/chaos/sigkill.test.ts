// Chaos check 3: the runner killed with SIGKILL at seeded random instants, several times in a
// row, then run to the end. Nothing may be created twice, each kill may leave at most
// `concurrency` items unresolved (the requests it cut off), and no run may abort on the ledger
// (torn lines, a stale lock). The runbook then completes the fleet.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { mulberry32, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, figures, followRunbook, reconcile, until, writeFleet } from './helpers.js';

const SEED = 303;
const KILLS = 4;
const CONCURRENCY = 8;

let sim: Simulator;
beforeEach(async () => {
  // Some latency, so that every kill lands with requests in flight.
  sim = await startSimulator({ token: TOKEN, seed: SEED, latencyMs: { min: 5, max: 40 } });
});
afterEach(() => sim.close());

describe('chaos 3: SIGKILL at random instants', () => {
  it('never duplicates, leaves at most concurrency items unresolved per kill, and never aborts on the ledger', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 150, 3);
    const ledger = `${dir}/ledger.jsonl`;
    const args = [fleet.path, '--rate', '300/s', '--concurrency', String(CONCURRENCY), '--json'];
    const random = mulberry32(SEED);
    const perKill: Array<{ after_ms: number; in_flight: number; torn: number; created_so_far: number }> = [];

    for (let k = 0; k < KILLS; k++) {
      const before = sim.state.counts.requests;
      const delay = Math.round(100 + random() * 400);
      const result = await applyCli(sim, dir, ledger, args, {
        onSpawn: (child) => {
          // The instant is measured from this run's first request, so it always lands mid-run.
          void until(() => sim.state.counts.requests > before).then(() => setTimeout(() => child.kill('SIGKILL'), delay));
        },
      });
      // It ran until killed: it did not abort on the ledger or the lock left by the last kill.
      expect(result.signal, result.stderr).toBe('SIGKILL');
      const state = await readLedger(ledger);
      // Items this run left with an attempt and no outcome (earlier kills' in-doubt groups stay
      // in that state: they are not re-sent, so they are not this kill's doing).
      const killedRun = lastRunId(ledger);
      const inFlight = [...state.items.values()].filter((s) => s.inFlight && s.run === killedRun).length;
      // A slot is freed once the answer is in, before its outcome line is durable: at a kill,
      // the requests in flight plus the answers still being written (each at most --concurrency).
      expect(inFlight).toBeLessThanOrEqual(2 * CONCURRENCY);
      const held = sim.state.snapshot();
      perKill.push({ after_ms: delay, in_flight: inFlight, torn: state.torn.length, created_so_far: held.communities.length + held.groups.length });
    }

    const rerun = await applyCli(sim, dir, ledger, args);
    expect(rerun.stderr).not.toMatch(/^error:/m);
    expect([0, 1]).toContain(rerun.code);
    expect(rerun.stderr).toMatch(/taking over stale lock/);
    const flagged = await reconcile(sim, ledger);
    // Communities cut off were re-sent (their handle makes that safe); groups stay in doubt.
    expect(flagged.inFlight.filter((k) => k.startsWith('community '))).toEqual([]);
    // The only items left for a person are those the kills cut off mid-request.
    const unresolved = flagged.exists.length + flagged.inDoubt.length;
    expect(unresolved).toBeLessThanOrEqual(perKill.reduce((n, k) => n + k.in_flight, 0));
    expect(unresolved).toBeLessThanOrEqual(2 * CONCURRENCY * KILLS);

    const done = await followRunbook(sim, fleet, ledger, flagged, dir);
    const final = await applyCli(sim, dir, ledger, args);
    expect(final.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    const held = sim.state.snapshot();
    figures('3-sigkill', {
      seed: SEED,
      items: fleet.items,
      kills: KILLS,
      concurrency: CONCURRENCY,
      per_kill: perKill,
      rerun_exit: rerun.code,
      unresolved_after_rerun: {
        exists: flagged.exists.length,
        in_doubt: flagged.inDoubt.length,
        total: unresolved,
        per_kill: Number((unresolved / KILLS).toFixed(2)),
        blocked_by_exists: fleet.groups.filter((g) => flagged.exists.includes(g.handle)).length,
      },
      runbook: done,
      duplicates: held.duplicates.length,
      requests: held.counts.requests,
    });
  }, 120_000);
});

/** The run id on the ledger's last whole line: the run that was just killed. */
function lastRunId(path: string): string | undefined {
  const lines = readFileSync(path, 'utf8').split('\n').reverse();
  for (const line of lines) {
    try {
      const run = (JSON.parse(line) as { run?: string }).run;
      if (run) return run;
    } catch {
      // blank or torn
    }
  }
  return undefined;
}
