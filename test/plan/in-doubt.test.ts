// What the plan does with a group an earlier run left in doubt: resent by itself (with the
// chat_id sent then) only once the API is proven to refuse a repeated chat_id (a probe or a
// setting: run/chat-id-trust.ts mayResendLost) and nothing has refused it.
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { PlanBuilder } from '../../src/plan/plan.js';

const at = '2026-11-30T00:00:00.000Z';
const line = (kind: 'community' | 'group', key: string, event: LedgerEvent['event'], more: Partial<LedgerEvent> = {}): LedgerEvent => ({ at, run: 'r1', kind, key, event, ...more });

function planWith(groupLines: LedgerEvent[], options: { resendLost?: boolean; retryInDoubt?: boolean }) {
  const ledger = emptyLedgerState();
  ledger.apply(line('community', 'alpha', 'created', { community_id: 'c-1' }));
  for (const l of groupLines) ledger.apply(l);
  const b = new PlanBuilder(ledger, options);
  b.add({ kind: 'community', handle: 'alpha', body: { handle: 'alpha', name: 'A', type: 1, actions: [] }, pos: { file: 'm.yaml', line: 1 } });
  b.add({ kind: 'group', key: 'Talk', parentHandle: 'alpha', body: { type: 4, group: { name: 'Talk' } }, pos: { file: 'm.yaml', line: 2 } });
  return b.build().items[1]!;
}

const sent = line('group', 'alpha/Talk', 'attempt', { attempt: 1, chat_id: 'chat-1' });

// [name, the group's lines, a repeated chat_id proven refused, action, answerLost]
const CASES: Array<[string, LedgerEvent[], boolean, string, boolean]> = [
  ['in flight at a crash, nothing proven', [sent], false, 'in_doubt', false],
  ['in flight at a crash, proven: resent with the same chat_id', [sent], true, 'create', true],
  ['answer lost (502), proven', [sent, line('group', 'alpha/Talk', 'in_doubt', { status: 502, chat_id: 'chat-1' })], true, 'create', true],
  ['resend refused (409): a person must look', [sent, line('group', 'alpha/Talk', 'in_doubt', { status: 409, code: '5230', chat_id: 'chat-1' })], true, 'in_doubt', false],
  ['no chat_id was recorded (an older ledger)', [line('group', 'alpha/Talk', 'attempt', { attempt: 1 })], true, 'in_doubt', false],
  ['failed safely before: sent again with the chat_id of then', [sent, line('group', 'alpha/Talk', 'failed', { status: 503 })], false, 'create', false],
];

describe('plan: groups in doubt', () => {
  for (const [name, lines, honoured, action, answerLost] of CASES) {
    it(name, () => {
      const g = planWith(lines, { resendLost: honoured });
      expect(g.action).toBe(action);
      expect(g.answerLost === true).toBe(answerLost);
      if (action === 'create' && lines[0]!.chat_id) expect(g.sentChatId).toBe('chat-1');
      if (action === 'create') expect(g.communityId).toBe('c-1');
    });
  }
});
