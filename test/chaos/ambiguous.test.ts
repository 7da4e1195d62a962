// Chaos check 2: ambiguous faults, where the server may have created the item and the client
// cannot tell from what came back: resets (before and after processing), answers after the
// client's timeout, 200s with garbage, empty, truncated, wrong-shape, oversized or dripping
// bodies; mixed with transient 5xx. Nothing may be created twice,
// every item the server holds must be in the ledger with its id or flagged for a person, and
// the flags must be exactly the ambiguous faults. Then the runbook, done as a person would,
// must bring the fleet to exactly-once with every id in the ledger.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, countBy, expectExactlyOnce, figures, followRunbook, reconcile, summaryUnresolved, writeFleet } from './helpers.js';

const SEED = 202;
let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({
    token: TOKEN,
    seed: SEED,
    latencyMs: { min: 1, max: 10 },
    faults: {
      'reset-before': 0.03,
      'reset-after': 0.03,
      'answer-late': 0.02,
      'garbage-200': 0.02,
      'empty-200': 0.02,
      'truncated-200': 0.02,
      'wrong-shape-200': 0.02,
      'huge-200': 0.01,
      'slow-drip': 0.02,
      '500-json': 0.04,
      '503-json': 0.02,
    },
    // Past the client's 2 s timeout: the answer-late and slow-drip answers never arrive in time.
    lateAnswerMs: 4_000,
    dripIntervalMs: 20,
    // Past the client's 1 MiB cap on what it reads.
    hugeBodyBytes: 2 * 1024 * 1024,
  });
});
afterEach(() => sim.close());

describe('chaos 2: ambiguous faults', () => {
  it('creates nothing twice, flags exactly the ambiguous items, and the runbook completes the fleet', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 60, 3);
    const ledger = `${dir}/ledger.jsonl`;
    const args = ['--rate', '400/s', '--concurrency', '8', '--retries', '10', '--timeout', '2s', '--json'];
    const run = await applyCli(sim, dir, ledger, [fleet.path, ...args]);
    expect(run.code).toBe(1);

    const flagged = await reconcile(sim, ledger);
    const { held } = flagged;
    const log = held.faultLog;
    // Communities: any fault after creation makes the client re-send; the handle answers 5216.
    const communityHits = log.filter((f) => f.endpoint === 'community' && f.created).map((f) => f.ref!);
    expect([...flagged.exists].sort()).toEqual([...communityHits].sort());
    // Groups: a fault after creation, or a reset before it (which looks the same from the client).
    const groupHits = log.filter((f) => f.endpoint === 'group' && f.created).map((f) => f.ref!);
    // A reset before the body was read, or a 500 with an unknown code, looks the same from the
    // client as a create whose answer was lost (a 503 alone proves nothing was made).
    const groupResets = log.filter((f) => f.endpoint === 'group' && !f.created && f.kind !== '503-json').length;
    const inDoubtNames = flagged.inDoubt.map((k) => k.slice(k.indexOf('/') + 1));
    for (const name of groupHits) expect(inDoubtNames).toContain(name);
    // Without proof that the API refuses a repeated chat_id (no probe here), every such group is
    // left in doubt too.
    expect(flagged.inDoubt.length).toBeGreaterThanOrEqual(groupHits.length);
    expect(flagged.inDoubt.length).toBeLessThanOrEqual(groupHits.length + groupResets);
    expect(flagged.inFlight).toEqual([]);

    // The summary lists every one of them, and the groups the unknown ids block.
    // (A redirect is no ambiguous fault: it fails the item for sure. It is left out here, since
    // one meeting the resend of a community created by a lost answer would leave that community
    // `failed` for one more run before the next resend learns it `exists`.)
    const failed = [...flagged.state.items.values()].filter((s) => s.status === 'failed').map((s) => `failed ${s.kind} ${s.key}`);
    expect(failed).toEqual([]);
    const blocked = fleet.groups.filter((g) => flagged.exists.includes(g.handle)).map((g) => `blocked group ${g.key}`);
    const want = [...flagged.exists.map((h) => `exists community ${h}`), ...flagged.inDoubt.map((k) => `in_doubt group ${k}`), ...blocked, ...failed].sort();
    expect(summaryUnresolved(run)).toEqual(want);

    // `report --failed` with the manifests lists the same items, each with the thing to do.
    const report = await runCli(['report', '--failed', '--format', 'json', '--ledger', ledger, fleet.path], { cwd: dir });
    expect(report.code).toBe(0);
    const rows = JSON.parse(report.stdout) as Array<{ status: string; kind: string; key: string; reason: string }>;
    expect(rows.map((r) => `${r.status} ${r.kind} ${r.key}`).sort()).toEqual(want);
    for (const r of rows) expect(r.reason.length).toBeGreaterThan(10);

    // The runbook: adopt the communities by id, record the groups Genuin has, re-send the rest.
    const done = await followRunbook(sim, fleet, ledger, flagged, dir);
    sim.configure({ faults: {} });
    const rerun = await applyCli(sim, dir, ledger, [fleet.path, ...args]);
    expect(rerun.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    const after = await reconcile(sim, ledger);
    expect([after.exists, after.inDoubt, after.inFlight]).toEqual([[], [], []]);

    figures('2-ambiguous', {
      seed: SEED,
      items: fleet.items,
      requests: held.counts.requests,
      faults_injected: log.length,
      fault_share: Number((log.length / held.counts.requests).toFixed(3)),
      faults_by_kind: countBy(log, (f) => f.kind),
      faults_that_created: log.filter((f) => f.created).length,
      duplicates: held.duplicates.length,
      flagged: { exists: flagged.exists.length, in_doubt: flagged.inDoubt.length, blocked: blocked.length, failed: failed.length },
      runbook: done,
      after_runbook: { exit: rerun.code, duplicates: sim.state.snapshot().duplicates.length, unresolved: 0 },
    });
  }, 120_000);
});
