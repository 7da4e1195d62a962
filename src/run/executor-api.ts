// The executor's public face: what it is given (a Sender, a LedgerSink, its options) and what
// it tells (its events). executor.ts re-exports all of it; attempt.ts and observations.ts take
// the same types without importing the executor.
import type { ChatIdAnswer } from '../api/chat-id-profile.js';
import type { Outcome, RawResult } from '../api/outcome.js';
import type { ItemKind } from '../api/schema.js';
import type { LedgerEvent } from '../ledger/event.js';
import type { PlanItem } from '../plan/plan.js';
import type { LedgerIdOwner } from './id-owners.js';
import type { RunConfig } from '../config/run-config.js';

export interface Sender {
  send(kind: ItemKind, json: string, signal?: AbortSignal): Promise<RawResult>;
}

/** What the executor observed about the server, for the ledger (a line without kind or key). */
export interface ObservedLine {
  at: string;
  run: string;
  event: 'observed';
  chat_id_honoured?: boolean;
  /** The rate found (requests per second): where the next `--rate auto` run starts. */
  rate?: number;
}

export interface LedgerSink {
  /** Resolves once the line is durable. */
  append(event: LedgerEvent | ObservedLine): Promise<void>;
}

/** The settings of a run the executor reads, under RunConfig's names and meanings. */
export const EXECUTOR_SETTINGS = ['rate', 'maxRate', 'concurrency', 'retries', 'maxDurationMs', 'deriveChatIds', 'retryGroup5xx'] as const satisfies readonly (keyof RunConfig)[];
type ExecutorSetting = (typeof EXECUTOR_SETTINGS)[number];

/**
 * The executor's options: the run's settings as RunConfig says them (`rate`, `concurrency` and
 * `retries` required; `maxRate` defaults to DEFAULT_MAX_RATE, `deriveChatIds` to true,
 * `retryGroup5xx` to false, no `maxDurationMs` to no limit), and what only the executor is given.
 */
export interface ExecutorOptions extends Pick<RunConfig, 'rate' | 'concurrency' | 'retries'>, Partial<Pick<RunConfig, 'maxRate' | 'maxDurationMs' | 'deriveChatIds' | 'retryGroup5xx'>> {
  client: Sender;
  ledger: LedgerSink;
  /** Run id written on every ledger line. */
  runId: string;
  /** With `auto`: the rate an earlier run found (the ledger's record), to start near it. */
  knownRate?: number;
  /** Backoff before the first retry, doubled each time, randomised by [1, 2). Default 500 ms. */
  minBackoffMs?: number;
  /** Longest backoff. Default 30 s. */
  maxBackoffMs?: number;
  /** 429 answers one item may get before they count as a failed attempt. Default 50. */
  maxThrottlesPerItem?: number;
  /**
   * Whether the server was last seen to echo the chat_id a group create sent (the ledger's
   * record); undefined when never seen. An echo proves nothing, but a server seen not echoing
   * cannot be refusing repeats: once false, no group whose answer was lost is resent.
   */
  chatIdsHonoured?: boolean;
  /**
   * The answer proven (a probe, or a person's setting) to mean "a group with this chat_id
   * exists"; undefined while that is unknown or disproven. Only with it is a group whose answer
   * was lost resent (with the same chat_id), and that answer settles a group as created.
   */
  chatIdExists?: ChatIdAnswer;
  /**
   * The item (`kind key`) the ledger already holds an id for, if any. Asked per field: a server
   * may number communities and groups apart, so community_id 5 and group_id 5 are not one id.
   */
  idOwner?: LedgerIdOwner;
  /**
   * Gets a new token into the client (GENUIN_API_KEY/SECRET, GENUIN_ACCESS_TOKEN_COMMAND). A
   * request refused with 401 is then resent once with it; without this a 401 stops the run.
   */
  refreshToken?: () => Promise<void>;
  /** The base URL to suggest when the configured one answers like a web server, not the API. */
  apiBaseHint?: string;
  now?: () => number;
}

export interface OutcomeEvent {
  item: PlanItem;
  /** The answer's outcome as the ledger records it (a refusal after a lost answer is `in_doubt`). */
  outcome: Outcome;
  attempt: number;
  durationMs: number;
}

/** An item's end in this run: its final outcome, once its ledger line is durable. */
export interface SettledEvent {
  item: PlanItem;
  /** created, exists, failed (retries used up included), in_doubt or fatal. */
  outcome: Outcome;
  /** Requests sent for it in this run. */
  attempts: number;
  /** True when retryable failures used up --retries (the outcome is then `failed` or `in_doubt`). */
  gaveUp: boolean;
}

/** An answer whose line could not be made durable (the ledger failed): a person must keep it. */
export interface UndurableEvent {
  line: LedgerEvent;
  error: Error;
}

/** The executor's settings out of a run configuration, and nothing else of it (no credentials). */
export function executorSettings(config: Pick<RunConfig, ExecutorSetting>): Partial<Pick<RunConfig, ExecutorSetting>> & Pick<RunConfig, 'rate' | 'concurrency' | 'retries'> {
  const out: Record<string, unknown> = {};
  // An unset setting is left out, so the executor's default stands.
  for (const key of EXECUTOR_SETTINGS) if (config[key] !== undefined) out[key] = config[key];
  return out as ReturnType<typeof executorSettings>;
}
