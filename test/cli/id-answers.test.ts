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
    ws.sim.configure({ numericIds, ignoreClientChatIds: true });
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
