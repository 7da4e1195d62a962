// One line of the results ledger (JSON Lines, append-only). The ledger is the only memory of
// ids the API handed out: the API has no lookup endpoint, so a lost line is a lost id.
import { z } from 'zod';

export const LEDGER_EVENTS = ['attempt', 'created', 'exists', 'failed', 'in_doubt', 'adopted'] as const;
export type LedgerEventName = (typeof LEDGER_EVENTS)[number];

export const LedgerEventSchema = z.object({
  /** ISO-8601 time the line was written. */
  at: z.string(),
  /** Run id: one per `apply` invocation. */
  run: z.string(),
  kind: z.enum(['community', 'group']),
  /** Ledger key: the handle for a community, `<handle or community_id>/<group key>` for a group. */
  key: z.string(),
  event: z.enum(LEDGER_EVENTS),
  /** Attempt number (1-based) on `attempt` lines. */
  attempt: z.number().int().optional(),
  /**
   * Only on lines written by `compact`: how many `attempt` lines this line stands for (replay
   * adds it to the item's count instead of 1 per attempt line), so compaction keeps the count.
   */
  attempts: z.number().int().optional(),
  /** Hash of the request body sent (or that would be sent), for drift detection. */
  hash: z.string().optional(),
  community_id: z.string().optional(),
  chat_id: z.string().optional(),
  group_id: z.string().optional(),
  share_url: z.string().optional(),
  /** On failed / in_doubt / exists: what the server (or the network) said. */
  status: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type LedgerEvent = z.infer<typeof LedgerEventSchema>;

/** The statuses an item can be in after replay (an `attempt` alone is not a status). */
export type ItemStatus = Exclude<LedgerEventName, 'attempt'>;

/** Latest known state of one item, folded from its ledger lines. */
export interface ItemState {
  kind: 'community' | 'group';
  key: string;
  /** Undefined when the only lines are attempts (sent, never answered: a crash). */
  status?: ItemStatus;
  community_id?: string;
  chat_id?: string;
  group_id?: string;
  share_url?: string;
  status_code?: number;
  error_code?: string;
  error_message?: string;
  /** Number of `attempt` lines across all runs. */
  attempts: number;
  /** True when the last line for this item is an `attempt`: it was in flight when a run died. */
  inFlight: boolean;
  hash?: string;
  updated_at: string;
  /** Run id of the item's latest line (compaction writes it back). */
  run?: string;
}

/** Map key for an item: kinds have separate key spaces. */
export function stateKey(kind: 'community' | 'group', key: string): string {
  return kind === 'community' ? `c\t${key}` : `g\t${key}`;
}

/**
 * `event` of the marker line the writer appends, on open, after a torn (unparseable) last line
 * left by an interrupted write. The torn line is kept (it may hold half an id a person can
 * still read) and replay, seeing the marker right after it, knows it is a torn write and not
 * corruption even once more lines follow. Not an item event: it has no kind or key.
 */
export const TORN_MARKER_EVENT = 'torn_line_above';
