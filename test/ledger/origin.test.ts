// The ledger's origin (the API it belongs to) and its other meta lines: normalised, checked,
// replayed and kept by compaction.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { compactLedger } from '../../src/ledger/compact.js';
import { apiOrigin, checkOrigin, SIMULATOR_ORIGIN } from '../../src/ledger/origin.js';
import { emptyLedgerState, readLedger } from '../../src/ledger/replay.js';
import { ev, lines, tempLedger } from './helpers.js';

const NOW = new Date('2026-11-02T00:00:00.000Z');
const meta = (api: string, at = '2026-10-01T00:00:00.000Z') => JSON.stringify({ at, event: 'ledger', api, format: 3 }) + '\n';
const observed = (honoured: boolean, run = 'run-1') =>
  JSON.stringify({ at: '2026-10-01T00:00:01.000Z', run, event: 'observed', chat_id_honoured: honoured }) + '\n';

describe('apiOrigin', () => {
  it.each([
    ['https://api.begenuin.com', 'https://api.begenuin.com'],
    ['HTTPS://API.BeGenuin.com:443/', 'https://api.begenuin.com'],
    ['https://api.begenuin.com:8443/v1/', 'https://api.begenuin.com:8443/v1'],
    ['http://127.0.0.1:80//', 'http://127.0.0.1'],
    ['http://127.0.0.1:4100/api?x=1#f', 'http://127.0.0.1:4100/api'],
    ['https://api.begenuin.com/V1', 'https://api.begenuin.com/V1'], // a path's case is the server's business
    [SIMULATOR_ORIGIN, 'simulator'],
  ])('%s -> %s', (url, origin) => {
    expect(apiOrigin(url)).toBe(origin);
  });
});

describe('checkOrigin', () => {
  it('a new ledger records the API as its first line', () => {
    expect(checkOrigin('l.jsonl', emptyLedgerState(), 'https://a', NOW)).toEqual({
      action: 'record',
      line: { at: NOW.toISOString(), event: 'ledger', api: 'https://a', format: 3 },
    });
  });

  it('the same API is fine; another is refused naming both and what to do', async () => {
    const path = await tempLedger();
    await writeFile(path, meta('https://staging.example') + lines(ev({ key: 'a', event: 'created', community_id: 'A' })));
    const state = await readLedger(path);
    expect(checkOrigin(path, state, 'https://staging.example')).toEqual({ action: 'none' });
    const error = (() => {
      try {
        return checkOrigin(path, state, 'https://prod.example');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toBe(
      `ledger ${path} belongs to API https://staging.example, but this run is against https://prod.example; nothing was sent: use one ledger per environment (--ledger or GENUIN_LEDGER)`,
    );
  });

  it('a ledger written before origins adopts the run\'s API, with a notice', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(ev({ key: 'a', event: 'created', community_id: 'A' })));
    expect(checkOrigin(path, await readLedger(path), 'https://a', NOW)).toEqual({
      action: 'adopt',
      line: { at: NOW.toISOString(), event: 'ledger', api: 'https://a', format: 3 },
      notice: `ledger ${path} had no API recorded; it now belongs to https://a`,
    });
  });
});

describe('replay of meta lines', () => {
  it('keeps the API and the latest observation, anywhere in the file; items are unaffected', async () => {
    const path = await tempLedger();
    await writeFile(
      path,
      meta('https://a') +
        lines(ev({ key: 'a', event: 'created', community_id: 'A' })) +
        observed(false) +
        meta('https://a', '2026-10-03T00:00:00.000Z') + // the same API again (e.g. ledgers joined by hand): fine
        lines(ev({ kind: 'group', key: 'a/g', event: 'created', group_id: 'G' })) +
        observed(true, 'run-2'),
    );
    const state = await readLedger(path);
    expect(state.api).toBe('https://a');
    expect(state.origin?.at).toBe('2026-10-01T00:00:00.000Z');
    expect(state.chatIdsHonoured).toBe(true);
    expect(state.observed?.run).toBe('run-2');
    expect(state.lines).toBe(2);
    expect(state.items.size).toBe(2);
  });

  it.each([
    ['{"at":"x","event":"ledger","format":2}', /:1: corrupt line \("api" is not a non-empty string\)/],
    ['{"at":"x","event":"ledger","api":"https://a"}', /:1: corrupt line \("format" is not an integer\)/],
    ['{"at":"x","event":"observed","chat_id_honoured":"yes","run":"r"}', /:1: corrupt line \("chat_id_honoured" is not true or false\)/],
    ['{"at":"x","event":"ledger","api":"https://a","format":4}', /:1: written in format 4 by a newer genuin-provision/],
    ['{"at":"x","event":"metadata"}', /:1: corrupt line \(unknown event "metadata"\)/],
  ])('refuses %s', async (line, message) => {
    const path = await tempLedger();
    await writeFile(path, line + '\n' + lines(ev({ key: 'a', event: 'created' })));
    await expect(readLedger(path)).rejects.toThrow(message);
  });

  it('refuses a ledger that names two APIs', async () => {
    const path = await tempLedger();
    await writeFile(path, meta('https://a') + lines(ev({ key: 'a', event: 'created' })) + meta('https://b'));
    await expect(readLedger(path)).rejects.toThrow(
      new LedgerError(`ledger ${path}:3: names API https://b, but line 1 names https://a; a ledger belongs to one API: split it by hand`),
    );
  });
});

describe('compaction keeps the meta lines', () => {
  it('the API line first, then the latest observation, then the items', async () => {
    const path = await tempLedger();
    await writeFile(
      path,
      meta('https://a') +
        observed(true) +
        lines(ev({ key: 'a', event: 'attempt' }), ev({ key: 'a', event: 'created', community_id: 'A' })) +
        observed(false, 'run-2'),
    );
    await compactLedger(path);
    const state = await readLedger(path);
    expect(state.api).toBe('https://a');
    expect(state.chatIdsHonoured).toBe(false);
    const out = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((l) => l.event)).toEqual(['ledger', 'observed', 'created']);
    expect(out[0]).toEqual({ at: '2026-10-01T00:00:00.000Z', event: 'ledger', api: 'https://a', format: 3 });
    expect(out[1]).toMatchObject({ run: 'run-2', chat_id_honoured: false });
  });
});
