// Compaction: rewrites the ledger as one line per item (its latest state), under the lock, via a
// temporary file renamed over the real file (a symlink to the ledger stays a symlink). The one
// place the ledger is rewritten, so it checks that the new file replays to the same state first.
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LedgerError } from '../errors.js';
import { TORN_MARKER_EVENT, type ItemState, type LedgerEvent } from './event.js';
import { compactTempPath } from './leftovers.js';
import { readLedger, type LedgerState } from './replay.js';

export interface CompactOptions {
  onWarning?: (message: string) => void;
  now?: () => Date;
}

export interface CompactResult {
  /** Event lines before and after (blank lines, torn lines and markers not counted). */
  linesBefore: number;
  linesAfter: number;
  items: number;
  /** Torn lines carried over as found (each followed by its marker). */
  torn: number;
}

/**
 * The lines that replay to `item`: one outcome line per item with a status; an item whose last
 * line was an attempt (in flight when a run died) keeps that attempt line after it, so the
 * evidence that a request may have reached the server survives. `attempts` carries the count,
 * and attempt lines the chat_id last sent. Ids a later line replaced (two `created` answers that
 * disagree) keep a line each, just before the latest: replay still ends on the latest, and no id
 * the server handed out is lost.
 */
export function compactLines(item: ItemState): LedgerEvent[] {
  const base = { at: item.updated_at, run: item.run ?? 'compacted', kind: item.kind, key: item.key };
  const onAttemptLine = !item.inFlight ? 0 : item.status === undefined ? item.attempts : Math.min(1, item.attempts);
  // The chat_id a group was last sent with lives on attempt lines only: a settled group not
  // created (in doubt: resent later with that id, or resolved with it) keeps an attempt line
  // before its outcome.
  const sentLine = !item.inFlight && item.status !== undefined && sentChatId(item) !== undefined && item.attempts > 0 ? 1 : 0;
  const onOutcomeLine = item.attempts - onAttemptLine - sentLine;
  const out: LedgerEvent[] = [];
  if (sentLine) out.push({ ...base, event: 'attempt', chat_id: item.sent_chat_id, hash: item.hash });
  // Right before the line that replaced them: each one's time is then the one replay recorded.
  for (const e of item.earlier ?? []) out.push({ ...base, at: e.at, run: e.run ?? base.run, event: e.event, community_id: e.community_id, chat_id: e.chat_id, group_id: e.group_id, share_url: e.share_url, held_by: e.held_by });
  if (item.status !== undefined) {
    out.push({
      ...base,
      event: item.status,
      attempts: onOutcomeLine !== 0 ? onOutcomeLine : undefined,
      hash: item.hash,
      community_id: item.community_id,
      chat_id: item.chat_id,
      group_id: item.group_id,
      share_url: item.share_url,
      name: item.name,
      status: item.status_code,
      code: item.error_code,
      message: item.error_message,
      held_by: item.held_by,
    });
  }
  if (item.inFlight) {
    out.push({ ...base, event: 'attempt', attempts: onAttemptLine !== 1 ? onAttemptLine : undefined, hash: item.hash, chat_id: item.sent_chat_id, name: item.status === undefined ? item.name : undefined });
  }
  return out;
}

/**
 * The chat_id last sent, where it still matters: a created group's own chat_id says what it is,
 * unless the server answered with another (it makes its own): the manifest still gives the one
 * sent, and the identity check finds the group by it after an edit.
 */
function sentChatId(item: ItemState): string | undefined {
  return item.status === 'created' && item.sent_chat_id === item.chat_id ? undefined : item.sent_chat_id;
}

const FIELDS = [
  'status', 'community_id', 'chat_id', 'group_id', 'share_url', 'name', 'hash', 'status_code', 'error_code',
  'error_message', 'attempts', 'inFlight', 'updated_at', 'held_by',
] as const satisfies readonly (keyof ItemState)[];

/** The first difference between two states, or undefined: a compaction must leave none. */
export function difference(a: LedgerState, b: LedgerState): string | undefined {
  if (a.items.size !== b.items.size) return `${a.items.size} items became ${b.items.size}`;
  if (a.torn.length !== b.torn.length) return `${a.torn.length} torn lines became ${b.torn.length}`;
  if (a.api !== b.api) return `API ${String(a.api)} became ${String(b.api)}`;
  if (a.chatIdsHonoured !== b.chatIdsHonoured) return `chat_id_honoured ${String(a.chatIdsHonoured)} became ${String(b.chatIdsHonoured)}`;
  if (JSON.stringify(a.profileObserved) !== JSON.stringify(b.profileObserved)) return `the chat_id profile ${JSON.stringify(a.profileObserved)} became ${JSON.stringify(b.profileObserved)}`;
  if (a.rateFound !== b.rateFound) return `rate found ${String(a.rateFound)} became ${String(b.rateFound)}`;
  for (const [k, x] of a.items) {
    const y = b.items.get(k);
    if (!y) return `${x.kind} ${x.key} is missing`;
    for (const f of FIELDS) {
      if (x[f] !== y[f]) return `${x.kind} ${x.key}: ${f} ${String(x[f])} became ${String(y[f])}`;
    }
    if (sentChatId(x) !== sentChatId(y)) return `${x.kind} ${x.key}: chat_id sent ${String(sentChatId(x))} became ${String(sentChatId(y))}`;
    // Ids a later line replaced: each must survive, in order (a dropped one is a lost id).
    const was = JSON.stringify(x.earlier ?? []);
    const is = JSON.stringify(y.earlier ?? []);
    if (was !== is) return `${x.kind} ${x.key}: ids it held earlier ${was} became ${is}`;
  }
  return undefined;
}

const WRITE_CHUNK = 1 << 20;

/**
 * The compacted ledger, line by line (texts without newline; `item` marks an item's line), as
 * both stores write it: the meta lines (its API first, then the latest observations), torn lines
 * exactly as found each with a marker (they may hold half an id a person can still read), then
 * each item's lines.
 */
export function* compactedLedger(before: LedgerState, now: Date): Generator<{ text: string; item: boolean }> {
  if (before.origin) yield { text: JSON.stringify(before.origin), item: false };
  if (before.observed) yield { text: JSON.stringify(before.observed), item: false };
  if (before.rateObserved && before.rateObserved !== before.observed) yield { text: JSON.stringify(before.rateObserved), item: false };
  const profile = before.profileObserved;
  if (profile && profile !== before.observed && profile !== before.rateObserved) yield { text: JSON.stringify(profile), item: false };
  const at = now.toISOString();
  for (const t of before.torn) {
    yield { text: t.text, item: false };
    yield { text: JSON.stringify({ at, event: TORN_MARKER_EVENT, note: `torn line ${t.line} carried over by compact` }), item: false };
  }
  for (const item of before.items.values()) for (const line of compactLines(item)) yield { text: JSON.stringify(line), item: true };
}

/**
 * Compacts the ledger at `path` in place (atomically). Takes the ledger lock for the duration.
 * Through a symlink, the file it points to is rewritten, and the temporary file lives next to it.
 */
export async function compactLedger(path: string, options: CompactOptions = {}): Promise<CompactResult> {
  // The lock and the writer's directory sync, loaded here: every plan loads this module (a
  // move's lines are compaction's), and only `ledger compact` takes the lock (issue 22: start-up).
  const [{ acquireLock }, { syncDirectory }] = await Promise.all([import('./lock.js'), import('./writer.js')]);
  const lock = await acquireLock(path, options);
  const real = lock.ledger;
  const tmp = compactTempPath(real);
  let tmpCreated = false;
  try {
    const before = await readLedger(real, options);
    if (before.lines === 0 && before.torn.length === 0) {
      return { linesBefore: 0, linesAfter: 0, items: 0, torn: 0 };
    }
    const handle = await open(tmp, 'wx', 0o600);
    tmpCreated = true;
    let linesAfter = 0;
    try {
      let chunk = '';
      for (const { text, item } of compactedLedger(before, (options.now ?? (() => new Date()))())) {
        chunk += text + '\n';
        if (item) linesAfter++;
        if (chunk.length >= WRITE_CHUNK) {
          await handle.writeFile(chunk, 'utf8');
          chunk = '';
        }
      }
      if (chunk.length > 0) await handle.writeFile(chunk, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }

    const after = await readLedger(tmp);
    const diff = difference(before, after);
    if (diff !== undefined) {
      throw new LedgerError(`compacting ledger ${path} would change it (${diff}); left it untouched`);
    }
    // Renaming over a ledger that another process may be writing would lose its lines.
    await lock.assertHeld();
    await rename(tmp, real);
    tmpCreated = false;
    await syncDirectory(dirname(real));
    return { linesBefore: before.lines, linesAfter, items: before.items.size, torn: before.torn.length };
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(`cannot compact ledger ${path}: ${(error as Error).message}`);
  } finally {
    if (tmpCreated) await unlink(tmp).catch(() => undefined);
    await lock.release();
  }
}
