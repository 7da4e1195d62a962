// Replay: folds the ledger's lines into the latest state of every item. Streams the file in big
// chunks and checks each line's shape by hand (no zod per line): a million lines replay in about
// the time it takes to read and JSON.parse them.
import type { ItemKind } from '../api/schema.js';
import { open, type FileHandle } from 'node:fs/promises';
import { LedgerError } from '../errors.js';
import {
  LEDGER_FORMAT,
  stateKey,
  TORN_MARKER_EVENT,
  type EarlierIds,
  type ItemState,
  type LedgerEvent,
  type LedgerMeta,
  type LedgerOrigin,
  type Observed,
} from './event.js';

/** A line left half-written by an interrupted run: ignored by replay, kept in the file. */
export interface TornLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

/** Everything the ledger knows, folded from its lines. */
export interface LedgerState {
  /** Latest state per item, keyed by `stateKey(kind, key)`, in order of first appearance. */
  readonly items: Map<string, ItemState>;
  /** Items held (communities and groups): `items.size` without building that map. */
  readonly count: number;
  /** Item lines folded (blank lines, torn lines, torn-line markers and meta lines are not counted). */
  readonly lines: number;
  /** Distinct run ids seen. */
  readonly runs: number;
  /** Torn lines found (and ignored). */
  readonly torn: readonly TornLine[];
  /** The API the ledger belongs to (its `ledger` meta line); undefined for a ledger older than that line. */
  readonly api?: string;
  /** The `ledger` meta line itself (compaction writes it back first). */
  readonly origin?: LedgerOrigin;
  /** Whether the server was last seen to honour client chat_ids (the latest `observed` line). */
  readonly chatIdsHonoured?: boolean;
  /** The latest `observed` line about chat_ids itself. */
  readonly observed?: Observed;
  /** The latest `observed` line that says whether a repeated chat_id is refused (a probe or a setting). */
  readonly profileObserved?: Observed;
  /** The rate the latest run that found one recorded (an `observed` line with `rate`). */
  readonly rateFound?: number;
  /** That `observed` line itself (compaction writes it back). */
  readonly rateObserved?: Observed;
  get(kind: ItemKind, key: string): ItemState | undefined;
  /** Handles of communities that exist, or may, on the server (status created, exists, adopted, in doubt or conflict). */
  handles(): string[];
  isKnownHandle(handle: string): boolean;
  /** The community id the ledger holds for a handle, whatever the item's latest status. */
  communityId(handle: string): string | undefined;
  /** The handle of the community the ledger holds this id for (plan/group-lookup.ts: a group's parent by either name). */
  handleOf(communityId: string): string | undefined;
  /** Folds one more event (e.g. the one just appended) into this state. */
  apply(event: LedgerEvent): ItemState;
  /** Folds one more meta line (e.g. the one just appended) into this state. */
  applyMeta(line: LedgerMeta): void;
}

export interface ReadLedgerOptions {
  /** Told about lines that are ignored (torn writes). Default: ignore. */
  onWarning?: (message: string) => void;
  /**
   * For a run: items keep no `share_url` and no time (`updated_at` is empty), which a run never
   * reads and a million items would hold 110 MB of (issue 22). Reports, show and compact read all.
   */
  lean?: boolean;
}

// A community in doubt may exist, and one in conflict does (its answer carried an id): a later
// run's manifests may name either as a parent (their groups wait, blocked, until it is settled).
const KNOWN: ReadonlySet<string> = new Set(['created', 'exists', 'adopted', 'in_doubt', 'conflict']);

class State implements LedgerState {
  constructor(private readonly lean = false) {}

  // One map per kind, keyed by the item's own key: a million lookups (replay, then the plan)
  // then build no `stateKey` strings, and a million items hold none. `items`, the combined
  // view, is built when asked for (report, compact) from `order`.
  private readonly communities = new Map<string, ItemState>();
  private readonly groups = new Map<string, ItemState>();
  /** Items in order of first appearance. */
  private readonly order: ItemState[] = [];
  private view: Map<string, ItemState> | undefined;
  readonly torn: TornLine[] = [];
  lines = 0;
  origin: LedgerOrigin | undefined;
  observed: Observed | undefined;
  rateObserved: Observed | undefined;
  profileObserved: Observed | undefined;
  private readonly runIds = new Set<string>();
  private lastRun: string | undefined;

  get items(): Map<string, ItemState> {
    // Items are only ever added, and their objects change in place: a view of the right size is current.
    if (this.view === undefined || this.view.size !== this.order.length) {
      const view = new Map<string, ItemState>();
      for (const s of this.order) view.set(stateKey(s.kind, s.key), s);
      this.view = view;
    }
    return this.view;
  }

  get api(): string | undefined {
    return this.origin?.api;
  }

  get chatIdsHonoured(): boolean | undefined {
    return this.observed?.chat_id_honoured;
  }

  get rateFound(): number | undefined {
    return this.rateObserved?.rate;
  }

  applyMeta(line: LedgerMeta): void {
    if (line.event === 'ledger') {
      // A later line of the same API may raise the format (the first profile line does).
      if (this.origin === undefined || line.format > this.origin.format) this.origin = this.origin === undefined ? line : { ...this.origin, format: line.format };
      return;
    }
    // One line may say several: each fact keeps its own latest line.
    if (line.chat_id_honoured !== undefined) this.observed = line;
    if (line.rate !== undefined) this.rateObserved = line;
    if (line.chat_id_unique !== undefined) this.profileObserved = line;
  }

  get runs(): number {
    return this.runIds.size;
  }

  get count(): number {
    return this.order.length;
  }

  get(kind: ItemKind, key: string): ItemState | undefined {
    return (kind === 'community' ? this.communities : this.groups).get(key);
  }

  handles(): string[] {
    const out: string[] = [];
    for (const item of this.communities.values()) {
      if (item.status !== undefined && KNOWN.has(item.status)) out.push(item.key);
    }
    return out;
  }

  isKnownHandle(handle: string): boolean {
    const status = this.communities.get(handle)?.status;
    return status !== undefined && KNOWN.has(status);
  }

  communityId(handle: string): string | undefined {
    return this.communities.get(handle)?.community_id;
  }

  /** Id → handle, built when first asked (only runs naming a parent by id ask) and after more lines. */
  private byId: { lines: number; map: Map<string, string> } | undefined;

  handleOf(communityId: string): string | undefined {
    if (this.byId?.lines !== this.lines) {
      const map = new Map<string, string>();
      // A conflicted community's id is another's: never a name for it.
      for (const c of this.communities.values()) if (c.community_id !== undefined && c.held_by === undefined) map.set(c.community_id, c.key);
      this.byId = { lines: this.lines, map };
    }
    return this.byId.map.get(communityId);
  }

  /** Which created or adopted community holds each community_id, first holder first. */
  readonly #communityIds = new Map<string, ItemState>();

  /**
   * A community's `created` line with an id another community already holds is a conflict, even
   * without the `conflict` line the run writes after it (a run killed between the two): its groups
   * must never be created under the other's id.
   */
  #holdCommunityId(s: ItemState, event: LedgerEvent['event']): void {
    if (s.held_by !== undefined || (event !== 'created' && event !== 'adopted')) return;
    const id = s.community_id!;
    const holder = this.#communityIds.get(id);
    if (holder === undefined || holder === s || (holder.status !== 'created' && holder.status !== 'adopted')) {
      this.#communityIds.set(id, s);
    } else if (event === 'created') {
      s.status = 'conflict';
      s.held_by = `community ${holder.key}`;
    }
  }

  apply(e: LedgerEvent): ItemState {
    this.lines++;
    // Consecutive lines nearly always share a run: skip the set lookup for them.
    if (e.run !== this.lastRun) {
      this.runIds.add(e.run);
      this.lastRun = e.run;
    }
    // The one copy of this run's id, not the one each parsed line brings: a million items
    // then share it instead of holding a million equal strings.
    const run = this.lastRun!;
    const kind = e.kind === 'community' ? 'community' : 'group';
    const map = kind === 'community' ? this.communities : this.groups;
    let s = map.get(e.key);
    if (s === undefined) {
      // The fields nearly every item gets, up front and in one order: one hidden class for all
      // items keeps this loop fast. The rare ones (an error's, a name, a conflict's holder,
      // earlier ids) are added only to the items that get them: declared on every item they
      // cost a million items 48 MB (issue 22: memory per item).
      s = {
        kind,
        key: e.key,
        status: undefined,
        community_id: undefined,
        chat_id: undefined,
        group_id: undefined,
        share_url: undefined,
        attempts: 0,
        inFlight: false,
        sent_chat_id: undefined,
        hash: undefined,
        updated_at: this.lean ? '' : e.at,
        run,
      };
      map.set(e.key, s);
      this.order.push(s);
    }
    // `?? undefined` throughout: JSON null (NaN, a hand edit) counts as absent, never as a value.
    if (e.event === 'attempt') {
      s.attempts += e.attempts ?? 1;
      s.inFlight = true;
      if (e.chat_id != null) s.sent_chat_id = e.chat_id;
    } else {
      const carriesIds = e.community_id != null || e.chat_id != null || e.group_id != null;
      // A line giving a conflicted item ids of its own settles it: every id the conflict carried
      // is another item's, so none stays beside the new ones (a person's `--created <chat_id>`
      // gives no group_id, and the other group's must not pass for this one's).
      const settles = s.held_by !== undefined && carriesIds && e.held_by == null;
      // An id this line replaces is kept (compaction writes it back): no id is ever dropped.
      if (replacesIds(s, e) || settles) (s.earlier ??= []).push(earlierIds(s));
      if (settles) s.community_id = s.chat_id = s.group_id = s.share_url = undefined;
      s.status = e.event;
      s.inFlight = false;
      if (e.attempts != null) s.attempts += e.attempts;
      // Ids are sticky: a later line without them (a re-run's `exists`) must not erase them.
      if (e.community_id != null) s.community_id = e.community_id;
      if (e.chat_id != null) s.chat_id = e.chat_id;
      if (e.group_id != null) s.group_id = e.group_id;
      if (e.share_url != null && !this.lean) s.share_url = e.share_url;
      if (e.held_by != null) s.held_by = e.held_by;
      else if (carriesIds && s.held_by !== undefined) s.held_by = undefined;
      if (kind === 'community' && s.community_id !== undefined) this.#holdCommunityId(s, e.event);
      // Error fields describe the latest outcome only: a `created` after a `failed` clears them.
      // An item that never had one is left without them (see the shape above); the three are
      // added together, so items with an error share one shape whichever of them a line carries.
      if (e.status != null || e.code != null || e.message != null || 'status_code' in s) {
        s.status_code = e.status ?? undefined;
        s.error_code = e.code ?? undefined;
        s.error_message = e.message ?? undefined;
      }
    }
    if (e.hash != null) s.hash = e.hash;
    if (e.name != null) s.name = e.name;
    s.updated_at = this.lean ? '' : e.at;
    s.run = run;
    return s;
  }
}

/** True when `e` gives the item an id other than one it holds. */
function replacesIds(s: ItemState, e: LedgerEvent): boolean {
  return (
    (e.community_id != null && s.community_id !== undefined && e.community_id !== s.community_id) ||
    (e.chat_id != null && s.chat_id !== undefined && e.chat_id !== s.chat_id) ||
    (e.group_id != null && s.group_id !== undefined && e.group_id !== s.group_id)
  );
}

function earlierIds(s: ItemState): EarlierIds {
  const out: EarlierIds = { event: s.status!, at: s.updated_at, run: s.run };
  if (s.community_id !== undefined) out.community_id = s.community_id;
  if (s.chat_id !== undefined) out.chat_id = s.chat_id;
  if (s.group_id !== undefined) out.group_id = s.group_id;
  if (s.share_url !== undefined) out.share_url = s.share_url;
  if (s.held_by !== undefined) out.held_by = s.held_by;
  return out;
}

/** A fresh, empty state (a ledger that does not exist yet). */
export function emptyLedgerState(): LedgerState {
  return new State();
}

/** Why a parsed meta line (`ledger` or `observed`) is malformed, or undefined if it is fine. */
function metaProblem(o: any): string | undefined {
  if (typeof o.at !== 'string') return '"at" is not a string';
  if (o.event === 'ledger') {
    if (typeof o.api !== 'string' || o.api.length === 0) return '"api" is not a non-empty string';
    if (typeof o.format !== 'number' || !Number.isInteger(o.format)) return '"format" is not an integer';
    return undefined;
  }
  if (typeof o.run !== 'string') return '"run" is not a string';
  if (o.chat_id_honoured !== undefined && typeof o.chat_id_honoured !== 'boolean') return '"chat_id_honoured" is not true or false';
  if (o.rate !== undefined && !(typeof o.rate === 'number' && o.rate > 0 && Number.isFinite(o.rate))) return '"rate" is not a positive number';
  if (o.chat_id_unique !== undefined && typeof o.chat_id_unique !== 'boolean') return '"chat_id_unique" is not true or false';
  if (o.chat_id_unique === true) {
    const e = o.chat_id_exists;
    if (e === null || typeof e !== 'object' || !Number.isInteger(e.status) || (e.code !== undefined && typeof e.code !== 'string')) return '"chat_id_exists" is not {status, code?}';
  }
  if (o.source !== undefined && o.source !== 'probe' && o.source !== 'setting') return '"source" is not probe or setting';
  if (o.chat_id_honoured === undefined && o.rate === undefined && o.chat_id_unique === undefined) return 'none of "chat_id_honoured", "rate", "chat_id_unique"';
  return undefined;
}

/** Why a parsed line is not a ledger event, or undefined if it is one. Cheap: no allocation on success. */
function shapeProblem(o: any): string | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
  switch (o.event) {
    case 'attempt':
    case 'created':
    case 'exists':
    case 'failed':
    case 'in_doubt':
    case 'adopted':
    case 'absent':
    case 'abandoned':
    case 'conflict':
      break;
    default:
      return `unknown event ${JSON.stringify(o.event)}`;
  }
  if (typeof o.at !== 'string') return '"at" is not a string';
  if (typeof o.run !== 'string') return '"run" is not a string';
  if (o.kind !== 'community' && o.kind !== 'group') return '"kind" is not community or group';
  if (typeof o.key !== 'string') return '"key" is not a string';
  if (o.community_id != null && typeof o.community_id !== 'string') return '"community_id" is not a string';
  if (o.chat_id != null && typeof o.chat_id !== 'string') return '"chat_id" is not a string';
  if (o.group_id != null && typeof o.group_id !== 'string') return '"group_id" is not a string';
  if (o.share_url != null && typeof o.share_url !== 'string') return '"share_url" is not a string';
  if (o.held_by != null && typeof o.held_by !== 'string') return '"held_by" is not a string';
  if (o.hash != null && typeof o.hash !== 'string') return '"hash" is not a string';
  if (o.name != null && typeof o.name !== 'string') return '"name" is not a string';
  if (o.code != null && typeof o.code !== 'string') return '"code" is not a string';
  if (o.message != null && typeof o.message !== 'string') return '"message" is not a string';
  if (o.status != null && typeof o.status !== 'number') return '"status" is not a number';
  if (o.attempts != null && typeof o.attempts !== 'number') return '"attempts" is not a number';
  return undefined;
}

const CHUNK = 4 << 20;

/** Folds ledger lines, one at a time in ledger order, into a state: the part of replay every store shares. */
export interface LedgerFolder {
  /** One line's text, without its newline. */
  take(text: string): void;
  /** No more lines: a suspect last line is a torn write (warned about); returns the state. */
  end(): LedgerState;
}

/**
 * A folder for the ledger called `path` in messages (a file path, or a database URL without its
 * password); line numbers count every line given to `take`, blank ones included.
 */
export function ledgerFolder(path: string, options: ReadLedgerOptions = {}): LedgerFolder {
  const state = new State(options.lean);
  let lineNo = 0;
  /** Line of the `ledger` meta line, once seen. */
  let originLine: number | undefined;
  /** An unparseable line: torn if it is the last one or a marker follows it, corrupt otherwise. */
  let suspect: { line: number; text: string; why: string } | undefined;

  const corrupt = (line: number, why: string): LedgerError =>
    new LedgerError(
      `ledger ${path}:${line}: corrupt line (${why}); the ledger is never rewritten: fix or move that line by hand`,
    );

  const take = (text: string): void => {
    lineNo++;
    if (text.length === 0) return;
    if (text.charCodeAt(0) <= 32 && text.trim().length === 0) return; // blank
    let o: any;
    try {
      o = JSON.parse(text);
    } catch (error) {
      if (suspect) throw corrupt(suspect.line, suspect.why);
      suspect = { line: lineNo, text, why: (error as Error).message };
      return;
    }
    if (suspect) {
      if (o !== null && typeof o === 'object' && o.event === TORN_MARKER_EVENT) {
        state.torn.push({ line: suspect.line, text: suspect.text });
        options.onWarning?.(
          `ledger ${path}: ignoring torn line ${suspect.line} (an interrupted write, marked on ${String(o.at)})`,
        );
        suspect = undefined;
        return;
      }
      throw corrupt(suspect.line, suspect.why);
    }
    if (o !== null && typeof o === 'object' && (o.event === 'ledger' || o.event === 'observed')) {
      const problem = metaProblem(o);
      if (problem !== undefined) throw corrupt(lineNo, problem);
      if (o.event === 'ledger') {
        if (o.format > LEDGER_FORMAT) {
          throw new LedgerError(
            `ledger ${path}:${lineNo}: written in format ${o.format} by a newer genuin-provision (this one reads up to ${LEDGER_FORMAT}); upgrade it`,
          );
        }
        if (state.origin !== undefined && state.origin.api !== o.api) {
          throw new LedgerError(
            `ledger ${path}:${lineNo}: names API ${o.api}, but line ${originLine} names ${state.origin.api}; a ledger belongs to one API: split it by hand`,
          );
        }
        originLine ??= lineNo;
      }
      state.applyMeta(o as LedgerMeta);
      return;
    }
    const problem = shapeProblem(o);
    if (problem !== undefined) {
      if (o !== null && typeof o === 'object' && o.event === TORN_MARKER_EVENT) return; // torn line removed by hand
      throw corrupt(lineNo, problem);
    }
    state.apply(o as LedgerEvent);
  };

  const end = (): LedgerState => {
    if (suspect) {
      state.torn.push({ line: suspect.line, text: suspect.text });
      options.onWarning?.(`ledger ${path}: ignoring torn last line ${suspect.line} (an interrupted write)`);
    }
    return state;
  };
  return { take, end };
}

/**
 * Reads the ledger into its latest state. A missing file is an empty ledger. A torn last line
 * (an interrupted write) and a torn line the writer has since marked are ignored with a
 * warning; any other line that is not a ledger event is an error, since guessing past it could
 * forget an id.
 */
export async function readLedger(path: string, options: ReadLedgerOptions = {}): Promise<LedgerState> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new State();
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  }
  const { take, end } = ledgerFolder(path, options);

  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow it (never happens with our own lines).
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      const scanFrom = filled;
      filled += bytesRead;
      const lastNl = buf.lastIndexOf(0x0a, filled - 1);
      if (lastNl < scanFrom) continue; // no complete line yet (lastIndexOf is -1 or in the old part: impossible)
      // Decode whole lines only, so a multi-byte character is never split across chunks.
      const text = buf.toString('utf8', 0, lastNl);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        take(text.slice(start, nl));
        start = nl + 1;
      }
      take(text.slice(start));
      buf.copy(buf, 0, lastNl + 1, filled);
      filled -= lastNl + 1;
    }
    if (filled > 0) take(buf.toString('utf8', 0, filled)); // a last line without its newline
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  } finally {
    await handle.close();
  }

  return end();
}
