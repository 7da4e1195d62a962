// End to end: answers whose ids surprise (numbers, an id another item holds) against the
// simulator. No id an answer carried is dropped, and nothing is created under an id that is not
// the item's own. What the server holds is the truth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'test-token-ids-4c1d';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[]) => runCli([...args, '--ledger', ledger()], { env: ws.env(), cwd: ws.dir });
const apply = (files: string[], more: string[] = []) => cli(['apply', ...files, '--rate', '200/s', '--concurrency', '1', ...more]);
const ledgerLines = () =>
  readFileSync(ledger(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
  - handle: c-0
    name: C0
    groups:
      - group: { name: G0 }
  - handle: c-1
    name: C1
    groups:
      - group: { name: G1a }
      - group: { name: G1b }
      - group: { name: G1c }
`;

describe('a community_id, chat_id or group_id that is a number is kept as text', () => {
  it.each(['safe', 'big'] as const)('numericIds %s: every id recorded exactly as the server holds it; groups go to their own community', async (numericIds) => {
    ws.sim.configure({ numericIds, chatIds: 'ignore' });
    const r = await apply([ws.write('m.yaml', MANIFEST)]);
    expect(r.code, r.stderr).toBe(0);
    const server = ws.sim.state.snapshot();
    expect(server.communities).toHaveLength(2);
    expect(server.groups).toHaveLength(4);
    // The server made numbers (beyond 2^53 with 'big'): the ledger holds their digits exactly.
    for (const c of server.communities) {
      expect(c.community_id).toMatch(/^[1-9][0-9]*$/);
      if (numericIds === 'big') expect(Number.isSafeInteger(Number(c.community_id))).toBe(false);
    }
    const created = ledgerLines().filter((l) => l.event === 'created');
    const byKey = new Map(created.map((l) => [l.key, l]));
    for (const c of server.communities) expect(byKey.get(c.handle)?.community_id).toBe(c.community_id);
    for (const g of server.groups) {
      const parent = server.communities.find((c) => c.community_id === g.community_id)!;
      const line = byKey.get(`${parent.handle}/${(g.body.group as { name: string }).name}`);
      expect(line).toMatchObject({ chat_id: g.chat_id, group_id: g.group_id });
    }
    expect(server.groups.filter((g) => g.community_id === byKey.get('c-1')!.community_id)).toHaveLength(3);
    // A re-run sends nothing.
    const again = await apply([join(ws.dir, 'm.yaml')]);
    expect(again.code, again.stderr).toBe(0);
    expect(ws.sim.state.snapshot().counts.creates).toBe(6);
  });
});

const ONE = `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
  - handle: c-0
    name: C0
    groups:
      - group: { name: G0 }
`;

/** The JSON report's rows (`report --format json`, with `--failed` when asked). */
async function reportJson(failed = false): Promise<Array<Record<string, unknown>>> {
  const r = await cli(['report', '--format', 'json', ...(failed ? ['--failed'] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("an answer carrying an id the ledger holds for another item is a conflict: nothing is created under it", () => {
  it("a community given another community's community_id: its groups are blocked (this run and the next), report lists both; ledger resolve --community-id settles it", async () => {
    const first = await apply([ws.write('one.yaml', ONE)]);
    expect(first.code, first.stderr).toBe(0);
    const c0 = ws.sim.state.snapshot().communities[0]!.community_id;
    // The next community create is answered with c-0's id (c-1 is created on the server all the same).
    ws.sim.injectNext('duplicate-id', { endpoint: 'community' });
    const run = await apply([ws.write('m.yaml', MANIFEST)]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/conflict 1, blocked 3/);
    let server = ws.sim.state.snapshot();
    const c1 = server.communities.find((c) => c.handle === 'c-1')!.community_id;
    expect(c1).not.toBe(c0);
    // Nothing went into c-0 (or anywhere) for c-1: the server holds c-0's one group only.
    expect(server.groups.map((g) => [g.community_id, (g.body.group as { name: string }).name])).toEqual([[c0, 'G0']]);
    // The id the answer carried is recorded, with the item that holds it.
    expect(ledgerLines().filter((l) => l.key === 'c-1' && l.event === 'conflict')).toEqual([
      expect.objectContaining({ kind: 'community', community_id: c0, held_by: 'community c-0' }),
    ]);

    // report, and report --failed: both items.
    const rows = await reportJson();
    expect(rows.find((r) => r.key === 'c-1')).toMatchObject({ status: 'conflict', community_id: c0 });
    const failed = await reportJson(true);
    expect(failed.map((r) => [r.key, r.status])).toEqual([['c-0', 'created'], ['c-1', 'conflict']]);
    expect(failed[0]!.error_message).toMatch(/community c-1/);

    // A later run keeps it, and its groups, blocked: nothing sent.
    const creates = server.counts.creates;
    const later = await apply([join(ws.dir, 'm.yaml')]);
    expect(later.code).toBe(1);
    expect(later.stdout + later.stderr).toMatch(/conflict 1, blocked 3/);
    expect(later.stdout + later.stderr).toContain('ledger resolve c-1 --community-id');
    expect(ws.sim.state.snapshot().counts.creates).toBe(creates);
    const plan = await cli(['plan', join(ws.dir, 'm.yaml')]);
    expect(plan.stdout + plan.stderr).toMatch(/community c-1 .*conflict: its answer carried community_id/);

    // Adopting c-0's own id is refused; c-1's real one settles it, and the next run creates its groups there.
    const wrong = await cli(['ledger', 'resolve', 'c-1', '--community-id', c0]);
    expect(wrong.code).toBe(2);
    const resolve = await cli(['ledger', 'resolve', 'c-1', '--community-id', c1]);
    expect(resolve.code, resolve.stderr).toBe(0);
    const after = await apply([join(ws.dir, 'm.yaml')]);
    expect(after.code, after.stderr).toBe(0);
    server = ws.sim.state.snapshot();
    expect(server.groups.filter((g) => g.community_id === c1)).toHaveLength(3);
    expect(server.groups.filter((g) => g.community_id === c0)).toHaveLength(1);
    expect(server.duplicates).toEqual([]);
  });

  it('two communities answered with one id in the same run: the second is the conflict, its groups are not created', async () => {
    ws.sim.injectNext('duplicate-id', { endpoint: 'community', count: 2 });
    const run = await apply([ws.write('m.yaml', MANIFEST)]);
    expect(run.code).toBe(1);
    const server = ws.sim.state.snapshot();
    const c0 = server.communities.find((c) => c.handle === 'c-0')!.community_id;
    expect(server.groups.every((g) => g.community_id === c0 && (g.body.group as { name: string }).name === 'G0')).toBe(true);
    expect(ledgerLines().filter((l) => l.event === 'conflict')).toEqual([expect.objectContaining({ key: 'c-1', community_id: c0, held_by: 'community c-0' })]);
  });

  it("a group given another group's chat_id and group_id: a conflict (its ids kept), listed with the other by report, never resent", async () => {
    ws.sim.configure({ chatIds: 'ignore' });
    ws.sim.injectNext('duplicate-id', { endpoint: 'group', count: 2 });
    const two = ONE.replace('      - group: { name: G0 }\n', '      - group: { name: G0 }\n      - group: { name: G1 }\n');
    const run = await apply([ws.write('two.yaml', two)]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/conflict 1/);
    const server = ws.sim.state.snapshot();
    expect(server.groups).toHaveLength(2);
    const [g0] = server.groups;
    const conflict = ledgerLines().filter((l) => l.event === 'conflict');
    expect(conflict).toEqual([expect.objectContaining({ kind: 'group', key: 'c-0/G1', chat_id: g0!.chat_id, group_id: g0!.group_id, held_by: 'group c-0/G0' })]);
    const failed = await reportJson(true);
    expect(failed.map((r) => [r.key, r.status])).toEqual([['c-0/G0', 'created'], ['c-0/G1', 'conflict']]);
    const creates = server.counts.creates;
    const later = await apply([join(ws.dir, 'two.yaml')]);
    expect(later.code).toBe(1);
    expect(ws.sim.state.snapshot().counts.creates).toBe(creates);
    // Its own chat_id (found in Genuin) settles it.
    const g1 = server.groups[1]!;
    const resolve = await cli(['ledger', 'resolve', 'c-0/G1', '--created', g1.chat_id]);
    expect(resolve.code, resolve.stderr).toBe(0);
    const done = await apply([join(ws.dir, 'two.yaml')]);
    expect(done.code, done.stderr).toBe(0);
  });
});
