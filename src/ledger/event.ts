// One line of the results ledger (JSON Lines, append-only). The ledger is the only memory of
// ids the API handed out: the API has no lookup endpoint, so a lost line is a lost id. The schemas
// are built by their first use (lazy.ts: start-up time); the library exports them built.
import * as z from 'zod';
import { lazy } from '../lazy.js';

// `absent` and `abandoned` are written only by `ledger resolve` (a person's word): absent = an
// in-doubt group does not exist (the next run sends it); abandoned = runs skip the item for good.
// `conflict`: an answer gave this item an id the ledger holds for another item (`held_by`); the
// line keeps the ids it carried, and nothing is created under them until a person settles it.
export const LEDGER_EVENTS = ['attempt', 'created', 'exists', 'failed', 'in_doubt', 'adopted', 'absent', 'abandoned', 'conflict'] as const;
export type LedgerEventName = (typeof LEDGER_EVENTS)[number];

export const ledgerEventSchema = lazy(() => z.object({
  /** ISO-8601 time the line was written. */
  at: z.string(),
  /** Run id: one per `apply` invocation. */
  run: z.string(),
  kind: z.enum(['community', 'group']),
  /** Ledger key: the handle for a community, `<parent>/<group key>` for a group (the rule: item-key.ts). */
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
  /**
   * A group's `group.name` when its ledger key does not show it (the manifest gave a `key`):
   * on attempt and created lines, so a later run can tell that an entry whose key changed names
   * a group the ledger already holds (plan/identity-check.ts). Lines written before it lack it.
   */
  name: z.string().optional(),
  /** On failed / in_doubt / exists: what the server (or the network) said. */
  status: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  /** On lines a person's command wrote (`ledger resolve`): which command. Abandon's reason is in `message`. */
  by: z.string().optional(),
  /**
   * On `conflict` lines (and lines `compact` writes for such an item): `<kind> <key>` of the item
   * the ledger holds this line's ids for. Its ids are the answer's, kept, never used.
   */
  held_by: z.string().optional(),
}));
export type LedgerEvent = z.infer<ReturnType<typeof ledgerEventSchema>>;

/** The ledger format whose meta lines this version writes; a higher one is from a newer version. */
export const LEDGER_FORMAT = 3;

/** The first format with chat_id profile lines: a ledger gets a `ledger` line of it before its first one, so older versions say "upgrade" instead of "corrupt". */
export const PROFILE_FORMAT = 3;

/**
 * Meta lines: facts about the whole ledger, not an item (no kind, no key). Replay keeps the
 * ledger's API and the latest observation; compaction writes both back first.
 */
export const ledgerOriginSchema = lazy(() => z.object({
  at: z.string(),
  /** The API this ledger's ids belong to: `apiOrigin(GENUIN_API_URL)`, or `simulator`. */
  event: z.literal('ledger'),
  api: z.string(),
  format: z.number().int(),
}));
export type LedgerOrigin = z.infer<ReturnType<typeof ledgerOriginSchema>>;

export const observedSchema = lazy(() => z.object({
  at: z.string(),
  run: z.string(),
  event: z.literal('observed'),
  /** Whether the server echoed back the chat_id a group create sent (its latest answer). */
  chat_id_honoured: z.boolean().optional(),
  /**
   * The rate a run found (requests per second, held just under the server's limit): the next
   * `--rate auto` run starts near it. A line carries this, chat_id_honoured, chat_id_unique, or several.
   */
  rate: z.number().positive().optional(),
  /**
   * Whether the API refuses a second group create with a chat_id it holds: proven by a probe or
   * given by a person (`source`), never inferred from an echo. The latest such line is the profile.
   */
  chat_id_unique: z.boolean().optional(),
  /** With chat_id_unique true: the answer that means "this chat_id exists". */
  chat_id_exists: z.object({ status: z.number().int(), code: z.string().optional() }).optional(),
  /** Where chat_id_unique came from: `probe` (genuin-provision probe) or `setting` (GENUIN_CHAT_ID_EXISTS). */
  source: z.enum(['probe', 'setting']).optional(),
  /** A probe's evidence in words: the community it used, the probe groups it left there. */
  evidence: z.string().optional(),
}));
export type Observed = z.infer<ReturnType<typeof observedSchema>>;

export const ledgerMetaSchema = lazy(() => z.discriminatedUnion('event', [ledgerOriginSchema(), observedSchema()]));
export type LedgerMeta = z.infer<ReturnType<typeof ledgerMetaSchema>>;

/** Any line the writer appends. */
export type LedgerLine = LedgerEvent | LedgerMeta;

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
  /** A group's name, when a line recorded it (only where the key is not the name). */
  name?: string;
  status_code?: number;
  error_code?: string;
  error_message?: string;
  /** Number of `attempt` lines across all runs. */
  attempts: number;
  /** True when the last line for this item is an `attempt`: it was in flight when a run died. */
  inFlight: boolean;
  /** The chat_id a group's latest `attempt` line sent: what to look for, and what a resend must carry. */
  sent_chat_id?: string;
  hash?: string;
  updated_at: string;
  /** Run id of the item's latest line (compaction writes it back). */
  run?: string;
  /**
   * `<kind> <key>` of the item that holds this item's ids: set by a `conflict` line (or a
   * community's `created` line carrying an id another community holds), cleared by a later line
   * that gives the item ids of its own. Its ids are kept, never used as its own.
   */
  held_by?: string;
  /**
   * Ids the item held before a later line replaced them (two `created` answers for one key, say),
   * oldest first: never dropped, and written back by compaction before the item's latest line.
   */
  earlier?: EarlierIds[];
}

/** The ids an item held until a later line replaced them, with the state that held them. */
export interface EarlierIds {
  event: ItemStatus;
  at: string;
  run?: string;
  community_id?: string;
  chat_id?: string;
  group_id?: string;
  share_url?: string;
  held_by?: string;
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
