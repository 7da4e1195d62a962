// The ledger verbs as calls: compact, resolve (a person's verdict on an item, or many at once),
// show (an item's history), append (lines a run printed because it could not write them) and
// unlock (a person's word that a lock's holder is gone), on the ledger of a run configuration.
import type { ItemKind } from '../api/schema.js';
import { ConfigError } from '../errors.js';
import type { RunConfig } from '../config/run-config.js';
import type { ItemState, LedgerEvent } from '../ledger/event.js';
import { appendLinesIn, type AppendResult } from '../ledger/append.js';
import type { CompactResult } from '../ledger/compact.js';
import { RefusedDecisions, settleDecisions, type DecisionSource, type Settled, type SettleOptions } from '../ledger/bulk-resolve.js';
import { resolveIn, unknownKey, type Resolution, type Resolved } from '../ledger/resolve.js';
import { lastSentChatId } from '../ledger/show.js';
import { ledgerStore, withLedgerStore } from '../ledger/open.js';
import type { LedgerStore, UnlockOptions } from '../ledger/store.js';
import { exportLedger, importLedger, type ExportResult, type ImportResult } from '../ledger/transfer.js';
import { didYouMean } from '../manifest/suggest.js';
import type { Observers } from './observers.js';

export { isInDoubt, type Resolution, type Resolved } from '../ledger/resolve.js';
export { fingerprint, RefusedDecisions, type BulkCheck, type Change, type Decision, type DecisionSource, type Settled } from '../ledger/bulk-resolve.js';
export { historyLine, stateWords } from '../ledger/show.js';
export type { AppendResult } from '../ledger/append.js';
export type { CompactResult } from '../ledger/compact.js';
export type { ExportResult, ImportResult } from '../ledger/transfer.js';

/** All a ledger verb needs of the run configuration. */
export type LedgerConfig = Pick<RunConfig, 'ledgerPath'>;

/** Rewrites the ledger as one line per item, atomically, under the lock (refused while a run holds it). */
export async function compactLedgerOf(config: LedgerConfig, observers: Observers = {}): Promise<CompactResult> {
  return withLedgerStore(config.ledgerPath, (store) => store.compact({ onWarning: observers.onWarning }));
}

/**
 * Records a person's verdict on `key` (appended under the lock, durable). A verdict that does
 * not fit the item's state, or an unknown key (with a near one suggested), is a ConfigError.
 */
export async function resolveLedgerItem(key: string, resolution: Resolution, config: LedgerConfig, options: Observers & { kind?: ItemKind } = {}): Promise<Resolved> {
  const resolveOptions = { kind: options.kind, onWarning: options.onWarning, suggest: didYouMean };
  // A file ledger is read and written through the real file its lock names (a symlink resolved).
  return withLedgerStore(
    config.ledgerPath,
    async (store) => {
      await mustHoldSomething(store);
      return resolveIn(store, key, resolution, resolveOptions);
    },
    { via: 'real' },
  );
}

/** A verdict on a ledger that is not there (or holds nothing yet) is a ConfigError: probably the wrong ledger. */
async function mustHoldSomething(store: LedgerStore): Promise<void> {
  if (!(await store.exists())) {
    throw new ConfigError(`ledger ${store.name} does not exist or holds nothing yet: nothing to resolve (is --ledger or GENUIN_LEDGER the one the runs used?)`);
  }
}

export interface SettleLedgerOptions extends Observers, Pick<SettleOptions, 'write' | 'expect' | 'onPreview' | 'now'> {
  /** Refusals found while reading the input (a cell that is not a decision): told with the ledger's own, and nothing is written. */
  refused?: readonly string[];
}

/**
 * Many verdicts at once (`ledger resolve --from | --all-in-doubt | --adopt`): each checked as
 * `resolveLedgerItem` checks one, plus ids held by another item and an item decided twice; with
 * `write`, all appended under the lock in one durable write. Any refusal: RefusedDecisions
 * (every one, `file:line: why`), and nothing is written.
 */
export async function settleLedgerItems(source: DecisionSource, config: LedgerConfig, options: SettleLedgerOptions): Promise<Settled> {
  const location = config.ledgerPath;
  // A file ledger is read and written through the real file its lock names (a symlink resolved).
  const store = ledgerStore(location, { via: 'real' });
  try {
    await mustHoldSomething(store);
    const settle = { suggest: didYouMean, onWarning: options.onWarning, now: options.now };
    const early = options.refused ?? [];
    if (early.length > 0) {
      // Every refusal at once: the input's, then the ledger's verdict on the rest.
      let later: readonly string[] = [];
      try {
        await settleDecisions(store, source, { ...settle, write: false });
      } catch (error) {
        if (!(error instanceof RefusedDecisions)) throw error;
        later = error.refusals;
      }
      throw new RefusedDecisions(byLine([...early, ...later]), store.name);
    }
    return await settleDecisions(store, source, { ...settle, write: options.write, expect: options.expect, onPreview: options.onPreview });
  } finally {
    await store.close();
  }
}

/** Refusals in the order of their `file:line`, the input's first at equal lines. */
function byLine(refusals: string[]): string[] {
  const line = (r: string) => Number(/^.*?:(\d+): /.exec(r)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return refusals.map((r, i) => ({ r, i })).sort((a, b) => line(a.r) - line(b.r) || a.i - b.i).map((x) => x.r);
}

export interface ShownItem {
  kind: ItemKind;
  /** Its state now. */
  state: ItemState;
  /** Every ledger line written for it, in file order. */
  history: LedgerEvent[];
  /** The chat_id its latest send carried, if any (what to look for in Genuin). */
  sentChatId?: string;
}

/** The items of `key` (of `kind`, or of both kinds that hold it). An unknown key is a ConfigError. */
export async function showLedgerItem(key: string, config: LedgerConfig, options: Observers & { kind?: ItemKind } = {}): Promise<ShownItem[]> {
  const path = config.ledgerPath;
  // The file, or PostgreSQL for a postgres:// ledger.
  const { state, history } = await withLedgerStore(path, async (store) => ({ state: await store.read({ onWarning: options.onWarning }), history: await store.history(key) }));
  const kinds = (options.kind ? [options.kind] : (['community', 'group'] as const)).filter((k) => state.get(k, key) !== undefined);
  if (kinds.length === 0) {
    const prefix = options.kind ? `no ${options.kind} "${key}"; ` : '';
    throw new ConfigError(prefix + unknownKey(state, key, path, didYouMean));
  }
  return kinds.map((kind) => {
    const item = state.get(kind, key)!;
    const own = history.filter((e) => e.kind === kind);
    return { kind, state: item, history: own, sentChatId: item.sent_chat_id ?? lastSentChatId(own) ?? item.chat_id };
  });
}

/** Appends the ledger lines in `file` (other lines skipped), checked, under the lock, durable; a bad line appends nothing. */
export async function appendLedgerLines(file: string, config: LedgerConfig, observers: Observers = {}): Promise<AppendResult> {
  return withLedgerStore(config.ledgerPath, (store) => appendLinesIn(store, file, { onWarning: observers.onWarning }));
}

/** Writes the ledger's lines (the bytes a file ledger holds), from either store, through `write`. */
export async function exportLedgerOf(config: LedgerConfig, write: (text: string) => Promise<void> | void): Promise<ExportResult> {
  return withLedgerStore(config.ledgerPath, (store) => exportLedger(store, write));
}

/** Copies the JSONL ledger `file` into the configured ledger; a non-empty one only with `merge` (same API). */
export async function importLedgerInto(file: string, config: LedgerConfig, options: Observers & { merge?: boolean } = {}): Promise<ImportResult> {
  return withLedgerStore(config.ledgerPath, (store) => importLedger(store, file, options));
}

export type { UnlockOptions } from '../ledger/store.js';

/**
 * A person's word that the run holding the ledger's lock is gone: a holder this process cannot
 * prove gone by its pid (another PID namespace, boot or host) is taken over once its heartbeat
 * has stood still for `staleAfterMs`, and the lock is released at once. A heartbeat that moves is
 * a LockHeldError: that run is alive. Returns what was taken over, if anything.
 */
export async function unlockLedger(config: LedgerConfig, options: UnlockOptions = {}): Promise<{ tookOver?: string }> {
  return withLedgerStore(config.ledgerPath, (store) => store.unlock(options));
}
