// The executor's public face: what it is given (a Sender, a LedgerSink, its options) and what
// it tells (its events). executor.ts re-exports all of it; attempt.ts and observations.ts take
// the same types without importing the executor.
import type { ChatIdAnswer } from '../api/chat-id-profile.js';
import type { Outcome, RawResult } from '../api/outcome.js';
import type { ItemKind } from '../api/schema.js';
import type { LedgerEvent } from '../ledger/event.js';
import type { PlanItem } from '../plan/plan.js';
import type { LedgerIdOwner } from './id-owners.js';

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

export interface ExecutorOptions {
  client: Sender;
  ledger: LedgerSink;
  /** Run id written on every ledger line. */
  runId: string;
  /** Requests per second at most, or `auto`: find the server's limit (rate-control.ts). */
  rate: number | 'auto';
  /** With `auto`: the most it goes up to (`--max-rate`). Default DEFAULT_MAX_RATE. */
  maxRate?: number;
  /** With `auto`: the rate an earlier run found (the ledger's record), to start near it. */
  knownRate?: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Retries after the first attempt for retryable failures (5xx, network). */
  retries: number;
  /** Backoff before the first retry, doubled each time, randomised by [1, 2). Default 500 ms. */
  minBackoffMs?: number;
  /** Longest backoff. Default 30 s. */
  maxBackoffMs?: number;
  /** 429 answers one item may get before they count as a failed attempt. Default 50. */
  maxThrottlesPerItem?: number;
  /** Stop starting new work after this long (ms); in-flight requests finish. */
  maxDurationMs?: number;
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
  /** Send a derived chat_id with groups whose manifest gives none. Default true. */
  deriveChatIds?: boolean;
  /** Resend groups after 5xx answers that do not prove nothing was created (`--retry-group-5xx`). */
  retryGroup5xx?: boolean;
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
