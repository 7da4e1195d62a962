import { readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { TORN_MARKER_EVENT } from '../../src/ledger/event.js';
import { readLedger } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { ev, lines, tempLedger } from './helpers.js';

describe('LedgerWriter', () => {
  it('creates the file with mode 0600', async () => {
    const path = await tempLedger();
    const w = await LedgerWriter.open(path);
    await w.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('group-commits concurrent appends: every waiter resolves, every line is on disk', async () => {
    const path = await tempLedger();
    const w = await LedgerWriter.open(path);
    const n = 500;
    const events = Array.from({ length: n }, (_, i) => ev({ key: `c${i}`, event: 'attempt', attempt: 1 }));
    await Promise.all(events.map((e) => w.append(e)));
    const { lines: written, fsyncs } = w.stats;
    expect(written).toBe(n);
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    expect(fsyncs).toBeLessThan(n / 10); // batched, not one fsync per line
    // Durable before close: read it while the writer is still open.
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual(events);
    await w.close();
  });

  it('batches appends that arrive while a write is in flight', async () => {
    const path = await tempLedger();
    let writes = 0;
    let releaseFirst!: () => void;
    const firstWrite = new Promise<void>((r) => (releaseFirst = r));
    const w = await LedgerWriter.open(path, {
      sink: (h) => ({
        write: async (b, o, l) => {
          if (writes++ === 0) await firstWrite;
          return h.write(b, o, l);
        },
        datasync: () => h.datasync(),
        close: () => h.close(),
      }),
    });
    const first = w.append(ev({ key: 'a', event: 'attempt' }));
    await new Promise((r) => setImmediate(r)); // the first batch is now stuck in write
    const later = [1, 2, 3, 4].map((i) => w.append(ev({ key: `b${i}`, event: 'attempt' })));
    releaseFirst();
    await Promise.all([first, ...later]);
    expect(w.stats).toMatchObject({ lines: 5, fsyncs: 2 });
    expect(writes).toBe(2);
    await w.close();
  });

  it('rejects the batch that failed and every later append with a LedgerError', async () => {
    const path = await tempLedger();
    let fail = false;
    const w = await LedgerWriter.open(path, {
      sink: (h) => ({
        write: (b, o, l) => h.write(b, o, l),
        datasync: () => (fail ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : h.datasync()),
        close: () => h.close(),
      }),
    });
    await w.append(ev({ key: 'ok', event: 'attempt' }));
    fail = true;
    const failing = w.append(ev({ key: 'lost', event: 'attempt' }));
    await expect(failing).rejects.toThrow(LedgerError);
    await expect(failing).rejects.toThrow(`cannot write ledger ${path}: EIO: i/o error`);
    fail = false; // even once the disk recovers, the writer stays failed: no silent gap
    await expect(w.append(ev({ key: 'after', event: 'attempt' }))).rejects.toThrow(LedgerError);
    await w.close();
  });

  it('handles short writes', async () => {
    const path = await tempLedger();
    const w = await LedgerWriter.open(path, {
      sink: (h) => ({
        write: (b, o, l) => h.write(b, o, Math.min(l, 7)),
        datasync: () => h.datasync(),
        close: () => h.close(),
      }),
    });
    const events = [ev({ key: 'x', event: 'attempt' }), ev({ key: 'x', event: 'created', community_id: 'id-1' })];
    await Promise.all(events.map((e) => w.append(e)));
    await w.close();
    expect(await readFile(path, 'utf8')).toBe(lines(...events));
  });

  it('rejects appends after close', async () => {
    const path = await tempLedger();
    const w = await LedgerWriter.open(path);
    const pending = w.append(ev({ key: 'a', event: 'attempt' }));
    await w.close(); // flushes what was appended before
    await pending;
    await expect(w.append(ev({ key: 'b', event: 'attempt' }))).rejects.toThrow(/closed/);
    expect((await readLedger(path)).lines).toBe(1);
  });

  it('appends to an existing ledger without touching it', async () => {
    const path = await tempLedger();
    const before = lines(ev({ key: 'a', event: 'created', community_id: '1' }));
    await writeFile(path, before);
    const w = await LedgerWriter.open(path);
    const next = ev({ key: 'b', event: 'attempt' });
    await w.append(next);
    await w.close();
    expect(await readFile(path, 'utf8')).toBe(before + lines(next));
  });

  it('ends a complete last line that lost only its newline, without a marker', async () => {
    const path = await tempLedger();
    const a = ev({ key: 'a', event: 'created', community_id: '1' });
    await writeFile(path, JSON.stringify(a));
    const w = await LedgerWriter.open(path);
    const b = ev({ key: 'b', event: 'attempt' });
    await w.append(b);
    await w.close();
    expect(await readFile(path, 'utf8')).toBe(lines(a, b));
  });

  it('starts on a fresh line after a torn last line, and marks it so later replays accept it', async () => {
    const path = await tempLedger();
    const a = ev({ key: 'a', event: 'created', community_id: '1' });
    const torn = JSON.stringify(ev({ key: 'b', event: 'created', community_id: '2' })).slice(0, 50);
    await writeFile(path, lines(a) + torn);
    const warnings: string[] = [];
    await readLedger(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`ledger ${path}: ignoring torn last line 2 (an interrupted write)`]);

    const w = await LedgerWriter.open(path);
    const c = ev({ key: 'c', event: 'created', community_id: '3' });
    await w.append(c);
    await w.close();

    const text = await readFile(path, 'utf8');
    const [l1, l2, l3, l4, rest] = text.split('\n');
    expect([l1, l2]).toEqual([JSON.stringify(a), torn]); // the torn line is kept as found
    expect(JSON.parse(l3!).event).toBe(TORN_MARKER_EVENT);
    expect(JSON.parse(l4!)).toEqual(c);
    expect(rest).toBe('');

    warnings.length = 0;
    const state = await readLedger(path, { onWarning: (m) => warnings.push(m) });
    expect([...state.items.values()].map((s) => s.key)).toEqual(['a', 'c']);
    expect(state.torn).toEqual([{ line: 2, text: torn }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^ledger ${path}: ignoring torn line 2 \\(an interrupted write`));

    // A second writer does not mark it again.
    const w2 = await LedgerWriter.open(path);
    await w2.close();
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});
