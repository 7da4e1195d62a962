// Chaos check 4: SIGTERM mid-run. The runner must start nothing new, let the requests in flight
// finish (bounded by --timeout), record them, print the summary and exit 3 within the timeout
// plus a second, leaving nothing in doubt; the same command then finishes the job with exit 0.
// A second signal must end the run at once, leaving at most the requests in flight unresolved.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, figures, reconcile, until, writeFleet } from './helpers.js';

const TIMEOUT_MS = 2_000;
let sim: Simulator;
beforeEach(async () => {
  // Slow answers (but inside the timeout): the signal always finds requests in flight.
  sim = await startSimulator({ token: TOKEN, seed: 404, latencyMs: { min: 300, max: 1_200 } });
});
afterEach(() => sim.close());

const args = (fleet: { path: string }) => [fleet.path, '--rate', '100/s', '--concurrency', '8', '--timeout', `${TIMEOUT_MS / 1000}s`, '--json'];

/** A fleet in a fresh directory, applied while `when` sends SIGTERM once it holds; `stopMs` from that signal to exit. */
async function applyThenSigterm(when: () => boolean) {
  const dir = tempDir('genuin-chaos-');
  const fleet = writeFleet(dir, 40, 2);
  const ledger = `${dir}/ledger.jsonl`;
  let signalledAt = 0;
  const run = await applyCli(sim, dir, ledger, args(fleet), {
    onSpawn: (child) => {
      void until(when).then(() => {
        signalledAt = performance.now();
        child.kill('SIGTERM');
      });
    },
  });
  return { dir, fleet, ledger, run, stopMs: performance.now() - signalledAt };
}

describe('chaos 4: SIGTERM mid-run', () => {
  it('stops with nothing in doubt, and a rerun completes', async () => {
    const { dir, fleet, ledger, run, stopMs } = await applyThenSigterm(() => sim.state.communities.size >= 5);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/stopped by a signal|SIGTERM/);

    const flagged = await reconcile(sim, ledger);
    expect([flagged.exists, flagged.inDoubt, flagged.inFlight]).toEqual([[], [], []]);
    // The summary counts every answer that came back, those after the signal included.
    const summary = JSON.parse(run.stdout) as { created: number; not_started: number; in_doubt: number; stopped: string };
    const held = sim.state.snapshot();
    expect(summary.stopped).toBe('signal');
    expect(summary.created).toBe(held.communities.length + held.groups.length);
    expect(summary.created + summary.not_started).toBe(fleet.items);
    expect(summary.in_doubt).toBe(0);

    sim.configure({ latencyMs: { min: 1, max: 10 } });
    const rerun = await applyCli(sim, dir, ledger, args(fleet));
    expect(rerun.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    figures('4-sigterm', {
      items: fleet.items,
      timeout_ms: TIMEOUT_MS,
      stop_ms: Math.round(stopMs),
      created_before_stop: summary.created,
      not_started: summary.not_started,
      in_doubt_after_stop: 0,
      rerun_exit: rerun.code,
      duplicates: sim.state.snapshot().duplicates.length,
    });
  }, 90_000);

  it('the stop is bounded by --timeout even when the server never answers', async () => {
    sim.configure({ latencyMs: 60_000 });
    const { dir, fleet, ledger, run, stopMs } = await applyThenSigterm(() => sim.state.counts.requests >= 8);
    expect(run.code).toBe(3);
    // Every request sent has its outcome line (a timeout is an outcome: the answer was lost, so the
    // community is in doubt until a resend answers).
    const state = await readLedger(ledger);
    expect([...state.items.values()].filter((s) => s.inFlight)).toEqual([]);
    const timedOut = [...state.items.values()].filter((s) => s.kind === 'community' && s.status === 'in_doubt').map((s) => s.key);
    expect(timedOut.length).toBeGreaterThan(0);

    // The hung server did create them: the rerun re-sends them (safe: the handle) and learns
    // they exist; their ids were in the answers that never came, so they are flagged.
    sim.configure({ latencyMs: { min: 1, max: 10 } });
    const rerun = await applyCli(sim, dir, ledger, args(fleet));
    expect(rerun.code).toBe(1);
    const flagged = await reconcile(sim, ledger);
    expect(flagged.exists.sort()).toEqual(timedOut.sort());
    expect([flagged.inDoubt, flagged.inFlight]).toEqual([[], []]);
    figures('4-sigterm-hung-server', { items: fleet.items, timeout_ms: TIMEOUT_MS, stop_ms: Math.round(stopMs), in_flight_after_stop: 0, timed_out_then_exists: timedOut.length });
  }, 60_000);

  it('a second signal exits at once', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 40, 2);
    const ledger = `${dir}/ledger.jsonl`;
    let secondAt = 0;
    const run = await applyCli(sim, dir, ledger, args(fleet), {
      onSpawn: (child) => {
        void until(() => sim.state.communities.size >= 5).then(() => {
          child.kill('SIGTERM');
          setTimeout(() => {
            secondAt = performance.now();
            child.kill('SIGTERM');
          }, 50);
        });
      },
    });
    const exitMs = performance.now() - secondAt;
    expect(run.code).toBe(3);
    // The second signal cuts the requests in flight: a cut request is recorded in doubt (a
    // community's rerun resends it and learns it exists), never failed. At most one per slot.
    const before = await readLedger(ledger);
    const cut = [...before.items.values()].filter((i) => i.inFlight || i.status === 'in_doubt' || i.status === 'failed');
    expect(cut.length).toBeLessThanOrEqual(8);

    sim.configure({ latencyMs: { min: 1, max: 10 } });
    const rerun = await applyCli(sim, dir, ledger, args(fleet));
    expect([0, 1]).toContain(rerun.code);
    const flagged = await reconcile(sim, ledger);
    expect(sim.state.snapshot().duplicates).toEqual([]);
    figures('4-sigterm-twice', { items: fleet.items, exit_ms_after_second_signal: Math.round(exitMs), left_in_flight: flagged.inFlight.length, rerun_exit: rerun.code });
  }, 90_000);
});
