// `plan --json` is written a chunk of items at a time (a million-item plan is never one
// string): the text must be exactly the one document JSON.stringify would have made.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planJson } from '../../src/cli/render.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { makePlan } from '../../src/pipeline/make-plan.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('plan --json', () => {
  it('streams the same document JSON.stringify makes, across chunk boundaries', async () => {
    const dir = tempDir();
    const file = join(dir, 'many.csv');
    let csv = 'kind,handle,name,type,actions,community_handle,group.name\n';
    for (let i = 0; i < 240; i++) {
      csv += `community,h${i},H ${i},1,3:5,,\n`;
      for (let g = 0; g < 4; g++) csv += `group,,,4,,h${i},G ${g}\n`;
    }
    writeFileSync(file, csv);
    const { plan } = await makePlan([file], { ledger: emptyLedgerState() });
    expect(plan.items.length).toBe(1200);
    const r = await runCli(['plan', file, '--json', '--ledger', join(dir, 'none.jsonl')], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.stringify({ ledger: join(dir, 'none.jsonl'), ...(planJson(plan) as object) }, null, 2)}\n`);
  });
});
