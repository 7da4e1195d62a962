// What the run does after one answer (nextStep) and when retries run out (gaveUp), as tables:
// one row per outcome × what is known about the group's earlier sends. Pure functions: no I/O.
import { describe, expect, it } from 'vitest';
import type { Outcome, OutcomeType } from '../../src/api/outcome.js';
import { gaveUp, nextStep, type RetryOutcome } from '../../src/run/next-step.js';

const CHAT = 'chat-7f3a';

/** One answer of each type, as classify() makes them. */
const ANSWER: Record<OutcomeType, Outcome> = {
  created: { type: 'created', ids: { chat_id: CHAT, group_id: 'g-1' } },
  exists: { type: 'exists', status: 500, code: '5216', message: 'community handle already exists' },
  failed: { type: 'failed', status: 409, code: '5230', message: 'Group already exists.' },
  retry: { type: 'retry', status: 503, message: 'HTTP 503' },
  throttled: { type: 'throttled', retryAfterMs: 0, message: 'HTTP 429: rate limited' },
  in_doubt: { type: 'in_doubt', status: 502, message: 'HTTP 502' },
  fatal: { type: 'fatal', status: 401, reason: 'auth', message: 'HTTP 401: the API rejected the access token' },
};

type Do = 'settle' | 'throttle' | 'retry';

// answer | answerLost | resendableWithChatId | chat_id sent | → do | lost (retry) | settled as | names the chat_id
const NEXT: Array<[OutcomeType, boolean, boolean, boolean, Do, boolean | '-', OutcomeType | '-', boolean]> = [
  ['created',   false, false, true,  'settle',   '-',   'created',  false],
  ['created',   true,  true,  true,  'settle',   '-',   'created',  false],
  ['fatal',     false, false, true,  'settle',   '-',   'fatal',    false],
  ['fatal',     true,  true,  true,  'settle',   '-',   'fatal',    false],
  ['throttled', false, false, true,  'throttle', '-',   '-',        false],
  ['throttled', true,  true,  true,  'throttle', '-',   '-',        false],
  ['retry',     false, false, true,  'retry',    false, '-',        false],
  ['retry',     false, true,  true,  'retry',    false, '-',        false],
  // An answer already lost earlier does not make a proven non-create (503) a lost one.
  ['retry',     true,  true,  true,  'retry',    false, '-',        false],
  // A lost answer: resent only with the same chat_id, under earned trust.
  ['in_doubt',  false, false, true,  'settle',   '-',   'in_doubt', true],
  ['in_doubt',  false, false, false, 'settle',   '-',   'in_doubt', false],
  ['in_doubt',  false, true,  true,  'retry',    true,  '-',        false],
  ['in_doubt',  true,  false, true,  'settle',   '-',   'in_doubt', true],
  ['in_doubt',  true,  true,  true,  'retry',    true,  '-',        false],
  // A refusal is the item's own, unless an earlier answer was lost: then it is probably "your chat_id exists".
  ['failed',    false, false, true,  'settle',   '-',   'failed',   false],
  ['failed',    false, true,  true,  'settle',   '-',   'failed',   false],
  ['failed',    true,  false, true,  'settle',   '-',   'in_doubt', true],
  ['failed',    true,  true,  true,  'settle',   '-',   'in_doubt', true],
  ['failed',    true,  true,  false, 'settle',   '-',   'in_doubt', false],
  // A community's "exists" (no chat_id) stays; a group's is the proven "this chat_id exists"
  // (classify gives it only then): it settles the group as created, first send or resend.
  ['exists',    false, false, false, 'settle',   '-',   'exists',   false],
  ['exists',    false, true,  true,  'settle',   '-',   'created',  false],
  ['exists',    true,  true,  true,  'settle',   '-',   'created',  false],
];

describe('nextStep: what follows one answer', () => {
  it.each(NEXT)('%s, answerLost %s, resendable %s, chat_id sent %s → %s (lost %s) as %s, names chat_id %s', (type, answerLost, resendableWithChatId, sentChatId, step, lost, settledAs, namesChatId) => {
    const answer = ANSWER[type];
    const s = nextStep(answer, { answerLost, resendableWithChatId, chatId: sentChatId ? CHAT : undefined });
    expect(s.do).toBe(step);
    if (s.do === 'retry') {
      expect(s.lost).toBe(lost);
      // A resend keeps what the server said, whatever it is called now.
      expect(s.outcome).toMatchObject({ type: 'retry', status: (answer as RetryOutcome).status, message: (answer as RetryOutcome).message });
    }
    if (s.do === 'throttle') expect(s.outcome).toBe(answer);
    if (s.do !== 'settle') return;
    expect(s.outcome.type).toBe(settledAs);
    if (settledAs === 'created' && type === 'exists') expect(s.outcome).toEqual({ type: 'created', ids: { chat_id: CHAT }, via: 'chat_id exists' });
    if (settledAs === type && !namesChatId) expect(s.outcome).toEqual(answer);
    const said = s.outcome.type === 'created' ? '' : s.outcome.message;
    expect(said.includes(CHAT)).toBe(namesChatId);
    // A refusal after a lost answer keeps the server's status and code, for the ledger line.
    if (settledAs === 'in_doubt' && type !== 'in_doubt') {
      expect(s.outcome).toMatchObject({ status: (answer as { status: number }).status, code: (answer as { code: string }).code });
      expect(said).toMatch(/answer was lost and the resend was refused .*it probably exists/);
    }
  });
});

const LAST: RetryOutcome = { type: 'retry', status: 503, code: undefined, message: 'HTTP 503' };

// answerLost | resendableWithChatId | chat_id sent | → outcome | names the chat_id
const GAVE_UP: Array<[boolean, boolean, boolean, 'failed' | 'in_doubt', boolean]> = [
  [false, false, true,  'failed',   false],
  [false, true,  true,  'failed',   false],
  [true,  true,  true,  'in_doubt', true],
  [true,  false, true,  'in_doubt', true],
  [true,  true,  false, 'in_doubt', false],
];

describe('gaveUp: retries ran out', () => {
  it.each(GAVE_UP)('answerLost %s, resendable %s, chat_id sent %s → %s, names chat_id %s', (answerLost, resendableWithChatId, sentChatId, type, namesChatId) => {
    const o = gaveUp(LAST, 4, { answerLost, resendableWithChatId, chatId: sentChatId ? CHAT : undefined });
    expect(o).toMatchObject({ type, status: 503 });
    if (o.type !== 'failed' && o.type !== 'in_doubt') throw new Error('unreachable');
    expect(o.message).toContain('HTTP 503 (gave up after 4 attempts)');
    expect(o.message.includes(CHAT)).toBe(namesChatId);
    if (type === 'in_doubt') expect(o.message).toMatch(/^an earlier answer was lost/);
  });
});
