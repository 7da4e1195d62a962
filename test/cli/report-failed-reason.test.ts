// End to end: the error file of `report --failed <manifests>` says why each row is there in
// `_status` and `_reason` columns (with an empty `_decision` and the `_ledger_key`, for `ledger
// resolve --from`), and `apply` reads the fixed file with those columns in it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-reason-77a2';
const ws = simulatorWorkspace(TOKEN);
const cli = (args: string[]) => runCli([...args, '--ledger', join(ws.dir, 'ledger.jsonl')], { env: ws.env(), cwd: ws.dir });

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: gamma
    name: Gamma
    categories: { existing: [999] }
    groups:
      - key: g1
        group: { name: G1 }
`;

describe('report --failed: the reason column', () => {
  it('carries each row\'s status and reason, and apply ignores it', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    expect((await cli(['apply', manifest])).code).toBe(1);

    const fix = join(ws.dir, 'fix.csv');
    const report = await cli(['report', '--failed', '--out', fix, manifest]);
    expect(report.code).toBe(0);
    const [header, ...rows] = readFileSync(fix, 'utf8').trimEnd().split('\r\n');
    const columns = header!.split(',');
    expect(columns.slice(-4)).toEqual(['_status', '_reason', '_decision', '_ledger_key']);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^community,gamma,.*,failed,HTTP 404 code 5220: .*,,gamma$/);
    expect(rows[1]).toMatch(/^group,.*,blocked,"waits for its community ""gamma"".*,,gamma\/g1$/);

    // The category comes back; the file is applied as it is, reason columns and all.
    ws.sim.configure({ knownCategoryIds: [999] });
    const applied = await cli(['apply', fix]);
    expect(applied.stderr).not.toMatch(/_reason|_status|_decision|_ledger_key/);
    expect(applied.code).toBe(0);
    const held = ws.sim.state.snapshot();
    expect(held.communities.map((c) => c.handle)).toEqual(['gamma']);
    expect(held.groups).toHaveLength(1);
  });
});
