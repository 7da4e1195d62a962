// `ledger append`: the lines a run printed because the ledger could not take them go back in
// through the writer; the prose and JSON log lines around them in a saved stderr are skipped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { appendLines } from '../../src/ledger/append.js';
import { readLedger } from '../../src/ledger/replay.js';
import { tempDir } from '../helpers/cli.js';

const created = { at: '2026-11-30T01:00:00.000Z', run: 'r1', kind: 'group', key: 'alpha/Talk', event: 'created', chat_id: 'c-1', group_id: 'g-1' };

describe('ledger append', () => {
  it('appends the ledger lines of a saved stderr and skips everything around them', async () => {
    const dir = tempDir();
    const ledger = join(dir, 'ledger.jsonl');
    const saved = join(dir, 'stderr.txt');
    writeFileSync(
      saved,
      [
        'error: the ledger could not be written (ENOSPC); these answers are not in it. …',
        JSON.stringify({ level: 50, time: 1, run: 'r1', msg: 'stopping (the ledger could not be written)' }),
        JSON.stringify(created),
        '',
      ].join('\n'),
    );
    expect(await appendLines(ledger, saved)).toEqual({ appended: 1, skipped: 2 });
    expect((await readLedger(ledger)).get('group', 'alpha/Talk')).toMatchObject({ status: 'created', chat_id: 'c-1', group_id: 'g-1' });
  });

  it('refuses a cut line, naming file:line, and appends nothing', async () => {
    const dir = tempDir();
    const ledger = join(dir, 'ledger.jsonl');
    const saved = join(dir, 'stderr.txt');
    writeFileSync(saved, `${JSON.stringify(created)}\n${JSON.stringify(created).slice(0, 40)}\n`);
    await expect(appendLines(ledger, saved)).rejects.toThrow(ConfigError);
    await expect(appendLines(ledger, saved)).rejects.toThrow(/stderr\.txt:2: not a complete JSON line/);
    expect(() => readFileSync(ledger, 'utf8')).toThrow();
  });
});
