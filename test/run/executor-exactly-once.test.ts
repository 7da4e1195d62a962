// The executor's exactly-once rules, with a fake sender (an in-memory server whose answers are
// scripted per request) instead of HTTP: every layout sends each item once, and a group is
// resent only after an answer that proves nothing was created, or with the same chat_id while
// the API is proven to refuse a repeated chat_id (an echo is not proof).
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { PlanBuilder, type Plan } from '../../src/plan/plan.js';
import { Executor, type ExecutorOptions, type LedgerSink, type Sender, type UndurableEvent } from '../../src/run/executor.js';
import { isComplete } from '../../src/run/summary.js';
import { FakeServer, MemoryLedger, nameOf, network, response, type Answer } from './fake-server.js';

/** `communities` communities c0.., each with `groups` groups `${handle}-g${j}`; `topLevel` lists every group after every community. */
function plan(communities: number, groups: number, topLevel: boolean): Plan {
  const b = new PlanBuilder(emptyLedgerState());
  const gs: Array<() => void> = [];
  let line = 1;
  for (let c = 0; c < communities; c++) {
    const handle = `c${c}`;
    b.add({ kind: 'community', handle, body: { handle, name: handle, type: 1, actions: [] }, pos: { file: 'communities.csv', line: line++ } });
    for (let g = 0; g < groups; g++) {
      const name = `${handle}-g${g}`;
      const add = () => b.add({ kind: 'group', key: name, parentHandle: handle, body: { type: 4, group: { name } }, pos: { file: 'groups.csv', line: line++ } });
      if (topLevel) gs.push(add);
      else add();
    }
  }
  for (const add of gs) add();
  return b.build();
}

function executor(client: Sender, ledger: LedgerSink, options: Partial<ExecutorOptions> = {}): Executor {
  return new Executor({ client, ledger, runId: 'r', rate: 1e6, concurrency: 8, retries: 3, minBackoffMs: 1, maxBackoffMs: 2, ...options });
}

describe('every layout sends every item once', () => {
  for (const [layout, topLevel] of [['nested', false], ['groups in another file (or a top-level groups: section)', true]] as const) {
    it(layout, async () => {
      const server = new FakeServer();
      const ledger = new MemoryLedger();
      const summary = await executor(server, ledger, { concurrency: 8 }).run(plan(30, 2, topLevel));
      expect(server.sent.length).toBe(90);
      expect(summary.tally.created).toBe(90);
      expect(new Set(server.groups.map((g) => g.chat_id)).size).toBe(60);
      expect(isComplete(summary)).toBe(true);
    });
  }
});

// [what the server answers to the group's sends in turn, options, outcome, sends]
/** The API proven (a probe, a setting) to refuse a repeated chat_id with 409 5230. */
const PROVEN = { chatIdExists: { status: 409, code: '5230' } };

const GROUP_CASES: Array<[string, Answer[], Partial<ExecutorOptions>, string, number]> = [
  ['502 (a gateway lost the answer)', [response(502)], {}, 'in_doubt', 1],
  ['504', [response(504)], {}, 'in_doubt', 1],
  ['500 with an HTML page', [response(500)], {}, 'in_doubt', 1],
  ['500 with a JSON error of unknown code', [response(500, { code: '9999', message: 'x' })], {}, 'in_doubt', 1],
  ['reset after the request was written', [network(true)], {}, 'in_doubt', 1],
  ['503 (declined), then 200', [response(503), 'ok'], {}, 'created', 2],
  ['connection refused, then 200', [network(false), 'ok'], {}, 'created', 2],
  ['429, then 200', [response(429), 'ok'], {}, 'created', 2],
  ['500 5026 (a documented refusal)', [response(500, { code: '5026', message: 'Could not find the video.' })], {}, 'failed', 1],
  ['400 {}', [response(400, {})], {}, 'failed', 1],
  ['503 until retries run out', [response(503), response(503), response(503), response(503)], {}, 'failed', 4],
  ['proven: 502, then 200 with the same chat_id', [response(502), 'ok'], PROVEN, 'created', 2],
  ['proven: 502, then the proven "exists" (409 5230)', [response(502), response(409, { code: '5230', message: 'Group already exists.' })], PROVEN, 'created', 2],
  ['proven: 502, then another refusal (409 5231)', [response(502), response(409, { code: '5231', message: 'Nope.' })], PROVEN, 'in_doubt', 2],
  ['echoed only (no proof): 502', [response(502)], { chatIdsHonoured: true }, 'in_doubt', 1],
  ['proven: 502, then 503, then 200', [response(502), response(503), 'ok'], PROVEN, 'created', 3],
  ['proven: 502, then 503 until retries run out', [response(502), response(503), response(503), response(503)], PROVEN, 'in_doubt', 4],
  ['proven, but no chat_id sent (--no-derived-chat-id): 502', [response(502)], { ...PROVEN, deriveChatIds: false }, 'in_doubt', 1],
  ['--retry-group-5xx: 502, then 200', [response(502), 'ok'], { retryGroup5xx: true }, 'created', 2],
];

describe('a group is resent only when that cannot make a duplicate', () => {
  for (const [name, answers, options, outcome, sends] of GROUP_CASES) {
    it(name, async () => {
      const server = new FakeServer((kind, _body, nth) => (kind === 'group' ? (answers[nth - 1] ?? 'ok') : 'ok'));
      const ledger = new MemoryLedger();
      const settled: string[] = [];
      const ex = executor(server, ledger, options);
      ex.on('settled', (e) => e.item.kind === 'group' && settled.push(e.outcome.type));
      const summary = await ex.run(plan(1, 1, false));
      expect(settled).toEqual([outcome]);
      expect(server.sends('group', 'c0-g0')).toBe(sends);
      // Every send of the group carried one and the same chat_id (none with --no-derived-chat-id).
      const ids = new Set(server.sent.filter((s) => s.kind === 'group').map((s) => s.body.chat_id));
      expect(ids.size).toBe(1);
      const [chatId] = ids;
      if (options.deriveChatIds === false) expect(chatId).toBeUndefined();
      else expect(chatId).toMatch(/^[0-9a-f-]{36}$/);
      // The ledger's last word on the group is the outcome, and an in-doubt one names its chat_id.
      const last = ledger.lines.filter((l): l is LedgerEvent => 'key' in l && l.kind === 'group').at(-1)!;
      expect(last.event).toBe(outcome === 'failed' ? 'failed' : outcome);
      if (outcome === 'in_doubt' && chatId) {
        expect(last.chat_id).toBe(chatId);
        expect(summary.unresolved[0]!.reason).toContain(String(chatId));
      }
    });
  }

  it('a community is resent after any 5xx: its unique handle turns a duplicate into "exists"', async () => {
    const server = new FakeServer((kind, _b, nth) => (kind === 'community' && nth === 1 ? response(502) : kind === 'community' ? response(500, { code: '5216', message: 'exists' }) : 'ok'));
    const summary = await executor(server, new MemoryLedger()).run(plan(1, 1, false));
    expect(summary.tally.exists).toBe(1);
    expect(summary.tally.blocked).toBe(1);
    expect(server.sends('group', 'c0-g0')).toBe(0);
  });
});

describe('an echo of client chat_ids is written down, and is not proof', () => {
  it('a server that echoes the chat_id: recorded, and a later lost answer still stays in doubt (issue 18)', async () => {
    // Concurrency 1: the first group's clean answer comes before the second group's 502.
    const server = new FakeServer((kind, body, nth) => (kind === 'group' && nameOf(kind, body) === 'c0-g1' && nth === 1 ? response(502) : 'ok'));
    const ledger = new MemoryLedger();
    const summary = await executor(server, ledger, { concurrency: 1 }).run(plan(1, 2, false));
    expect(summary.tally).toMatchObject({ created: 2, in_doubt: 1 });
    expect(ledger.lines.filter((l) => l.event === 'observed')).toEqual([expect.objectContaining({ chat_id_honoured: true })]);
    expect(server.sends('group', 'c0-g1')).toBe(1);
  });

  it('a server that makes its own chat_ids, even with proof: the lost answer stays in doubt', async () => {
    const server = new FakeServer((kind, body, nth) => (kind === 'group' && nameOf(kind, body) === 'c0-g1' && nth === 1 ? response(502) : 'ok'), false);
    const ledger = new MemoryLedger();
    const summary = await executor(server, ledger, { concurrency: 1, chatIdsHonoured: true, ...PROVEN }).run(plan(1, 2, false));
    expect(summary.tally.in_doubt).toBe(1);
    expect(server.sends('group', 'c0-g1')).toBe(1);
    expect(ledger.lines.filter((l) => l.event === 'observed')).toEqual([expect.objectContaining({ chat_id_honoured: false })]);
  });
});

describe('the ledger fails mid-run', () => {
  it('stops naming the ledger, and hands out every id received that it could not keep', async () => {
    const server = new FakeServer();
    const ledger = new MemoryLedger(12);
    const ex = executor(server, ledger, { concurrency: 8 });
    const undurable: UndurableEvent[] = [];
    const reasons: string[] = [];
    ex.on('undurable', (e) => undurable.push(e));
    ex.on('stopping', (r) => reasons.push(r));
    await expect(ex.run(plan(20, 0, false))).rejects.toThrow(/ENOSPC/);
    expect(reasons).toEqual(['ledger']);
    // Every community the server created has its id in the ledger or in an undurable line.
    const kept = new Set([...ledger.lines, ...undurable.map((u) => u.line)].flatMap((l) => ('community_id' in l && l.community_id ? [l.community_id] : [])));
    const created = server.sent.length;
    expect(kept.size).toBe(created);
    expect(undurable.length).toBeGreaterThan(0);
    expect(undurable.every((u) => u.line.event === 'created')).toBe(true);
  });
});

describe('an id the ledger already holds for another item', () => {
  it('is recorded and reported, and the run is not complete', async () => {
    const ex = executor(new FakeServer(), new MemoryLedger(), { idOwner: (field, id) => (field === 'community_id' && id === 'c-1' ? 'community old-handle' : undefined) });
    const summary = await ex.run(plan(2, 0, false));
    expect(summary.tally).toMatchObject({ created: 1, conflict: 1 });
    expect(summary.conflicts).toEqual([expect.objectContaining({ id: 'c-1', heldBy: 'community old-handle' })]);
    expect(isComplete(summary)).toBe(false);
  });
});

describe('answers about the setup, not the item', () => {
  it('a 401 refreshes the token once for all requests refused together, and resends them', async () => {
    let generation = 0;
    let refreshes = 0;
    // Tokens of generation 0 are refused: every request sent before the refresh gets a 401.
    const server = new FakeServer(() => (generation === 0 ? response(401, {}) : 'ok'));
    const ex = executor(server, new MemoryLedger(), {
      refreshToken: async () => {
        refreshes++;
        await new Promise((r) => setImmediate(r));
        generation++;
      },
    });
    const summary = await ex.run(plan(6, 1, false));
    expect(summary.tally.created).toBe(12);
    expect(refreshes).toBe(1);
  });

  it('a 401 with the token a refresh just brought stops the run', async () => {
    const ex = executor(new FakeServer(() => response(401, {})), new MemoryLedger(), { refreshToken: async () => undefined });
    await expect(ex.run(plan(2, 0, false))).rejects.toMatchObject({ name: 'AuthError', exitCode: 3 });
  });

  it('a 401 without a way to refresh stops the run', async () => {
    const server = new FakeServer(() => response(401, {}));
    await expect(executor(server, new MemoryLedger()).run(plan(3, 0, false))).rejects.toMatchObject({ name: 'AuthError' });
    expect(server.sent.length).toBeLessThanOrEqual(3);
  });

  it('a TLS verification failure stops the run at once, naming the fix', async () => {
    const server = new FakeServer(() => ({ type: 'network', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain', sent: false }));
    const run = executor(server, new MemoryLedger(), { concurrency: 2 }).run(plan(20, 0, false));
    await expect(run).rejects.toThrow(/SELF_SIGNED_CERT_IN_CHAIN.*NODE_EXTRA_CA_CERTS/);
    expect(server.sent.length).toBeLessThanOrEqual(2);
  });

  it('404s without the API error body before anything looked like the API: the base URL is wrong', async () => {
    const server = new FakeServer(() => response(404, undefined));
    await expect(executor(server, new MemoryLedger(), { concurrency: 2 }).run(plan(20, 0, false))).rejects.toMatchObject({
      name: 'ConnectionError',
      message: expect.stringMatching(/GENUIN_API_URL does not look like the Genuin API base/),
    });
    expect(server.sent.length).toBeLessThanOrEqual(2);
  });

  it('a 404 with the API error body is the item\'s own failure', async () => {
    const server = new FakeServer((kind, body) => (kind === 'community' && body.handle === 'c0' ? response(404, { code: '5220', message: 'no such category' }) : 'ok'));
    const summary = await executor(server, new MemoryLedger()).run(plan(3, 0, false));
    expect(summary.tally).toMatchObject({ created: 2, failed: 1 });
  });
});
