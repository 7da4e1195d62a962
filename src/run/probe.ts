// The chat_id probe: two group creates with one fresh chat_id in a community the person names,
// read into a finding about the API. A refusal with an answer no other error shares proves
// uniqueness; a second 200 disproves it; anything else proves nothing and says why.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeAnswer, notProof, type ChatIdAnswer } from '../api/chat-id-profile.js';
import { classify, type RawResult } from '../api/outcome.js';
import { errorBodySchema } from '../api/schema.js';
import type { Sender } from './executor.js';

/** A probe group the server created: what a person needs to find and remove it. */
export interface ProbeGroup {
  name: string;
  chat_id: string;
  group_id?: string;
}

export type ProbeFinding =
  /** The repeat was refused with `exists`: the API keeps chat_ids unique. One probe group exists. */
  | { finding: 'refused'; exists: ChatIdAnswer; created: ProbeGroup[]; echoed: boolean }
  /** The repeat was created too: the API does not refuse a held chat_id. Two probe groups exist. */
  | { finding: 'not refused'; created: ProbeGroup[]; echoed: boolean }
  /** Nothing proven. `created`: probe groups known to exist; `maybe`: a create whose answer was lost. */
  | { finding: 'inconclusive'; why: string; created: ProbeGroup[]; maybe: number };

export interface ProbeOptions {
  /** The chat_id both creates carry. Default: a fresh UUID. */
  chatId?: string;
  /** A name that says what the groups are and when they were made. */
  label?: string;
  /** Answers that ask for a pause (429, 503) waited out this many times per create. Default 5. */
  waits?: number;
  /** Longest pause, in ms. Default 30 s. */
  maxWaitMs?: number;
}

/** One create, with the answers that prove nothing was created (429, 503, connection refused) waited out. */
async function create(sender: Sender, body: object, o: Required<Pick<ProbeOptions, 'waits' | 'maxWaitMs'>>): Promise<RawResult> {
  for (let i = 0; ; i++) {
    const raw = await sender.send('group', JSON.stringify(body));
    const outcome = classify('group', raw);
    const pause = outcome.type === 'throttled' ? (outcome.retryAfterMs ?? 1000) : outcome.type === 'retry' && (raw.type === 'network' ? !raw.sent : raw.status === 503) ? 1000 * 2 ** i : undefined;
    if (pause === undefined || i >= o.waits) return raw;
    await sleep(Math.min(pause, o.maxWaitMs));
  }
}

/**
 * Probes the API behind `sender` in community `communityId`: creates a probe group with a fresh
 * chat_id, then sends the same chat_id again under another name (so a refusal is about the
 * chat_id, not the name). Never retries a create whose answer was lost.
 */
export async function probeChatIds(sender: Sender, communityId: string, options: ProbeOptions = {}): Promise<ProbeFinding> {
  const o = { waits: options.waits ?? 5, maxWaitMs: options.maxWaitMs ?? 30_000 };
  const chatId = options.chatId ?? randomUUID();
  const label = options.label ?? `genuin-provision probe ${new Date().toISOString()}`;
  const bodyOf = (name: string) => ({
    type: 4,
    community_id: communityId,
    chat_id: chatId,
    group: { name, description: 'Created by genuin-provision probe to learn how the API treats a repeated chat_id: safe to delete.' },
    settings: { discoverable: false },
  });

  const firstName = `${label} (1 of 2)`;
  const first = await create(sender, bodyOf(firstName), o);
  const one = classify('group', first);
  if (one.type !== 'created') {
    const lost = one.type === 'in_doubt';
    return { finding: 'inconclusive', why: `the first create was answered ${said(first)}: ${lost ? 'its answer was lost, so a repeat would prove nothing' : 'a probe needs a community where this token can create a group'}`, created: [], maybe: lost ? 1 : 0 };
  }
  const echoed = one.ids.chat_id === chatId;
  const created: ProbeGroup[] = [{ name: firstName, chat_id: one.ids.chat_id ?? chatId, group_id: one.ids.group_id }];

  const secondName = `${label} (2 of 2)`;
  const second = await create(sender, bodyOf(secondName), o);
  const two = classify('group', second);
  if (two.type === 'created') {
    created.push({ name: secondName, chat_id: two.ids.chat_id ?? chatId, group_id: two.ids.group_id });
    return { finding: 'not refused', created, echoed };
  }
  if (second.type === 'response' && second.status >= 400) {
    const answer = answerOf(second);
    const why = notProof(answer);
    if (why === undefined && echoed) return { finding: 'refused', exists: answer, created, echoed };
    const reason = why ?? `${describeAnswer(answer)} refused the repeat, but the first answer carried chat_id ${String(one.ids.chat_id)} instead of the one sent: the refusal is not about the chat_id`;
    return { finding: 'inconclusive', why: `the repeat was answered ${reason}: not proof`, created, maybe: 0 };
  }
  return { finding: 'inconclusive', why: `the repeat was answered ${said(second)}: its answer was lost, so whether it created a second group is unknown`, created, maybe: 1 };
}

function answerOf(raw: Extract<RawResult, { type: 'response' }>): ChatIdAnswer {
  const body = errorBodySchema().safeParse(raw.body);
  const code = body.success && body.data.code !== undefined ? String(body.data.code) : undefined;
  return code !== undefined ? { status: raw.status, code } : { status: raw.status };
}

function said(raw: RawResult): string {
  return raw.type === 'network' ? `no answer (${raw.code})` : describeAnswer(answerOf(raw));
}
