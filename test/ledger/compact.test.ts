import { lstat, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { compactLedger, difference } from '../../src/ledger/compact.js';
import { acquireLock } from '../../src/ledger/lock.js';
import { readLedger, type LedgerState } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { ev, lines, tempLedger } from './helpers.js';

const history = () =>
  lines(
    ev({ key: 'a', event: 'attempt', hash: 'ha' }),
    ev({ key: 'a', event: 'in_doubt', code: 'ETIMEDOUT' }),
    ev({ key: 'a', event: 'attempt', run: 'run-2', hash: 'ha' }),
    ev({ key: 'a', event: 'created', run: 'run-2', community_id: 'A1', share_url: 'https://s/a' }),
    ev({ key: 'a', event: 'exists', run: 'run-3', status: 409, code: 'TAKEN' }),
    ev({ key: 'b', event: 'attempt' }),
    ev({ key: 'b', event: 'failed', status: 422, code: 'INVALID', message: 'name, "quoted"' }),
    ev({ key: 'b', event: 'attempt', run: 'run-2' }), // in flight after a failure
    ev({ key: 'c', event: 'attempt' }),
    ev({ key: 'c', event: 'attempt', run: 'run-2' }), // attempt-only: in flight, two attempts
    ev({ kind: 'group', key: 'a/g', event: 'attempt' }),
    ev({ kind: 'group', key: 'a/g', event: 'created', community_id: 'A1', chat_id: 'K', group_id: 'G' }),
    ev({ key: 'd', event: 'adopted', community_id: 'D1' }),
    ev({ kind: 'group', key: 'a/h', event: 'attempt', chat_id: 'H1' }),
    ev({ kind: 'group', key: 'a/h', event: 'in_doubt', status: 502 }), // settled, its chat_id only on the attempt
    ev({ kind: 'group', key: 'a/i', event: 'attempt', chat_id: 'I1' }), // in flight with its chat_id
  );

const snapshot = (s: LedgerState) => [...s.items.values()].map(({ run: _run, ...rest }) => rest);

describe('compactLedger', () => {
  it('keeps every id, status, attempt count and in-flight item; one line per item (two when in flight)', async () => {
    const path = await tempLedger();
    await writeFile(path, history());
    const before = await readLedger(path);
    const result = await compactLedger(path);
    const after = await readLedger(path);
    expect(snapshot(after)).toEqual(snapshot(before));
    expect(result).toEqual({ linesBefore: 16, linesAfter: 9, items: 7, torn: 0 });
    expect(after.lines).toBe(9);
    expect(after.get('community', 'a')).toMatchObject({ status: 'exists', community_id: 'A1', attempts: 2 });
    expect(after.get('community', 'b')).toMatchObject({ status: 'failed', inFlight: true, attempts: 2 });
    expect(after.get('community', 'c')).toMatchObject({ inFlight: true, attempts: 2 });
    // The chat_id a group was sent with: what a resend or `ledger resolve --created` uses.
    expect(after.get('group', 'a/h')).toMatchObject({ status: 'in_doubt', sent_chat_id: 'H1', attempts: 1, inFlight: false });
    expect(after.get('group', 'a/i')).toMatchObject({ sent_chat_id: 'I1', attempts: 1, inFlight: true });
    // Compacting again changes nothing.
    const again = await compactLedger(path);
    expect(again).toMatchObject({ linesBefore: 9, linesAfter: 9 });
    expect(snapshot(await readLedger(path))).toEqual(snapshot(before));
  });

  it('a group created under a chat_id the server chose keeps the one sent (the manifest still gives it)', async () => {
    const path = await tempLedger();
    await writeFile(
      path,
      lines(
        ev({ kind: 'group', key: 'a/j', event: 'attempt', chat_id: 'J-sent' }),
        ev({ kind: 'group', key: 'a/j', event: 'created', community_id: 'A1', chat_id: 'J-server', group_id: 'GJ' }),
        ev({ kind: 'group', key: 'a/k', event: 'attempt', chat_id: 'K' }),
        ev({ kind: 'group', key: 'a/k', event: 'created', community_id: 'A1', chat_id: 'K', group_id: 'GK' }),
      ),
    );
    expect(await compactLedger(path)).toMatchObject({ linesBefore: 4, linesAfter: 3 });
    const after = await readLedger(path);
    expect(after.get('group', 'a/j')).toMatchObject({ status: 'created', chat_id: 'J-server', sent_chat_id: 'J-sent', group_id: 'GJ', attempts: 1 });
    expect(after.get('group', 'a/k')).toMatchObject({ status: 'created', chat_id: 'K', group_id: 'GK', attempts: 1 });
  });

  it('replaces the file atomically (a new inode, mode 0600) and leaves no temp file or lock', async () => {
    const path = await tempLedger();
    await writeFile(path, history(), { mode: 0o644 });
    const { ino } = await stat(path);
    await compactLedger(path);
    const st = await stat(path);
    expect(st.ino).not.toBe(ino);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await readdir(dirname(path))).toEqual(['ledger.jsonl']);
  });

  it('carries torn lines over as found, so a half-written id is never thrown away', async () => {
    const path = await tempLedger();
    const torn = '{"at":"2026-11-01T00:00:00.000Z","run":"r","kind":"community","key":"e","event":"created","community_id":"E1';
    await writeFile(path, history() + torn);
    const w = await LedgerWriter.open(path); // marks the torn line
    await w.append(ev({ key: 'f', event: 'created', community_id: 'F1' }));
    await w.close();
    const warnings: string[] = [];
    const result = await compactLedger(path, { onWarning: (m) => warnings.push(m) });
    expect(result.torn).toBe(1);
    expect(warnings).toHaveLength(1);
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')[0]).toBe(torn);
    expect((await readLedger(path)).communityId('f')).toBe('F1');
  });

  it('refuses while another holds the lock, leaving the ledger untouched', async () => {
    const path = await tempLedger();
    const text = history();
    await writeFile(path, text);
    const release = await acquireLock(path);
    await expect(compactLedger(path)).rejects.toThrow(LedgerError);
    expect(await readFile(path, 'utf8')).toBe(text);
    await release.release();
  });

  it('refuses a corrupt ledger, leaving it untouched', async () => {
    const path = await tempLedger();
    const text = history() + 'garbage\n' + lines(ev({ key: 'z', event: 'attempt' }));
    await writeFile(path, text);
    await expect(compactLedger(path)).rejects.toThrow(`ledger ${path}:17: corrupt line`);
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(dirname(path))).toEqual(['ledger.jsonl']);
  });

  it('leaves a missing ledger missing', async () => {
    const path = await tempLedger();
    expect(await compactLedger(path)).toEqual({ linesBefore: 0, linesAfter: 0, items: 0, torn: 0 });
    expect(await readdir(dirname(path))).toEqual([]);
  });

  it('through a symlink: rewrites the file it points to, and the link stays a link', async () => {
    const real = await tempLedger();
    await writeFile(real, history());
    const linkDir = dirname(await tempLedger());
    const alias = join(linkDir, 'ledger.jsonl');
    await symlink(real, alias);
    const result = await compactLedger(alias);
    expect(result).toMatchObject({ linesBefore: 16, linesAfter: 9 });
    expect((await lstat(alias)).isSymbolicLink()).toBe(true);
    expect(await readlink(alias)).toBe(real);
    expect((await readLedger(real)).lines).toBe(9);
    expect(await readdir(linkDir)).toEqual(['ledger.jsonl']); // no temp file or lock next to the link
    expect(await readdir(dirname(real))).toEqual(['ledger.jsonl']);
  });

  it('the temporary file of an interrupted compaction is removed by the next one', async () => {
    const path = await tempLedger();
    await writeFile(path, history());
    await writeFile(`${path}.compact-999999-deadbeef.tmp`, history().slice(0, 100)); // killed mid-write
    const warnings: string[] = [];
    await compactLedger(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`removed ${path}.compact-999999-deadbeef.tmp, left by an interrupted compaction of this ledger`]);
    expect(await readdir(dirname(path))).toEqual(['ledger.jsonl']);
  });
});

describe('compactLedger: ids that disagree (no id is ever dropped)', () => {
  /** Two `created` answers for one key with different ids (a conflict a run reported), and a community answered twice. */
  const disagreeing = () =>
    lines(
      ev({ key: 'a', event: 'created', community_id: 'A1' }),
      ev({ kind: 'group', key: 'a/g', event: 'attempt' }),
      ev({ kind: 'group', key: 'a/g', event: 'created', chat_id: 'K1', group_id: 'G1', share_url: 'https://s/g1' }),
      ev({ kind: 'group', key: 'a/g', event: 'attempt', run: 'run-2' }),
      ev({ kind: 'group', key: 'a/g', event: 'created', run: 'run-2', chat_id: 'K2', group_id: 'G2' }),
      ev({ kind: 'group', key: 'a/g', event: 'created', run: 'run-3', chat_id: 'K3', group_id: 'G3' }),
      ev({ key: 'b', event: 'created', community_id: 'B1' }),
      ev({ key: 'b', event: 'created', run: 'run-2', community_id: 'B2' }),
      // Another item's id on c's answer: recorded as a conflict, its id kept.
      ev({ key: 'c', event: 'created', community_id: 'A1' }),
      ev({ key: 'c', event: 'conflict', community_id: 'A1', held_by: 'community a', message: 'held by community a' }),
    );

  it('keeps a line for every created answer that disagrees with a later one; replay still ends on the latest', async () => {
    const path = await tempLedger();
    await writeFile(path, disagreeing());
    const before = await readLedger(path);
    const result = await compactLedger(path);
    const text = await readFile(path, 'utf8');
    for (const id of ['G1', 'G2', 'G3', 'K1', 'K2', 'K3', 'B1', 'B2', 'https://s/g1']) expect(text).toContain(`"${id}"`);
    const after = await readLedger(path);
    expect(snapshot(after)).toEqual(snapshot(before));
    expect(after.get('group', 'a/g')).toMatchObject({ status: 'created', chat_id: 'K3', group_id: 'G3' });
    expect(after.get('group', 'a/g')!.earlier!.map((e) => e.group_id)).toEqual(['G1', 'G2']);
    expect(after.get('community', 'b')).toMatchObject({ status: 'created', community_id: 'B2' });
    expect(after.get('community', 'c')).toMatchObject({ status: 'conflict', community_id: 'A1', held_by: 'community a' });
    // The id c carried is a's, never a name for c.
    expect(after.handleOf('A1')).toBe('a');
    expect(result).toMatchObject({ linesBefore: 10, items: 4 });
    // Compacting again changes nothing.
    const again = await compactLedger(path);
    expect(again.linesAfter).toBe(result.linesAfter);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it("the self-check sees a dropped id: one line per item (today's compaction) would change the state", async () => {
    const path = await tempLedger();
    await writeFile(path, disagreeing());
    const before = await readLedger(path);
    const onePerItem = await tempLedger();
    await writeFile(onePerItem, lines(...[...before.items.values()].map((s) => ev({ at: s.updated_at, run: s.run, attempts: s.attempts || undefined, kind: s.kind, key: s.key, event: s.status!, share_url: s.share_url, community_id: s.community_id, chat_id: s.chat_id, group_id: s.group_id, held_by: s.held_by }))));
    expect(difference(before, await readLedger(onePerItem))).toMatch(/ids it held earlier/);
  });

  it('a community created with an id another community holds replays as a conflict even without its conflict line (a run killed between the two)', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(ev({ key: 'a', event: 'created', community_id: 'A1' }), ev({ key: 'c', event: 'created', community_id: 'A1' })));
    const state = await readLedger(path);
    expect(state.get('community', 'c')).toMatchObject({ status: 'conflict', community_id: 'A1', held_by: 'community a' });
    expect(state.handleOf('A1')).toBe('a');
    await compactLedger(path);
    expect(snapshot(await readLedger(path))).toEqual(snapshot(state));
  });
});
