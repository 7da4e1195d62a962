// Scenarios the generated test found breaking exactly-once, kept as fixed cases so they run on
// every `npm test` whatever the random seed draws. Each names the break it found (issue 10).
import { describe, it } from 'vitest';
import { isFaultKind } from '../../src/simulator/index.js';
import type { Ending, FaultPlan, GroupSpec, ManifestSet, Scenario } from './generate.js';
import { checkScenario } from './property.js';

const QUIET: FaultPlan = { probabilities: {}, scripted: [], rateLimit: null, latencyMs: 0, chatIds: 'refuse', chatIdsSwitchAt: 0, proof: 'none' };
const COMPLETE: Ending = { kind: 'complete' };

function set(layout: ManifestSet['layout'], communities: string[], groups: GroupSpec[], extra: Partial<ManifestSet> = {}): ManifestSet {
  return {
    layout,
    communityFormat: 'csv',
    groupFormat: 'csv',
    groupsFirst: false,
    communities: communities.map((handle) => ({ handle, name: `Community ${handle}`, adopt: false })),
    groups,
    ...extra,
  };
}

const group = (parent: string, name: string): GroupSpec => ({ parent, name, byId: false });

function scenario(runs: Array<{ manifests: ManifestSet; ending?: Ending }>, over: Partial<Scenario> = {}): Scenario {
  return {
    seed: 1,
    concurrency: 4,
    retries: 1,
    timeout: '5s',
    faults: QUIET,
    runs: runs.map((r) => ({ manifests: r.manifests, ending: r.ending ?? COMPLETE })),
    secondRunGrown: false,
    ...over,
  };
}

// Four communities, a group each, one request at a time: enough backpressure for the plan loop
// to meet a group that a settled parent had already released (fewer did not show it).
const FOUR = ['c1', 'c2', 'c3', 'c4'];
const fourGroups = FOUR.map((c) => group(c, 'Chat'));
const ONE_AT_A_TIME = { concurrency: 1 };

describe('regressions found by the generated scenarios', () => {
  // Break 1: the plan loop started an item #release() had already started.
  it('communities.csv + groups.csv: each group sent once', async () => {
    await checkScenario(scenario([{ manifests: set('separate', FOUR, fourGroups) }], ONE_AT_A_TIME));
  });

  it('groups file first on the command line: each group sent once', async () => {
    await checkScenario(scenario([{ manifests: set('separate', FOUR, fourGroups, { communityFormat: 'yaml', groupFormat: 'yaml', groupsFirst: true }) }], ONE_AT_A_TIME));
  });

  it('one YAML with a top-level groups: section: each group sent once', async () => {
    await checkScenario(scenario([{ manifests: set('top-level', FOUR, fourGroups) }], ONE_AT_A_TIME));
  });

  it('one CSV with a kind column: each group sent once', async () => {
    await checkScenario(scenario([{ manifests: set('csv-kind', FOUR, fourGroups) }], ONE_AT_A_TIME));
  });

  it('a second run adding communities and groups for earlier ones: each group sent once', async () => {
    await checkScenario(
      scenario([
        { manifests: set('nested', FOUR, fourGroups) },
        { manifests: set('separate', ['d1', 'd2'], [...FOUR.map((c) => group(c, 'News')), group('d1', 'Help desk'), group('d2', 'Help desk')]) },
      ], ONE_AT_A_TIME),
    );
  });

  // Break 2: a gateway error after the group was created was retried.
  it.skipIf(!isFaultKind('502-after'))('502 after a group create: in doubt, not a second group', async () => {
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1'], [group('c1', 'Chat')]) }], {
        faults: { ...QUIET, scripted: [{ kind: '502-after', count: 1, endpoint: 'group' }] },
      }),
    );
  });

  it.skipIf(!isFaultKind('500-html-after'))('500 HTML after a group create, server ignoring chat_ids: in doubt, not a second group', async () => {
    await checkScenario(
      scenario([{ manifests: set('separate', ['c1'], [group('c1', 'Chat')]) }], {
        faults: { ...QUIET, scripted: [{ kind: '500-html-after', count: 1, endpoint: 'group' }], chatIds: 'ignore' },
      }),
    );
  });

  // Break 6: SIGHUP (a dropped SSH session) killed the run instead of stopping it like SIGTERM.
  it('SIGHUP mid-run: a documented exit, then the rerun completes', async () => {
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1', 'c2', 'c3'], [group('c1', 'Chat'), group('c2', 'Chat'), group('c3', 'Chat')]), ending: { kind: 'signal', signal: 'SIGHUP', afterRequests: 1 } }], {
        concurrency: 1,
        faults: { ...QUIET, latencyMs: { min: 0, max: 20 } },
      }),
    );
  });

  // Found with seed 7 path 2 on b10bb86: after a SIGHUP cut the first run, the grown second run,
  // its stdout closed, exited 0 with groups neither created nor flagged.
  it('SIGHUP, then a grown second run whose stdout closes: exit 0 only when everything is done', async () => {
    await checkScenario(
      scenario(
        [
          { manifests: set('top-level', ['c1', 'c2'], [group('c2', 'General'), group('c2', 'Chat')]), ending: { kind: 'signal', signal: 'SIGHUP', afterRequests: 1 } },
          { manifests: set('top-level', ['d1', 'd2', 'd3', 'd4'], [group('c2', 'News')]), ending: { kind: 'close', streams: 'stdout', afterRequests: 5 } },
        ],
        { concurrency: 3, retries: 0, secondRunGrown: true },
      ),
    );
  });

  // Break 6: losing the reader of stdout must not lose work or fake success.
  it('stdout closed mid-run: exit 0 only when everything is done', async () => {
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1', 'c2', 'c3'], [group('c1', 'Chat'), group('c2', 'Chat'), group('c3', 'Chat')]), ending: { kind: 'close', streams: 'stdout', afterRequests: 1 } }], {
        concurrency: 1,
        faults: { ...QUIET, latencyMs: { min: 0, max: 20 } },
      }),
    );
  });

  // Issue 18: a resend rested on an echo. A server that echoes client chat_ids but does not refuse a
  // repeat created a second group for every lost answer (30 % lost: 20 duplicates of 50, exit 0).
  it('a server that echoes chat_ids without refusing repeats, lost answers, no proof: no duplicate', async () => {
    const groups = ['Chat', 'General', 'Help desk'].map((n) => group('c1', n));
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1'], groups) }], {
        faults: { ...QUIET, scripted: [{ kind: '502-after', count: 2, endpoint: 'group' }], chatIds: 'echo' },
      }),
    );
  });

  it('the same server after a probe (proven not to refuse): still no duplicate', async () => {
    const groups = ['Chat', 'General', 'Help desk'].map((n) => group('c1', n));
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1'], groups) }], {
        faults: { ...QUIET, scripted: [{ kind: '504-after', count: 2, endpoint: 'group' }], chatIds: 'echo', proof: 'probe' },
      }),
    );
  });

  // Trust was checked when a lost answer was judged, not when the resend left: a server that stopped
  // echoing mid-run still got resends after the ledger said it did not keep chat_ids.
  it('a server that refuses repeats, then ignores client chat_ids mid-run, no proof: no duplicate', async () => {
    const groups = ['Chat', 'General', 'Help desk', 'news'].map((n) => group('c1', n));
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1'], groups) }], {
        concurrency: 1,
        faults: { ...QUIET, scripted: [{ kind: '502-after', count: 3, endpoint: 'group' }], chatIds: 'refuse', chatIdsLater: 'ignore', chatIdsSwitchAt: 3 },
      }),
    );
  });

  it('a server proven (probe) to refuse repeats: lost answers settle by themselves', async () => {
    const groups = ['Chat', 'General', 'Help desk'].map((n) => group('c1', n));
    await checkScenario(
      scenario([{ manifests: set('nested', ['c1'], groups) }], {
        faults: { ...QUIET, scripted: [{ kind: '502-after', count: 3, endpoint: 'group' }], proof: 'probe' },
      }),
    );
  });
});
