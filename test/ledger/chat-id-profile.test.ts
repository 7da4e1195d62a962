// The chat_id profile in the ledger: replay keeps the latest proof with its source, compaction
// keeps it, a malformed one is corrupt; and the rule of which answers can be proof at all.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { notProof, parseChatIdSetting, profileOf } from '../../src/api/chat-id-profile.js';
import { compactLedger } from '../../src/ledger/compact.js';
import { readLedger } from '../../src/ledger/replay.js';
import { holdProfile } from '../../src/run/chat-id-trust.js';
import { ev, lines, tempLedger } from './helpers.js';

const origin = (format: number) => JSON.stringify({ at: '2026-12-01T00:00:00.000Z', event: 'ledger', api: 'https://api.example.com', format });
const proof = (o: Record<string, unknown>) => JSON.stringify({ at: '2026-12-02T00:00:00.000Z', run: 'probe-1', event: 'observed', ...o });

describe('the chat_id profile in the ledger', () => {
  it('replay keeps the latest proof and its source; a later ledger line raises the format', async () => {
    const path = await tempLedger();
    await writeFile(
      path,
      [
        origin(2),
        proof({ chat_id_unique: false, source: 'setting', evidence: 'given as GENUIN_CHAT_ID_EXISTS=none' }),
        origin(3),
        proof({ chat_id_unique: true, chat_id_exists: { status: 409, code: '5230' }, source: 'probe', evidence: 'probe in community c' }),
        proof({ rate: 12 }),
      ].join('\n') + '\n' + lines(ev({ key: 'a', event: 'created', community_id: 'A1' })),
    );
    const state = await readLedger(path);
    expect(state.origin?.format).toBe(3);
    expect(profileOf(state.profileObserved)).toMatchObject({ unique: true, exists: { status: 409, code: '5230' }, source: 'probe', evidence: 'probe in community c' });
    expect(state.rateFound).toBe(12);
  });

  it('compaction keeps the profile line', async () => {
    const path = await tempLedger();
    await writeFile(path, [origin(3), proof({ chat_id_unique: true, chat_id_exists: { status: 409 }, source: 'setting' }), proof({ chat_id_honoured: true, rate: 3 })].join('\n') + '\n' + lines(ev({ key: 'a', event: 'created', community_id: 'A1' }), ev({ key: 'b', event: 'created', community_id: 'B1' })));
    await compactLedger(path);
    const state = await readLedger(path);
    expect(profileOf(state.profileObserved)).toMatchObject({ unique: true, exists: { status: 409 }, source: 'setting' });
    expect(state.chatIdsHonoured).toBe(true);
    expect(await readFile(path, 'utf8')).toContain('"chat_id_unique":true');
  });

  it.each([
    [{ chat_id_unique: 'yes' }, /"chat_id_unique" is not true or false/],
    [{ chat_id_unique: true }, /"chat_id_exists" is not \{status, code\?\}/],
    [{ chat_id_unique: true, chat_id_exists: { status: 409 }, source: 'support' }, /"source" is not probe or setting/],
  ])('a malformed profile line is corrupt, never guessed past: %j', async (line, why) => {
    const path = await tempLedger();
    await writeFile(path, [origin(3), proof(line), ''].join('\n') + lines(ev({ key: 'a', event: 'created', community_id: 'A1' })));
    await expect(readLedger(path)).rejects.toThrow(why);
  });
});

describe('which answers can prove "this chat_id exists"', () => {
  it.each([
    [{ status: 409, code: '5230' }, undefined],
    [{ status: 409 }, undefined],
    [{ status: 422 }, undefined],
    [{ status: 500, code: '5231' }, undefined],
    [{ status: 500 }, /unexpected server fault/],
    [{ status: 502 }, /unexpected server fault/],
    [{ status: 400 }, /other errors/],
    [{ status: 404 }, /other errors/],
    [{ status: 412, code: '5166' }, /documented for another error/],
    [{ status: 500, code: '5216' }, /documented for another error/],
    [{ status: 429 }, /did not take the request/],
    [{ status: 503 }, /did not take the request/],
    [{ status: 401 }, /access token/],
    [{ status: 200 }, /not a refusal/],
  ])('%j -> %s', (answer, why) => {
    const said = notProof(answer);
    if (why === undefined) expect(said).toBeUndefined();
    else expect(said).toMatch(why);
  });

  it('a setting is parsed, and a contradiction with the ledger named with both sources', () => {
    expect(parseChatIdSetting(' 409:5230 ', '--chat-id-exists')).toMatchObject({ unique: true, exists: { status: 409, code: '5230' }, evidence: 'given as --chat-id-exists 409:5230' });
    expect(parseChatIdSetting('NONE', 'GENUIN_CHAT_ID_EXISTS')).toMatchObject({ unique: false, evidence: 'given as GENUIN_CHAT_ID_EXISTS=NONE' });
    const probed = { at: '2026-12-02T00:00:00.000Z', run: 'p', event: 'observed' as const, chat_id_unique: false, source: 'probe' as const };
    expect(() => holdProfile(probed, parseChatIdSetting('409:5230', 'GENUIN_CHAT_ID_EXISTS'), 'l.jsonl', 'r')).toThrow(
      /GENUIN_CHAT_ID_EXISTS says a repeated chat_id is refused with HTTP 409 code 5230, but ledger l.jsonl records \(probe of 2026-12-02T00:00:00.000Z\) that a repeated chat_id is not refused/,
    );
    // The same finding from both: the ledger's stands, nothing to record.
    expect(holdProfile(probed, parseChatIdSetting('none', '--chat-id-exists'), 'l.jsonl', 'r')).toEqual({ profile: profileOf(probed) });
    // A setting on a ledger without one is recorded, with where it came from.
    expect(holdProfile(undefined, parseChatIdSetting('409', '--chat-id-exists'), 'l.jsonl', 'r').record).toMatchObject({ event: 'observed', chat_id_unique: true, chat_id_exists: { status: 409 }, source: 'setting', evidence: 'given as --chat-id-exists 409' });
  });
});
