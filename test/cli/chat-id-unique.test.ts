// Two groups may never share a chat_id (issue 18, point 5): refused when the manifests are
// validated (both places named), and by `ledger resolve --created` when the ledger holds it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveChatId } from '../../src/plan/chat-id.js';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-chat-ids-9a41';
const ws = simulatorWorkspace(TOKEN);
const ledgerPath = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[]) => runCli([...args, '--ledger', ledgerPath()], { env: ws.env(), cwd: ws.dir });

const HEAD = 'version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\n';

describe('explicit chat_ids in the manifests', () => {
  it('the same explicit chat_id on two groups is refused at validation, both places named', async () => {
    const yaml = ws.write('a.yaml', `${HEAD}communities:\n  - handle: alpha\n    name: Alpha\n    groups:\n      - chat_id: same-1\n        group: { name: One }\n`);
    const csv = ws.write('b.csv', 'community_handle,chat_id,type,group.name\nalpha,same-1,4,Two\n');
    for (const command of ['validate', 'plan', 'apply']) {
      const r = await cli([command, yaml, csv]);
      expect(r.code, command).toBe(2);
      expect(r.stderr).toContain(`${csv}:2`);
      expect(r.stderr).toContain(`${yaml}:9`);
      expect(r.stderr).toContain('same-1');
    }
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });

  it("an explicit chat_id equal to another group's derived one is refused (parent id from the manifest)", async () => {
    const id = 'c0ffee00-0000-4000-8000-000000000001';
    const derived = deriveChatId(id, 'One');
    const file = ws.write(
      'm.yaml',
      `${HEAD}communities:\n  - handle: alpha\n    community_id: ${id}\n    groups:\n      - group: { name: One }\n      - chat_id: ${derived}\n        group: { name: Two }\n`,
    );
    const r = await cli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:10: chat_id`);
    expect(r.stderr).toContain(`${file}:9 `);
    expect(r.stderr).toContain(derived);
  });

  it("an explicit chat_id equal to another group's derived one is refused (parent id from the ledger)", async () => {
    const made = await cli(['apply', ws.write('c.yaml', `${HEAD}communities:\n  - handle: alpha\n    name: Alpha\n`), '--rate', '200/s']);
    expect(made.code).toBe(0);
    const id = ws.sim.state.snapshot().communities[0].community_id;
    const derived = deriveChatId(id, 'One');
    const file = ws.write('g.csv', `community_handle,chat_id,type,group.name\nalpha,,4,One\nalpha,${derived},4,Two\n`);
    const r = await cli(['plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3`);
    expect(r.stderr).toContain(`${file}:2`);
  });

  it('`ledger resolve --created <chat_id>` refuses a chat_id the ledger holds for another group', async () => {
    const file = ws.write('m.yaml', `${HEAD}communities:\n  - handle: alpha\n    name: Alpha\n    groups:\n      - group: { name: One }\n      - group: { name: Two }\n`);
    ws.sim.injectNext('reset-after', { endpoint: 'group' });
    const first = await cli(['apply', file, '--rate', '200/s', '--concurrency', '1']);
    expect(first.code).toBe(1);
    const groups = ws.sim.state.snapshot().groups;
    const held = groups.find((g) => (g.body.group as { name: string }).name === 'Two')!.chat_id;
    const r = await cli(['ledger', 'resolve', 'alpha/One', '--created', held]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('alpha/Two');
    expect(r.stderr).toContain(held);
  });
});
