// The executor's answer handling as a table: one item (a community, or a group whose parent id
// is known) × the server's answers in turn → sends, the item's ledger lines, its summary count.
// In memory: a scripted Sender (fake-server.ts), a ledger sink in an array, a fake clock, no backoff.
import { describe, expect, it } from 'vitest';
import type { RawResult } from '../../src/api/outcome.js';
import type { ItemKind } from '../../src/api/schema.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { deriveChatId } from '../../src/plan/chat-id.js';
import { PlanBuilder, type Plan } from '../../src/plan/plan.js';
import { Executor, type ExecutorOptions, type Sender } from '../../src/run/executor.js';
import { emptyTally, type RunSummary } from '../../src/run/summary.js';
import { REASON, type TallyKey } from '../../src/status.js';
import { FakeServer, MemoryLedger, network, response, type Answer } from './fake-server.js';

const PARENT_ID = 'c-1';
const KEY: Record<ItemKind, string> = { community: 'c0', group: `${PARENT_ID}/Talk` };

const ok = 'ok' as const;
const r = response;
const refused = network(false);
const timeout: RawResult = { type: 'network', code: 'ETIMEDOUT', message: 'timeout after the request was written', sent: true };
const proxy403: RawResult = { type: 'network', code: 'ERR_PROXY_CONNECT', message: 'the proxy answered HTTP 403 to CONNECT', sent: false, proxyStatus: 403 };
const proxy502: RawResult = { type: 'network', code: 'ERR_PROXY_CONNECT', message: 'the proxy answered HTTP 502 to CONNECT', sent: false, proxyStatus: 502 };
const noHost: RawResult = { type: 'network', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND api.example.invalid', sent: false };
const tls: RawResult = { type: 'network', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain', sent: false };
const r429 = r(429, {}, '0'); // Retry-After 0: the pause the 429 starts ends at once
const unusable200 = r(200, { code: 200 }); // a 200 without the created data
const html500 = r(500, undefined);
const known = (status: number, code: string) => r(status, { code, message: `server says ${code}` });

const refresh = { refreshToken: async () => undefined };
const honoured = { chatIdsHonoured: true };
/** The API proven (a probe, a setting) to refuse a repeated chat_id with 409 5230. */
const proven = { chatIdExists: { status: 409, code: '5230' } };

/** How a run ends when an answer is about the setup: the error it rejects with. */
type Stops = 'AuthError' | 'ConnectionError';

// kind | what the server answers, in turn | options | sends | the item's ledger lines (`event:status`) | count (or the error the run stops with)
type Row = [ItemKind, string, Answer[], Partial<ExecutorOptions>, number, string, TallyKey | Stops];
const ROWS: Row[] = [
  // A community's lost answer (502, 504, an HTML 500, an unusable 200, a timeout after the request
  // was written) is resent at once, its handle making that safe; its line says in doubt, so a run
  // stopped before the resend never leaves a plain failure for a community that may exist.
  ['community', '200',                                  [ok],                                {},                   1, 'attempt created',                                               'created'],
  ['community', '503, then 200',                        [r(503), ok],                        {},                   2, 'attempt failed:503 attempt created',                            'created'],
  ['community', '503 until retries run out',            [r(503), r(503), r(503)],            {},                   3, 'attempt failed:503 attempt failed:503 attempt failed:503',      'failed'],
  ['community', '502, then 200',                        [r(502), ok],                        {},                   2, 'attempt in_doubt:502 attempt created',                          'created'],
  ['community', '504, then 500 5216 (ours, made)',      [r(504), known(500, '5216')],        {},                   2, 'attempt in_doubt:504 attempt exists:500',                         'exists'],
  ['community', '500 with an HTML page, then 200',      [html500, ok],                       {},                   2, 'attempt in_doubt:500 attempt created',                          'created'],
  ['community', 'a 200 without the data, then 200',     [unusable200, ok],                   {},                   2, 'attempt in_doubt:200 attempt created',                          'created'],
  ['community', '500 5216 (exists)',                    [known(500, '5216')],                {},                   1, 'attempt exists:500',                                            'exists'],
  ['community', '404 5220',                             [known(404, '5220')],                {},                   1, 'attempt failed:404',                                            'failed'],
  ['community', '412 5166',                             [known(412, '5166')],                {},                   1, 'attempt failed:412',                                            'failed'],
  ['community', '500 5026',                             [known(500, '5026')],                {},                   1, 'attempt failed:500',                                            'failed'],
  ['community', '400 {}',                               [r(400, {})],                        {},                   1, 'attempt failed:400',                                            'failed'],
  ['community', '307 (never followed)',                 [r(307)],                            {},                   1, 'attempt failed:307',                                            'failed'],
  ['community', '429 Retry-After 0, then 200',          [r429, ok],                          {},                   2, 'attempt failed:429 attempt created',                            'created'],
  ['community', 'refused before written, then 200',     [refused, ok],                       {},                   2, 'attempt failed attempt created',                                'created'],
  ['community', 'timeout after written, then 200',      [timeout, ok],                       {},                   2, 'attempt in_doubt attempt created',                              'created'],
  ['community', '401, no way to refresh',               [r(401, {})],                        {},                   1, 'attempt failed:401',                                            'AuthError'],
  ['community', '401, refreshed, then 200',             [r(401, {}), ok],                    refresh,              2, 'attempt failed:401 attempt created',                            'created'],
  ['community', '401, refreshed, 401 again',            [r(401, {}), r(401, {})],            refresh,              2, 'attempt failed:401 attempt failed:401',                         'AuthError'],
  ['community', '403 (no refresh for it)',              [r(403, {})],                        refresh,              1, 'attempt failed:403',                                            'AuthError'],
  ['community', 'TLS certificate not trusted',          [tls],                               {},                   1, 'attempt failed',                                                'ConnectionError'],
  // Issue 20, finding 1: what no item can get past stops the run, whatever the item.
  ['community', 'proxy answers 403 to CONNECT',         [proxy403],                          {},                   1, 'attempt failed',                                                'ConnectionError'],
  ['community', 'proxy answers 502 to CONNECT, then 200', [proxy502, ok],                    {},                   2, 'attempt failed attempt created',                                'created'],
  ['community', 'host not found before any answer',     [noHost],                            {},                   1, 'attempt failed',                                                'ConnectionError'],
  ['community', 'refused on every attempt, nothing answered', [refused, refused, refused],   {},                   3, 'attempt failed attempt failed attempt failed',                  'ConnectionError'],
  ['community', 'proxy 502 on every attempt',           [proxy502, proxy502, proxy502],      {},                   3, 'attempt failed attempt failed attempt failed',                  'ConnectionError'],
  ['community', 'refused, 503, refused (an answer came)', [refused, r(503), refused],        {},                   3, 'attempt failed attempt failed:503 attempt failed',              'failed'],
  ['community', '404 without the API body (wrong URL)', [r(404)],                            {},                   1, 'attempt failed:404',                                            'ConnectionError'],

  ['group',     '200',                                  [ok],                                {},                   1, 'attempt created',                                               'created'],
  ['group',     '503, then 200',                        [r(503), ok],                        {},                   2, 'attempt failed:503 attempt created',                            'created'],
  ['group',     '503 until retries run out',            [r(503), r(503), r(503)],            {},                   3, 'attempt failed:503 attempt failed:503 attempt failed:503',      'failed'],
  ['group',     '502',                                  [r(502)],                            {},                   1, 'attempt in_doubt:502',                                          'in_doubt'],
  ['group',     '504',                                  [r(504)],                            {},                   1, 'attempt in_doubt:504',                                          'in_doubt'],
  ['group',     '408',                                  [r(408)],                            {},                   1, 'attempt in_doubt:408',                                          'in_doubt'],
  ['group',     '500 with an HTML page',                [html500],                           {},                   1, 'attempt in_doubt:500',                                          'in_doubt'],
  ['group',     '500 with an unknown code',             [known(500, '9999')],                {},                   1, 'attempt in_doubt:500',                                          'in_doubt'],
  ['group',     'a 200 without the data',               [unusable200],                       {},                   1, 'attempt in_doubt:200',                                          'in_doubt'],
  ['group',     'timeout after written',                [timeout],                           {},                   1, 'attempt in_doubt',                                              'in_doubt'],
  // An echo is not proof: without a probe or a setting, a lost answer is never resent.
  ['group',     'echoed only (no proof): 502',          [r(502)],                            honoured,             1, 'attempt in_doubt:502',                                          'in_doubt'],
  ['group',     'echoed only: timeout after written',   [timeout],                           honoured,             1, 'attempt in_doubt',                                              'in_doubt'],
  ['group',     'not proven: 409 5230 (no meaning)',    [known(409, '5230')],                {},                   1, 'attempt failed:409',                                            'failed'],
  ['group',     'proven: 502, then 200',                [r(502), ok],                        proven,               2, 'attempt in_doubt:502 attempt created',                          'created'],
  ['group',     'proven: timeout, then 200',            [timeout, ok],                       proven,               2, 'attempt in_doubt attempt created',                              'created'],
  ['group',     'proven: 502, then 409 5230 (exists)',  [r(502), known(409, '5230')],        proven,               2, 'attempt in_doubt:502 attempt created',                          'created'],
  ['group',     'proven: 409 5230 at once (ours)',      [known(409, '5230')],                proven,               1, 'attempt created',                                               'created'],
  ['group',     'proven: 502, then 409 another code',   [r(502), known(409, '5231')],        proven,               2, 'attempt in_doubt:502 attempt in_doubt:409',                     'in_doubt'],
  // After a lost answer every line stays in doubt: a run stopped before the resend must not leave
  // a plain failure that a later run sends as new (found by the chaos scenarios, seed -1471457893).
  ['group',     'proven: 502, then 503 until out',      [r(502), r(503), r(503)],            proven,               3, 'attempt in_doubt:502 attempt in_doubt:503 attempt in_doubt:503 in_doubt:503', 'in_doubt'],
  ['group',     'proven: 502, then 429, then 200',      [r(502), r429, ok],                  proven,               3, 'attempt in_doubt:502 attempt in_doubt:429 attempt created',     'created'],
  ['group',     'proven, no chat_id sent: 502',         [r(502)],                            { ...proven, deriveChatIds: false }, 1, 'attempt in_doubt:502',                       'in_doubt'],
  ['group',     'proven, seen not echoing: 502',        [r(502)],                            { ...proven, chatIdsHonoured: false }, 1, 'attempt in_doubt:502',                     'in_doubt'],
  ['group',     '--retry-group-5xx: 502, then 200',     [r(502), ok],                        { retryGroup5xx: true }, 2, 'attempt failed:502 attempt created',                         'created'],
  ['group',     '500 5216 (not a group code: failed)',  [known(500, '5216')],                {},                   1, 'attempt failed:500',                                            'failed'],
  ['group',     '404 5220',                             [known(404, '5220')],                {},                   1, 'attempt failed:404',                                            'failed'],
  ['group',     '412 5166',                             [known(412, '5166')],                {},                   1, 'attempt failed:412',                                            'failed'],
  ['group',     '500 5026',                             [known(500, '5026')],                {},                   1, 'attempt failed:500',                                            'failed'],
  ['group',     '400 {}',                               [r(400, {})],                        {},                   1, 'attempt failed:400',                                            'failed'],
  ['group',     '429 Retry-After 0, then 200',          [r429, ok],                          {},                   2, 'attempt failed:429 attempt created',                            'created'],
  ['group',     'refused before written, then 200',     [refused, ok],                       {},                   2, 'attempt failed attempt created',                                'created'],
  ['group',     'refused on every attempt, nothing answered', [refused, refused, refused],   {},                   3, 'attempt failed attempt failed attempt failed',                  'ConnectionError'],
  ['group',     'proxy answers 407 to CONNECT',         [{ ...proxy403, proxyStatus: 407 }], {},                   1, 'attempt failed',                                                'ConnectionError'],
  ['group',     '401, no way to refresh',               [r(401, {})],                        {},                   1, 'attempt failed:401',                                            'AuthError'],
  ['group',     '401, refreshed, then 200',             [r(401, {}), ok],                    refresh,              2, 'attempt failed:401 attempt created',                            'created'],
];

interface Ran {
  server: FakeServer;
  ledger: MemoryLedger;
  summary: RunSummary;
  error?: Error;
}

/** A plan of one item: the community `c0`, or the group `Talk` under a parent given by id. */
function onePlan(kind: ItemKind, ledger = emptyLedgerState(), options: { resendLost?: boolean } = {}, chatId?: string): Plan {
  const b = new PlanBuilder(ledger, options);
  if (kind === 'community') b.add({ kind, handle: 'c0', body: { handle: 'c0', name: 'C0', type: 1, actions: [] }, pos: { file: 'm.yaml', line: 1 } });
  else b.add({ kind, key: 'Talk', parentId: PARENT_ID, body: { type: 4, group: { name: 'Talk' }, ...(chatId ? { chat_id: chatId } : {}) }, pos: { file: 'm.yaml', line: 1 } });
  return b.build();
}

async function run(kind: ItemKind, answers: Answer[], options: Partial<ExecutorOptions>, plan = onePlan(kind)): Promise<Ran> {
  const server = new FakeServer((k, _body, nth) => (k === kind ? (answers[nth - 1] ?? ok) : ok));
  const ledger = new MemoryLedger();
  let clock = 0;
  // No backoff and a fake clock: nothing in a row waits on real time (a 429's pause is its Retry-After, 0).
  const ex = new Executor({ client: server, ledger, runId: 'r', rate: 1e6, concurrency: 4, retries: 2, minBackoffMs: 0, maxBackoffMs: 0, now: () => (clock += 5), ...options });
  try {
    return { server, ledger, summary: await ex.run(plan) };
  } catch (error) {
    return { server, ledger, summary: ex.summary(), error: error as Error };
  }
}

/** The item's ledger lines, `event:status` (status when the line has one). */
function events(ledger: MemoryLedger, key: string): string {
  return ledger.lines
    .filter((l): l is LedgerEvent => 'key' in l && l.key === key)
    .map((l) => (l.status !== undefined ? `${l.event}:${l.status}` : l.event))
    .join(' ');
}

function expectCount(summary: RunSummary, count: TallyKey | Stops): void {
  // A fatal answer stops the run; its item lands in no count (the next run sends it again).
  expect(summary.tally).toEqual(count === 'AuthError' || count === 'ConnectionError' ? emptyTally() : { ...emptyTally(), [count]: 1 });
}

describe('executor: one item × the answers it gets', () => {
  it.each(ROWS)('%s: %s', async (kind, _name, answers, options, sends, lines, count) => {
    const { server, ledger, summary, error } = await run(kind, answers, options);
    expect(server.sent.length).toBe(sends);
    expect(events(ledger, KEY[kind])).toBe(lines);
    expectCount(summary, count);
    if (count === 'AuthError' || count === 'ConnectionError') expect(error).toMatchObject({ name: count, exitCode: 3 });
    else expect(error).toBeUndefined();

    // Every send of a group carries one chat_id, and an in-doubt line names it.
    const chatIds = new Set(server.sent.map((s) => s.body.chat_id));
    expect(chatIds.size).toBe(1);
    const [chatId] = chatIds;
    if (kind === 'group' && options.deriveChatIds !== false) expect(chatId).toBe(deriveChatId(PARENT_ID, 'Talk'));
    for (const l of ledger.lines) if (l.event === 'in_doubt') expect((l as LedgerEvent).chat_id).toBe(chatId);

    // What a person is told comes from the status table.
    const unresolved = summary.unresolved.map((u) => [u.status, u.reason]);
    if (count === 'exists') expect(unresolved).toEqual([['exists', REASON.existsCommunity(KEY[kind])]]);
    if (count === 'in_doubt') {
      expect(unresolved).toEqual([['in_doubt', expect.stringContaining(REASON.inDoubtGroup(KEY[kind], ''))]]);
      if (chatId !== undefined) expect(unresolved[0]![1]).toContain(String(chatId));
    }
    if (count === 'failed') expect(unresolved).toEqual([['failed', expect.any(String)]]);
    if (count === 'created') expect(unresolved).toEqual([]);
  });
});

// A group an earlier run sent and got no answer for (its attempt line is the last), with the API
// proven to refuse a repeated chat_id: the plan marks it answerLost and the run resends it.
// sent then | the manifest's own chat_id | what the server answers, in turn | sends | the item's ledger lines | count
type LostRow = [string, string, string | undefined, Answer[], number, string, TallyKey];
const DERIVED = deriveChatId(PARENT_ID, 'Talk');
const LOST_ROWS: LostRow[] = [
  ['200: it was not made',                     DERIVED,  undefined, [ok],                       1, 'attempt created',                                                      'created'],
  ['409 5230: the chat_id exists (ours)',      DERIVED,  undefined, [known(409, '5230')],       1, 'attempt created',                                                      'created'],
  ['409 with another code: refused, unproven', DERIVED,  undefined, [known(409, '5231')],       1, 'attempt in_doubt:409',                                                 'in_doubt'],
  ['502 again, then 200',                      DERIVED,  undefined, [r(502), ok],               2, 'attempt in_doubt:502 attempt created',                                 'created'],
  ['429, then 200',                            DERIVED,  undefined, [r429, ok],                 2, 'attempt in_doubt:429 attempt created',                                 'created'],
  ['503 until retries run out',                DERIVED,  undefined, [r(503), r(503), r(503)],   3, 'attempt in_doubt:503 attempt in_doubt:503 attempt in_doubt:503 in_doubt:503', 'in_doubt'],
  ['the manifest now gives another chat_id',   'chat-a', 'chat-b',  [ok],                       0, '',                                                                     'in_doubt'],
];

describe('executor: a group whose answer an earlier run lost', () => {
  it.each(LOST_ROWS)('%s', async (_name, sentBefore, manifestChatId, answers, sends, lines, count) => {
    const state = emptyLedgerState();
    state.apply({ at: '2026-01-01T00:00:00.000Z', run: 'r0', kind: 'group', key: KEY.group, event: 'attempt', attempt: 1, chat_id: sentBefore });
    const plan = onePlan('group', state, { resendLost: true }, manifestChatId);
    expect(plan.items[0]).toMatchObject({ action: 'create', answerLost: true, sentChatId: sentBefore });
    const { server, ledger, summary, error } = await run('group', answers, proven, plan);
    expect(error).toBeUndefined();
    expect(server.sent.length).toBe(sends);
    expect(server.sent.every((s) => s.body.chat_id === sentBefore)).toBe(true);
    expect(events(ledger, KEY.group)).toBe(lines);
    expectCount(summary, count);
  });
});

// Trust is checked when a resend leaves, not only when the lost answer is judged: another group's
// answer may show, during the backoff, that the server does not keep client chat_ids.
describe('executor: a resend is checked as it leaves', () => {
  it('a lost answer judged resendable is not resent once an answer shows chat_ids ignored meanwhile', async () => {
    const sent: string[] = [];
    // A's create loses its answer at once; B's 200 (carrying a chat_id of the server's own) comes 20 ms later.
    const server: Sender = {
      async send(_kind, json) {
        const body = JSON.parse(json) as { group: { name: string } };
        const name = body.group.name;
        sent.push(name);
        if (name === 'A') return r(502);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return r(200, { code: 200, data: { chat_id: 'server-made', group: { group_id: 'g-b' } } });
      },
    };
    const b = new PlanBuilder(emptyLedgerState(), {});
    for (const [line, name] of [[1, 'A'], [2, 'B']] as const) b.add({ kind: 'group', key: name, parentId: PARENT_ID, body: { type: 4, group: { name } }, pos: { file: 'm.yaml', line } });
    const ledger = new MemoryLedger();
    // The backoff (200 ms) outlasts B's answer: A's resend would leave after it.
    const ex = new Executor({ client: server, ledger, runId: 'r', rate: 1e6, concurrency: 2, retries: 2, minBackoffMs: 200, maxBackoffMs: 200, ...proven, chatIdsHonoured: true });
    const summary = await ex.run(b.build());
    expect(sent.filter((n) => n === 'A')).toHaveLength(1);
    expect(summary.tally).toMatchObject({ created: 1, in_doubt: 1 });
    expect(events(ledger, `${PARENT_ID}/A`)).toBe('attempt in_doubt:502 in_doubt');
    const last = ledger.lines.filter((l): l is LedgerEvent => 'key' in l && l.key === `${PARENT_ID}/A`).at(-1)!;
    expect(last.message).toMatch(/not resent: a create answer carried another chat_id/);
  });
});
