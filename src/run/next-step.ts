// What the run does after one answer for one item: settle it, resend after a backoff, or pause
// for a 429 and resend. The one place that knows when a group whose answer was lost may be
// resent: only with the same chat_id, and only once the API is proven to refuse a repeated one
// (a probe or a setting: api/chat-id-profile.ts); the proven "exists" answer then settles it.
import type { Outcome } from '../api/outcome.js';

export type RetryOutcome = Extract<Outcome, { type: 'retry' }>;
type Throttled = Extract<Outcome, { type: 'throttled' }>;

export type Step =
  | { do: 'settle'; outcome: Outcome }
  | { do: 'throttle'; outcome: Throttled }
  /** Resend after a backoff. `lost`: this answer was lost, so what follows is a resend of a send that may have created the item. */
  | { do: 'retry'; outcome: RetryOutcome; lost: boolean };

export interface SendState {
  /** An earlier send of this item got no usable answer (in this run, or in an earlier one). */
  answerLost: boolean;
  /**
   * This group is sent with a chat_id, the API is proven to refuse a repeated chat_id, and no
   * answer has shown it ignoring client chat_ids: a resend carries the same id, so the server
   * refuses it instead of creating a second group. An echo alone is not enough. The executor
   * checks it again when the resend leaves.
   */
  resendableWithChatId: boolean;
  /** The chat_id sent (a group's; a community has none), named in what a person is told. */
  chatId?: string;
}

export function nextStep(outcome: Outcome, s: SendState): Step {
  switch (outcome.type) {
    case 'created':
    case 'fatal':
      return { do: 'settle', outcome };
    case 'throttled':
      return { do: 'throttle', outcome };
    case 'retry':
      // A community's lost answer: resent (its handle makes that safe), but it may exist meanwhile.
      return { do: 'retry', outcome, lost: outcome.lost === true };
    case 'in_doubt':
      if (s.resendableWithChatId) {
        return { do: 'retry', outcome: { type: 'retry', status: outcome.status, code: outcome.code, message: outcome.message }, lost: true };
      }
      return { do: 'settle', outcome: withChatId(outcome, s.chatId) };
    case 'exists':
      // A group's "exists" is the proven answer for its chat_id (classify gives it only then):
      // the group this chat_id names is on the server, first send or resend alike.
      if (s.chatId !== undefined) return { do: 'settle', outcome: { type: 'created', ids: { chat_id: s.chatId }, via: 'chat_id exists' } };
      return { do: 'settle', outcome };
    case 'failed':
      // After a lost answer, a refusal may be the server saying "this chat_id exists": ours.
      if (s.answerLost) return { do: 'settle', outcome: lostThenRefused(outcome, s.chatId) };
      return { do: 'settle', outcome };
  }
}

/**
 * What the ledger records for an answer followed by a resend (a 429, a 503): after a lost answer
 * the group stays in doubt, so a run stopped before the resend leaves it in doubt (resent with
 * its chat_id, or flagged for a person) instead of a plain failure a later run sends as new.
 */
export function recordedBeforeResend(outcome: Outcome, s: SendState): Outcome {
  // A community's lost answer is itself in doubt: a run stopped before its resend must not leave
  // a plain failure (renamed in the manifest, the community it may have made would be forgotten).
  if (outcome.type === 'retry' && outcome.lost) {
    return { type: 'in_doubt', status: outcome.status, code: outcome.code, message: `${outcome.message}: it may have been created; the next run sends it again (its handle is unique)` };
  }
  if (!s.answerLost || outcome.type === 'in_doubt' || outcome.type === 'created') return outcome;
  const status = outcome.type === 'throttled' ? 429 : 'status' in outcome ? outcome.status : undefined;
  const code = 'code' in outcome ? outcome.code : undefined;
  return withChatId({ type: 'in_doubt', status, code, message: `an earlier answer was lost, then ${outcome.message}` }, s.chatId);
}

/** The outcome of a group whose retries ran out: failed, or in doubt if an answer was lost on the way. */
export function gaveUp(last: RetryOutcome, attempts: number, s: SendState): Outcome {
  const message = `${last.message} (gave up after ${attempts} attempts)`;
  if (s.answerLost) return withChatId({ type: 'in_doubt', status: last.status, code: last.code, message: `an earlier answer was lost, then ${message}` }, s.chatId);
  return { type: 'failed', status: last.status, code: last.code, message };
}

function lostThenRefused(outcome: Extract<Outcome, { type: 'failed' }>, chatId: string | undefined): Outcome {
  const said = `${outcome.status !== undefined ? `HTTP ${outcome.status}` : ''}${outcome.code ? ` code ${outcome.code}` : ''}`.trim();
  return withChatId(
    { type: 'in_doubt', status: outcome.status, code: outcome.code, message: `an earlier answer was lost and the resend was refused (${said || outcome.message}): it probably exists` },
    chatId,
  );
}

/** An in-doubt outcome naming the chat_id sent (a group's): what a person looks for. */
export function withChatId(outcome: Extract<Outcome, { type: 'in_doubt' }>, chatId: string | undefined): Outcome {
  if (!chatId) return outcome;
  return { ...outcome, message: `${outcome.message} (chat_id ${chatId})` };
}
