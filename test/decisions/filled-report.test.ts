// The filled error file read back: which rows are decisions, where each came from, and the rows
// that cannot be read (with their lines), for both the CSV and the adopt list.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAdoptCsv } from '../../src/decisions/adopt-csv.js';
import { readFilledReport } from '../../src/decisions/filled-report.js';
import { tempDir } from '../helpers/cli.js';

const file = (name: string, text: string) => {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
};

describe('readFilledReport (CSV)', () => {
  it('reads decisions and community_id cells, counts empty rows, and finds keys without _ledger_key', async () => {
    // A spreadsheet's save: BOM, the _ledger_key column deleted, a blank row, a quoted reason with a newline.
    const path = file(
      'fix.csv',
      '\uFEFFkind,handle,name,community_id,community_handle,key,_status,_reason,_decision\r\n' +
        'community,beta,Beta,C2,,,exists,"taken\nby us",\r\n' +
        'group,,,,beta,b1,blocked,waits,\r\n' +
        ',,,,,,,,\r\n' +
        'group,,,,alp/ha,g1,in_doubt,lost,created: K9\r\n' +
        'community,gamma,Gamma,C3,,,exists,,abandon: not ours\r\n' +
        'community,delta,Delta,C4,,,exists,,adopt: C4\r\n',
    );
    const r = await readFilledReport(path);
    expect(r.decisions).toEqual([
      { kind: 'community', key: 'beta', resolution: { action: 'adopt', communityId: 'C2' }, place: `${path}:2` },
      { kind: 'group', key: 'alp%2Fha/g1', resolution: { action: 'created', chatId: 'K9' }, place: `${path}:6` },
      { kind: 'community', key: 'delta', resolution: { action: 'adopt', communityId: 'C4' }, place: `${path}:8` },
    ]);
    expect(r.leftAsIs).toBe(1);
    expect(r.refusals).toEqual([`${path}:7: the community_id cell (C3) adopts the community, and the decision says "abandon: not ours": keep one`]);
  });

  it('refuses a file without a _decision column: a plain manifest\'s community_id cells are not adoptions', async () => {
    const path = file('m.csv', 'kind,handle,name,community_id\r\ncommunity,beta,Beta,C2\r\n');
    await expect(readFilledReport(path)).rejects.toThrow(new RegExp(`^${path}:1: no _decision column: --from reads the file report --failed <manifests> writes`));
  });
});

describe('readAdoptCsv', () => {
  it('with no header: the first two columns; a third cell or an empty one is refused at its line', async () => {
    const path = file('ids.csv', 'alpha,C1\n\nbeta,C2,extra\ngamma,\n');
    const r = await readAdoptCsv(path);
    expect(r.decisions).toEqual([{ kind: 'community', key: 'alpha', resolution: { action: 'adopt', communityId: 'C1' }, place: `${path}:1` }]);
    expect(r.refusals).toEqual([
      `${path}:3: 3 cells: a row is handle,community_id (or give a header row naming those columns)`,
      `${path}:4: the community_id is empty: a row is handle,community_id`,
    ]);
  });

  it('with a header: columns by name, in any order, others ignored', async () => {
    const path = file('ids.csv', 'note,Community_ID,handle\nfrom support,C1,alpha\n');
    expect((await readAdoptCsv(path)).decisions).toEqual([{ kind: 'community', key: 'alpha', resolution: { action: 'adopt', communityId: 'C1' }, place: `${path}:2` }]);
  });
});
