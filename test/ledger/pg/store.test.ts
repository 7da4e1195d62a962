// The PostgreSQL ledger store against a real server (a throwaway cluster on loopback): the same
// state as the file for the same lines, group commit, the advisory lock, a lost session, schema versions.
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../../src/errors.js';
import { compactLedger } from '../../../src/ledger/compact.js';
import { compactPgLedger } from '../../../src/ledger/pg/compact.js';
import type { LedgerLine } from '../../../src/ledger/event.js';
import { fileLedgerStore } from '../../../src/ledger/file-store.js';
import { LockHeldError } from '../../../src/ledger/lock.js';
import { rememberPgUrl } from '../../../src/ledger/pg/url.js';
import { acquirePgLock } from '../../../src/ledger/pg/lock.js';
import type { LedgerState } from '../../../src/ledger/replay.js';
import { ledgerStore } from '../../../src/ledger/open.js';
import { ev, tempLedger } from '../helpers.js';
import { PG_PASSWORD, pgSkipReason, startPgCluster, TEST_CA, type PgCluster } from '../../helpers/pg-cluster.js';

let cluster: PgCluster;
beforeAll(async () => {
  if (!pgSkipReason) cluster = await startPgCluster({ tls: true });
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

/** The items of a state as plain objects, for comparing two stores' replays. */
function snapshot(state: LedgerState) {
  return { items: [...state.items.values()].map((s) => ({ ...s })), lines: state.lines, runs: state.runs, api: state.api, honoured: state.chatIdsHonoured };
}

const sample = (): LedgerLine[] => [
  { at: '2026-11-01T00:00:00.000Z', event: 'ledger', api: 'https://api.example.com/v1', format: 2 },
  ev({ key: 'alpha', event: 'attempt', attempt: 1 }),
  ev({ key: 'alpha', event: 'created', community_id: 'c-1' }),
  ev({ key: 'alpha/g1', kind: 'group', event: 'attempt', attempt: 1, chat_id: 'chat-1' }),
  { at: '2026-11-01T00:00:05.000Z', run: 'run-1', event: 'observed', chat_id_honoured: true },
  ev({ key: 'alpha/g1', kind: 'group', event: 'in_doubt', status: 502, message: 'Bad Gateway', chat_id: 'chat-1' }),
  ev({ key: 'beta "quoted" ü', event: 'failed', status: 400, code: '1001', message: 'bad' }),
  ev({ key: 'alpha/g2', kind: 'group', event: 'attempt', attempt: 1 }),
];

describe.skipIf(pgSkipReason)('PostgreSQL ledger store', () => {
  it('a new database is an empty ledger that does not exist yet; the first lock creates the tables', async () => {
    const store = ledgerStore(await cluster.createDatabase());
    expect(await store.exists()).toBe(false);
    expect((await store.read()).items.size).toBe(0);
    const held = await store.lock();
    await held.release();
    expect(await store.exists()).toBe(false);
    const db = new URL(store.name).pathname.slice(1);
    expect(await cluster.query(db, 'SELECT version FROM genuin_provision.schema_version')).toEqual([{ version: 1 }]);
  });

  it('replays to the same state as the file ledger with the same lines, and exports the same bytes', async () => {
    const url = await cluster.createDatabase();
    const path = await tempLedger();
    const file = fileLedgerStore(path);
    const pg = ledgerStore(url);
    const lines = sample();
    for (const store of [file, pg]) {
      const held = await store.lock();
      const writer = await held.openWriter();
      await Promise.all(lines.map((l) => writer.append(l)));
      await writer.close();
      await held.release();
    }
    expect(snapshot(await pg.read())).toEqual(snapshot(await file.read()));
    const exported: string[] = [];
    for await (const line of pg.lines()) exported.push(line);
    expect(exported.join('\n') + '\n').toBe(await readFile(path, 'utf8'));
    expect(await pg.exists()).toBe(true);
    expect((await pg.history('alpha/g1', 'group')).map((e) => e.event)).toEqual(['attempt', 'in_doubt']);
    expect(await pg.history('alpha/g1', 'community')).toEqual([]);
  });

  it('export pages: 12,345 lines come back in ledger order (seq as a number, not as text)', async () => {
    const pg = ledgerStore(await cluster.createDatabase());
    const held = await pg.lock();
    const lines = Array.from({ length: 12_345 }, (_, i) => JSON.stringify(ev({ key: `k${i}`, event: 'attempt' })));
    await held.appendText(lines);
    await held.release();
    const exported: string[] = [];
    for await (const line of pg.lines()) exported.push(line);
    expect(exported).toEqual(lines);
    expect((await pg.read()).items.size).toBe(12_345);
  });

  it('group commit: appends made while a commit is in flight share the next one', async () => {
    const held = await ledgerStore(await cluster.createDatabase()).lock();
    const writer = await held.openWriter();
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.append(ev({ key: `k${i}`, event: 'created', community_id: `c${i}` }))));
    await writer.close();
    expect(writer.stats.lines).toBe(200);
    expect(writer.stats.fsyncs).toBeLessThan(5);
    expect((await held.read()).items.size).toBe(200);
    await held.release();
  });

  it('one run per ledger: a second lock is refused naming this process, and is free again once released', async () => {
    const store = ledgerStore(await cluster.createDatabase());
    const first = await store.lock();
    const refused = await store.lock().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as Error).message).toMatch(new RegExp(`^ledger postgres://postgres@127\\.0\\.0\\.1:\\d+/\\w+ is in use by pid ${process.pid} on \\S+ since \\d{4}-`));
    await first.release();
    await (await store.lock()).release();
  });

  it('the lock session asks the server to probe its client (a vanished host frees the lock in about 25 s, not 2 h)', async () => {
    const url = await cluster.createDatabase();
    const lock = await acquirePgLock({ name: 'test', url });
    try {
      const { rows } = await lock.client.query('SELECT current_setting($1) AS idle, current_setting($2) AS every, current_setting($3) AS count', ['tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count']);
      expect(rows[0]).toEqual({ idle: '10', every: '5', count: '3' });
    } finally {
      await lock.release();
    }
  });

  it('a killed session loses the lock at once (onLost), appends are refused, and the lock is free for the next run', async () => {
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    const store = ledgerStore(url);
    let lostReason: string | undefined;
    const held = await store.lock({ onLost: (r) => (lostReason = r), watchIntervalMs: 50 });
    const writer = await held.openWriter();
    await writer.append(ev({ key: 'before', event: 'created', community_id: 'c0' }));
    expect(await cluster.terminate(db, 'genuin-provision%')).toBe(1);
    while (lostReason === undefined) await new Promise((r) => setTimeout(r, 10));
    expect(lostReason).toMatch(/connection to ledger .* holding its lock was lost/);
    const refused = await writer.append(ev({ key: 'after', event: 'created', community_id: 'c1' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LedgerError);
    await expect(held.assertHeld()).rejects.toThrow(/another process may be using this ledger/);
    await held.release();
    const next = await store.lock();
    expect([...(await next.read()).items.keys()]).toEqual(['c\tbefore']);
    await next.release();
  });

  it('a server restart mid-run is a lost lock too; the ledger is whole after it', async () => {
    const store = ledgerStore(await cluster.createDatabase());
    let lost = false;
    const held = await store.lock({ onLost: () => (lost = true), watchIntervalMs: 50 });
    const writer = await held.openWriter();
    await writer.append(ev({ key: 'kept', event: 'created', community_id: 'c0' }));
    await cluster.restart();
    while (!lost) await new Promise((r) => setTimeout(r, 10));
    await expect(writer.append(ev({ key: 'x', event: 'created' }))).rejects.toBeInstanceOf(LedgerError);
    await held.release();
    expect((await store.read()).get('community', 'kept')?.community_id).toBe('c0');
  });

  it('import text: all lines as given in one transaction, torn text included', async () => {
    const store = ledgerStore(await cluster.createDatabase());
    const held = await store.lock();
    const lines = [JSON.stringify(ev({ key: 'a', event: 'created', community_id: 'c' })), '{"torn', JSON.stringify({ at: 'x', event: 'torn_line_above' })];
    await held.appendText(lines);
    await held.release();
    const warnings: string[] = [];
    const state = await store.read({ onWarning: (w) => warnings.push(w) });
    expect(state.torn).toEqual([{ line: 2, text: '{"torn' }]);
    expect(warnings[0]).toMatch(/ignoring torn line 2/);
  });

  it('compact: the same lines as the file compaction, in one transaction under the lock; refused while a run holds it', async () => {
    const url = await cluster.createDatabase();
    const store = ledgerStore(url);
    const path = await tempLedger();
    const texts = [
      ...sample().map((l) => JSON.stringify(l)),
      '{"torn half an id c-9',
      JSON.stringify({ at: '2026-11-01T01:00:00.000Z', event: 'torn_line_above' }),
      JSON.stringify(ev({ key: 'alpha', event: 'exists', run: 'run-2', status: 409 })),
      JSON.stringify(ev({ key: 'gamma', event: 'attempt' })),
      JSON.stringify(ev({ key: 'gamma', event: 'attempt', run: 'run-2' })),
    ];
    await writeFile(path, texts.join('\n') + '\n');
    const held = await store.lock();
    await held.appendText(texts);
    // A run holds the ledger: compaction is refused and changes nothing.
    await expect(compactPgLedger(url)).rejects.toBeInstanceOf(LockHeldError);
    await held.release();
    const before = snapshot(await store.read());
    const now = () => new Date('2026-11-02T00:00:00.000Z');
    const result = await compactPgLedger(url, { now });
    expect(result).toEqual(await compactLedger(path, { now }));
    // Six: the in-doubt group keeps an attempt line with the chat_id it was sent (its resend uses it).
    expect(result).toMatchObject({ linesBefore: 9, linesAfter: 6, items: 5, torn: 1 });
    expect(snapshot(await store.read())).toEqual({ ...before, lines: result.linesAfter });
    const exported: string[] = [];
    for await (const line of store.lines()) exported.push(line);
    expect(exported.join('\n') + '\n').toBe(await readFile(path, 'utf8'));
    const db = new URL(url).pathname.slice(1);
    expect(await cluster.query(db, 'SELECT count(*)::int AS n FROM genuin_provision.ledger_lines')).toEqual([{ n: exported.length }]);
  });

  it('compact keeps every created line that disagrees with a later one (no id dropped), as the file compaction does', async () => {
    const url = await cluster.createDatabase();
    const store = ledgerStore(url);
    const path = await tempLedger();
    const texts = [
      ev({ key: 'a', event: 'created', community_id: 'A1' }),
      ev({ kind: 'group', key: 'a/g', event: 'created', chat_id: 'K1', group_id: 'G1' }),
      ev({ kind: 'group', key: 'a/g', event: 'created', run: 'run-2', chat_id: 'K2', group_id: 'G2' }),
      ev({ key: 'c', event: 'conflict', community_id: 'A1', held_by: 'community a' }),
    ].map((l) => JSON.stringify(l));
    await writeFile(path, texts.join('\n') + '\n');
    const held = await store.lock();
    await held.appendText(texts);
    await held.release();
    const before = snapshot(await store.read());
    const now = () => new Date('2026-11-02T00:00:00.000Z');
    const result = await compactPgLedger(url, { now });
    expect(result).toEqual(await compactLedger(path, { now }));
    const exported: string[] = [];
    for await (const line of store.lines()) exported.push(line);
    expect(exported.join('\n') + '\n').toBe(await readFile(path, 'utf8'));
    for (const id of ['G1', 'G2', 'K1', 'K2']) expect(exported.join('\n')).toContain(`"${id}"`);
    const after = await store.read();
    expect(snapshot(after)).toEqual({ ...before, lines: result.linesAfter });
    expect(after.get('group', 'a/g')).toMatchObject({ chat_id: 'K2', group_id: 'G2' });
    expect(after.get('community', 'c')).toMatchObject({ status: 'conflict', held_by: 'community a' });
  });

  it('refuses tables written by a newer version, before reading or locking', async () => {
    const url = await cluster.createDatabase();
    const store = ledgerStore(url);
    await (await store.lock()).release();
    await cluster.query(new URL(url).pathname.slice(1), 'INSERT INTO genuin_provision.schema_version (version) VALUES (99)');
    await expect(store.read()).rejects.toThrow(/schema version 99, written by a newer genuin-provision/);
    await expect(store.lock()).rejects.toThrow(/schema version 99/);
  });

  it('never shows the password: the display form drops it, connection errors do not carry it', async () => {
    const url = await cluster.createDatabase();
    const shown = rememberPgUrl(url);
    expect(shown).not.toContain(PG_PASSWORD);
    expect(shown).toBe(url.replace(`:${PG_PASSWORD}`, ''));
    // The display form connects with the remembered password.
    expect((await ledgerStore(shown).read()).lines).toBe(0);
    const wrong = ledgerStore(url.replace(PG_PASSWORD, `${PG_PASSWORD}-wrong`));
    const error = (await wrong.read().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(LedgerError);
    expect(error.message).toMatch(/^cannot connect to ledger postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: password authentication failed/);
    expect(error.message).not.toContain(PG_PASSWORD);
    const gone = ledgerStore(url.replace(/\/\w+$/, '/no_such_db'));
    const e2 = (await gone.lock().catch((e: unknown) => e)) as Error;
    expect(e2.message).toMatch(/database "no_such_db" does not exist/);
    expect(e2.message).not.toContain(PG_PASSWORD);
  });

  it('TLS through sslmode in the URL: verify-full with the CA connects; without it the certificate is refused, in one line', async () => {
    const url = await cluster.createDatabase();
    const verified = ledgerStore(`${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(TEST_CA)}`);
    await (await verified.lock()).release();
    expect(await verified.exists()).toBe(false);
    const db = new URL(url).pathname.slice(1);
    const untrusted = (await ledgerStore(`${url}?sslmode=verify-full`).read().catch((e: unknown) => e)) as Error;
    expect(untrusted).toBeInstanceOf(LedgerError);
    expect(untrusted.message).toMatch(new RegExp(`^cannot connect to ledger postgres://postgres@127\\.0\\.0\\.1:\\d+/${db}\\?sslmode=verify-full: (unable to verify the first certificate|self[- ]signed certificate)`));
    expect(untrusted.message).not.toContain(PG_PASSWORD);
  });
});
