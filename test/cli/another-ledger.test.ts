// A new ledger that meets a server already holding the handles (issue 20, finding 3): the run
// stops early with exit 3 naming the likely cause and the fix, instead of sending every create
// and blocking every group; --expect-existing is for the person who means it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXISTS_STREAK } from '../../src/run/another-ledger.js';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'another-ledger-token-5a1c';
const ws = simulatorWorkspace(TOKEN);
const COMMUNITIES = 60;

function manifest(): string {
  const communities = Array.from({ length: COMMUNITIES }, (_, i) => `  - handle: old${i}\n    name: Old ${i}\n    groups:\n      - group: { name: G${i} }\n`);
  return ws.write('m.yaml', `version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\ncommunities:\n${communities.join('')}`);
}

const apply = (ledger: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(['apply', manifest(), '--rate', '500/s', '--concurrency', '4', '--no-progress', ...(ledger ? ['--ledger', ledger] : []), ...extra], { env: { ...ws.env(), ...env }, cwd: ws.dir });

describe('a fresh ledger against a server that holds the handles', () => {
  it(`stops after ${EXISTS_STREAK} "exists" in a row with exit 3, naming the ledger, --ledger, GENUIN_LEDGER and --expect-existing`, async () => {
    const first = await apply(join(ws.dir, 'first.jsonl'));
    expect(first.code).toBe(0);
    const before = ws.sim.state.snapshot().counts.requests;

    const r = await apply(join(ws.dir, 'elsewhere.jsonl'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${EXISTS_STREAK} communities in a row already exist on the server and none was created, but ledger ${join(ws.dir, 'elsewhere.jsonl')} (given by --ledger) had no history`);
    expect(r.stderr).toMatch(/--ledger or GENUIN_LEDGER/);
    expect(r.stderr).toMatch(/--expect-existing/);
    // Early: not one create per community of the manifest. (How many go out while the 20th answer
    // is recorded depends on the disk and the machine's load, so the bound is the manifest's size.)
    const sent = ws.sim.state.snapshot().counts.requests - before;
    expect(sent).toBeGreaterThanOrEqual(EXISTS_STREAK);
    expect(sent).toBeLessThan(COMMUNITIES);
  });

  it('says how the ledger was chosen (GENUIN_LEDGER)', async () => {
    await apply(join(ws.dir, 'first.jsonl'));
    const r = await apply('', [], { GENUIN_LEDGER: join(ws.dir, 'env.jsonl') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('(given by GENUIN_LEDGER)');
  });

  it('--expect-existing: the run goes on, every handle reported as existing', async () => {
    await apply(join(ws.dir, 'first.jsonl'));
    const r = await apply(join(ws.dir, 'meant.jsonl'), ['--expect-existing']);
    expect(r.code).toBe(1); // the groups wait for their communities' ids (adopt)
    expect(r.stdout).toMatch(new RegExp(`exists ${COMMUNITIES}`));
  });

  it('a ledger with history is not stopped by a streak of "exists"', async () => {
    await apply(join(ws.dir, 'first.jsonl'));
    const ledger = join(ws.dir, 'kept.jsonl');
    // One community created through this ledger first: it has a history.
    const one = await runCli(['apply', ws.write('one.yaml', 'version: 1\ncommunities:\n  - handle: fresh0\n    name: Fresh\n    type: 1\n    actions: [{ action_id: 3, access_type_id: 5 }]\n'), '--ledger', ledger, '--no-progress'], { env: ws.env(), cwd: ws.dir });
    expect(one.code).toBe(0);
    const r = await apply(ledger);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/had no history/);
  });
});
