// The plan's decision for each item from its ledger state, as tables: a community × its ledger
// lines; a group × its own lines × where its parent stands. Reasons are checked against status.ts.
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import type { CommunityEntry, GroupEntry } from '../../src/manifest/entry.js';
import { bodyHash } from '../../src/plan/body-hash.js';
import { PlanBuilder, type PlanAction, type PlanItem, type PlanOptions } from '../../src/plan/plan.js';
import { REASON } from '../../src/status.js';

const HANDLE = 'alpha';
const GROUP_KEY = `${HANDLE}/Talk`;
const ID = 'c-1';

const at = '2026-11-30T00:00:00.000Z';
type Line = Omit<LedgerEvent, 'at' | 'run' | 'kind' | 'key'>;
const ev = (event: LedgerEvent['event'], more: Partial<Line> = {}): Line => ({ event, ...more });

const communityBody = { handle: HANDLE, name: 'Alpha', type: 1, actions: [] };
const groupBody = { type: 4, group: { name: 'Talk' } };
const SAME = bodyHash(JSON.stringify(communityBody));
const SAME_GROUP = bodyHash(JSON.stringify(groupBody));

/** The reason a plan item carries, by its entry in status.ts's REASON (never retyped here). */
type Gist = '-' | 'existsCommunity' | 'abandoned' | 'inDoubtGroup' | 'blockedByUnknownParent' | 'parentAbandoned';
function reasonOf(gist: Gist, key: string): string | undefined {
  switch (gist) {
    case '-':
      return undefined;
    case 'existsCommunity':
      return REASON.existsCommunity(key);
    case 'abandoned':
      return REASON.abandoned(ABANDON_WHY);
    case 'inDoubtGroup':
      return REASON.inDoubtGroup(key);
    case 'blockedByUnknownParent':
      return REASON.blockedByUnknownParent(HANDLE);
    case 'parentAbandoned':
      return REASON.parentAbandoned(HANDLE);
  }
}
const ABANDON_WHY = 'renamed elsewhere';

/** What the plan decided for an item, without its place and body. */
const decision = (i: PlanItem) => ({ action: i.action, done: i.done, communityId: i.communityId, reason: i.reason });

function stateWith(community: Line[], group: Line[] = []) {
  const state = emptyLedgerState();
  for (const l of community) state.apply({ at, run: 'r1', kind: 'community', key: HANDLE, ...l });
  for (const l of group) state.apply({ at, run: 'r1', kind: 'group', key: GROUP_KEY, ...l });
  return state;
}

const communityEntry = (communityId?: string): CommunityEntry =>
  communityId ? { kind: 'community', handle: HANDLE, communityId, pos: { file: 'm.yaml', line: 1 } } : { kind: 'community', handle: HANDLE, body: communityBody, pos: { file: 'm.yaml', line: 1 } };
const groupEntry: GroupEntry = { kind: 'group', key: 'Talk', parentHandle: HANDLE, body: groupBody, pos: { file: 'm.yaml', line: 2 } };

// ---------------------------------------------------------------------------------------------
// A community: the manifest's community_id (if any) × its ledger lines.

// manifest community_id | its ledger lines | → action | done | community_id after | reason | drift
type CommunityRow = [string, string | undefined, Line[], PlanAction, string | undefined, string | undefined, Gist, boolean];
const COMMUNITIES: CommunityRow[] = [
  ['no ledger entry',                         undefined, [],                                                                  'create', undefined,   undefined, '-',               false],
  ['created, same body',                      undefined, [ev('attempt'), ev('created', { community_id: ID, hash: SAME })],   'skip',   'created',   ID,        '-',               false],
  ['created, body changed since (drift)',     undefined, [ev('attempt'), ev('created', { community_id: ID, hash: 'x' })],    'skip',   'created',   ID,        '-',               true],
  ['created by an older run (no hash)',       undefined, [ev('created', { community_id: ID })],                              'skip',   'created',   ID,        '-',               false],
  ['exists',                                  undefined, [ev('attempt'), ev('exists', { status: 500, code: '5216' })],       'skip',   'exists',    undefined, 'existsCommunity', false],
  ['adopted (ledger resolve)',                undefined, [ev('exists'), ev('adopted', { community_id: ID })],                'skip',   'adopted',   ID,        '-',               false],
  ['failed',                                  undefined, [ev('attempt'), ev('failed', { status: 404, code: '5220' })],       'create', undefined,   undefined, '-',               false],
  ['in_doubt (a hand-written line)',          undefined, [ev('attempt'), ev('in_doubt', { status: 502 })],                   'create', undefined,   undefined, '-',               false],
  ['in flight at a crash',                    undefined, [ev('attempt')],                                                     'create', undefined,   undefined, '-',               false],
  ['abandoned',                               undefined, [ev('failed', { status: 412 }), ev('abandoned', { message: ABANDON_WHY })], 'skip', 'abandoned', undefined, 'abandoned',    false],
  ['manifest id, no ledger entry',            ID,        [],                                                                  'adopt',  undefined,   ID,        '-',               false],
  ['manifest id, adopted with it',            ID,        [ev('adopted', { community_id: ID })],                              'skip',   'adopted',   ID,        '-',               false],
  ['manifest id, adopted with another id',    ID,        [ev('adopted', { community_id: 'c-other' })],                       'adopt',  undefined,   ID,        '-',               false],
  ['manifest id, created with another id',    ID,        [ev('created', { community_id: 'c-other' })],                       'adopt',  undefined,   ID,        '-',               false],
  ['manifest id, exists',                     ID,        [ev('exists', { status: 500, code: '5216' })],                      'adopt',  undefined,   ID,        '-',               false],
  ['manifest id, abandoned (a person wins)',  ID,        [ev('abandoned', { message: ABANDON_WHY })],                        'skip',   'abandoned', ID,        'abandoned',       false],
];

describe('plan: a community', () => {
  it.each(COMMUNITIES)('%s', (_name, manifestId, lines, action, done, communityId, reason, drift) => {
    const b = new PlanBuilder(stateWith(lines));
    b.add(communityEntry(manifestId));
    const plan = b.build();
    const c = plan.items[0]!;
    expect(decision(c)).toEqual({ action, done, communityId, reason: reasonOf(reason, HANDLE) });
    expect(c.drift === true).toBe(drift);
    expect(plan.counts.drift).toBe(drift ? 1 : 0);
    // No body is kept for a community that is never sent: adopted, or created already.
    expect(c.body === undefined).toBe(manifestId !== undefined || done === 'created' || done === 'adopted');
  });
});

// ---------------------------------------------------------------------------------------------
// A group: what its own ledger lines decide, and where its parent stands when they leave it to the parent.

interface Own {
  lines: Line[];
  options?: PlanOptions;
  /** The group's own decision, or 'parent': its own lines leave it to where its parent stands. */
  decides: 'parent' | { action: PlanAction; done?: string; reason: Gist; drift?: boolean };
  /** Resent only because the API is proven to refuse a repeated chat_id: with the chat_id sent before. */
  answerLost: boolean;
  sentChatId?: string;
}

/** The API proven to refuse a repeated chat_id, not seen ignoring ours (run/chat-id-trust.ts mayResendLost). */
const honoured: PlanOptions = { resendLost: true };
const sent = ev('attempt', { attempt: 1, chat_id: 'chat-1' });

// its own ledger lines (and plan options) → its own decision, or 'parent'
const OWN: Array<[string, Own]> = [
  ['no ledger entry',                              { lines: [],                                                            decides: 'parent', answerLost: false }],
  ['failed (503) after a send with a chat_id',     { lines: [sent, ev('failed', { status: 503 })],                         decides: 'parent', answerLost: false, sentChatId: 'chat-1' }],
  ['absent (a person said it does not exist)',     { lines: [sent, ev('in_doubt', { status: 502 }), ev('absent')],         decides: 'parent', answerLost: false, sentChatId: 'chat-1' }],
  ['created, same body',                           { lines: [sent, ev('created', { chat_id: 'chat-1', hash: SAME_GROUP })], decides: { action: 'skip', done: 'created', reason: '-' }, answerLost: false }],
  ['created, body changed since (drift)',          { lines: [sent, ev('created', { chat_id: 'chat-1', hash: 'x' })],        decides: { action: 'skip', done: 'created', reason: '-', drift: true }, answerLost: false }],
  ['abandoned',                                    { lines: [sent, ev('abandoned', { message: ABANDON_WHY })],             decides: { action: 'skip', done: 'abandoned', reason: 'abandoned' }, answerLost: false }],
  ['in_doubt (502), not proven',             { lines: [sent, ev('in_doubt', { status: 502 })],                       decides: { action: 'in_doubt', reason: 'inDoubtGroup' }, answerLost: false, sentChatId: 'chat-1' }],
  ['in_doubt (502), proven',                 { lines: [sent, ev('in_doubt', { status: 502 })], options: honoured,    decides: 'parent', answerLost: true, sentChatId: 'chat-1' }],
  ['in_doubt (429 on the line), proven',     { lines: [sent, ev('in_doubt', { status: 429 })], options: honoured,    decides: 'parent', answerLost: true, sentChatId: 'chat-1' }],
  ['in_doubt (409: resend refused), proven', { lines: [sent, ev('in_doubt', { status: 409 })], options: honoured,    decides: { action: 'in_doubt', reason: 'inDoubtGroup' }, answerLost: false, sentChatId: 'chat-1' }],
  ['in_doubt (502), --retry-in-doubt',             { lines: [sent, ev('in_doubt', { status: 502 })], options: { retryInDoubt: true }, decides: 'parent', answerLost: false, sentChatId: 'chat-1' }],
  ['in_doubt (409), proven, --retry-in-doubt',   { lines: [sent, ev('in_doubt', { status: 409 })], options: { ...honoured, retryInDoubt: true }, decides: 'parent', answerLost: false, sentChatId: 'chat-1' }],
  ['in flight at a crash, not proven',       { lines: [sent],                                                        decides: { action: 'in_doubt', reason: 'inDoubtGroup' }, answerLost: false, sentChatId: 'chat-1' }],
  ['in flight at a crash, proven',           { lines: [sent], options: honoured,                                     decides: 'parent', answerLost: true, sentChatId: 'chat-1' }],
  ['in flight, no chat_id recorded, proven',     { lines: [ev('attempt', { attempt: 1 })], options: honoured,            decides: { action: 'in_doubt', reason: 'inDoubtGroup' }, answerLost: false }],
];

interface Parent {
  /** The community in this run's manifests (with its community_id, if given), or not at all. */
  entry: 'manifest' | 'manifest with id' | 'ledger only';
  lines: Line[];
  /** The parent's own action, when it is in the manifests. */
  action?: PlanAction;
  /** What a group that leaves it to the parent gets. */
  group: { action: PlanAction; done?: string; reason: Gist; communityId?: string; waits: boolean };
}

const ready = { action: 'create', reason: '-', communityId: ID, waits: false } as const;
const waits = { action: 'create', reason: '-', waits: true } as const;
const blocked = { action: 'blocked', reason: 'blockedByUnknownParent', waits: false } as const;
const goneWithParent = { action: 'skip', done: 'abandoned', reason: 'parentAbandoned', waits: false } as const;

// where the parent stands → its action, and a deferring group's decision
const PARENTS: Array<[string, Parent]> = [
  ['parent new in this run',                     { entry: 'manifest',         lines: [],                                                action: 'create', group: waits }],
  ['parent created',                             { entry: 'manifest',         lines: [ev('created', { community_id: ID })],             action: 'skip',   group: ready }],
  ['parent adopted (ledger resolve)',            { entry: 'manifest',         lines: [ev('adopted', { community_id: ID })],             action: 'skip',   group: ready }],
  ['parent adopted in the manifest',             { entry: 'manifest with id', lines: [],                                                action: 'adopt',  group: ready }],
  ['parent exists, id unknown',                  { entry: 'manifest',         lines: [ev('exists', { status: 500, code: '5216' })],    action: 'skip',   group: blocked }],
  ['parent failed',                              { entry: 'manifest',         lines: [ev('failed', { status: 404, code: '5220' })],    action: 'create', group: waits }],
  ['parent in flight at a crash',                { entry: 'manifest',         lines: [ev('attempt')],                                   action: 'create', group: waits }],
  ['parent in_doubt (a hand-written line)',      { entry: 'manifest',         lines: [ev('in_doubt', { status: 502 })],                 action: 'create', group: waits }],
  ['parent abandoned',                           { entry: 'manifest',         lines: [ev('abandoned', { message: ABANDON_WHY })],       action: 'skip',   group: goneWithParent }],
  // docs/recovery.md and docs/operations.md: --abandon "skips it (and a community's groups)"; the
  // abandon wins over the manifest's id, for its groups too (once found creating them under it).
  ['parent adopted in the manifest, abandoned',  { entry: 'manifest with id', lines: [ev('abandoned', { message: ABANDON_WHY })],       action: 'skip',   group: goneWithParent }],
  ['parent only in the ledger: created',         { entry: 'ledger only',      lines: [ev('created', { community_id: ID })],             group: ready }],
  ['parent only in the ledger: adopted',         { entry: 'ledger only',      lines: [ev('adopted', { community_id: ID })],             group: ready }],
  ['parent only in the ledger: exists',          { entry: 'ledger only',      lines: [ev('exists', { status: 500, code: '5216' })],    group: blocked }],
  ['parent only in the ledger: failed',          { entry: 'ledger only',      lines: [ev('failed', { status: 404 })],                   group: blocked }],
  ['parent only in the ledger: abandoned',       { entry: 'ledger only',      lines: [ev('abandoned', { message: ABANDON_WHY })],       group: goneWithParent }],
  ['parent nowhere',                             { entry: 'ledger only',      lines: [],                                                group: blocked }],
];

function planGroup(parent: Parent, own: Own): { community?: PlanItem; group: PlanItem; waiting: PlanItem[] } {
  const b = new PlanBuilder(stateWith(parent.lines, own.lines), own.options);
  if (parent.entry !== 'ledger only') b.add(communityEntry(parent.entry === 'manifest with id' ? ID : undefined));
  b.add(groupEntry);
  const plan = b.build();
  const group = plan.items.at(-1)!;
  return { community: parent.entry === 'ledger only' ? undefined : plan.items[0], group, waiting: plan.waiting.get(HANDLE) ?? [] };
}

describe.each(PARENTS)('plan: a group, %s', (_parentName, parent) => {
  const check = (_ownName: string, own: Own) => {
    const { community, group, waiting } = planGroup(parent, own);
    if (parent.action) expect(community?.action).toBe(parent.action);
    expect(group.key).toBe(GROUP_KEY);
    const want = own.decides === 'parent' ? parent.group : { waits: false, communityId: undefined, done: undefined, drift: false, ...own.decides };
    expect(decision(group)).toEqual({ action: want.action, done: want.done, communityId: want.communityId, reason: reasonOf(want.reason, GROUP_KEY) });
    expect(waiting.includes(group)).toBe(want.waits);
    expect(group.drift === true).toBe('drift' in want && want.drift === true);
    expect(group.answerLost === true).toBe(own.answerLost);
    expect(group.sentChatId).toBe(own.sentChatId);
    if (group.action === 'create') expect(group.body).toBe(JSON.stringify(groupBody));
  };
  it.each(OWN)('own state: %s', check);
});
