// One item's whole history in the ledger (every line written for it, in order), and the words
// `ledger show` prints for each line: what a person reads before resolving an item by command.
import type { ItemKind } from '../api/schema.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { LedgerError } from '../errors.js';
import type { ItemState, LedgerEvent } from './event.js';

/**
 * The lines of the ledger at `path` written for `key` (of `kind`, or of either kind when
 * undefined), in file order. Lines that are not JSON (a torn write) are passed over: replay
 * reports them. A missing file has no history.
 */
export async function itemHistory(path: string, key: string, kind?: ItemKind): Promise<LedgerEvent[]> {
  // Our writer spells the key as JSON.stringify does: lines without that text are not parsed.
  const needle = JSON.stringify(key).slice(1, -1);
  const out: LedgerEvent[] = [];
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      if (!line.includes(needle)) continue;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        continue;
      }
      if (o === null || typeof o !== 'object') continue;
      const e = o as LedgerEvent;
      if (e.key !== key || (e.kind !== 'community' && e.kind !== 'group')) continue;
      if (kind !== undefined && e.kind !== kind) continue;
      out.push(e);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
  return out;
}

/** The chat_id the latest `attempt` line of a group recorded as sent, if any. */
export function lastSentChatId(history: readonly LedgerEvent[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!;
    if (e.event === 'attempt' && typeof e.chat_id === 'string' && e.chat_id !== '') return e.chat_id;
  }
  return undefined;
}

/** What the server (or the network) said on a line: `HTTP 502 code 9999: message`. */
function said(e: { status?: number; code?: string; message?: string }): string | undefined {
  const head = [e.status != null ? `HTTP ${e.status}` : undefined, e.code ? `code ${e.code}` : undefined].filter(Boolean).join(' ');
  if (e.message) return head ? `${head}: ${e.message}` : e.message;
  return head || undefined;
}

/** The ids a line carries, `community_id=…` (or with `sep` between name and value). */
function ids(e: { community_id?: string; chat_id?: string; group_id?: string; share_url?: string }, sep = '='): string[] {
  const out: string[] = [];
  for (const k of ['community_id', 'chat_id', 'group_id', 'share_url'] as const) {
    const v = e[k];
    if (typeof v === 'string' && v !== '') out.push(`${k}${sep}${v}`);
  }
  return out;
}

/**
 * One readable line per ledger line: time, event (with its attempt number), what was said, the
 * ids, the run. E.g. `2024-06-01T10:00:00.000Z  in_doubt      HTTP 502: Bad Gateway  run 3f2a…`.
 */
export function historyLine(e: LedgerEvent): string {
  let event: string = e.event;
  if (e.event === 'attempt') event = e.attempt != null ? `attempt ${e.attempt}` : 'attempt';
  const parts: string[] = [String(e.at), event.padEnd(12)];
  if (e.event === 'abandoned') {
    if (e.message) parts.push(`reason: ${e.message}`);
  } else {
    const s = said(e);
    if (s) parts.push(s);
  }
  parts.push(...ids(e));
  if (e.held_by) parts.push(`held by ${e.held_by}`);
  if (e.attempts != null && e.attempts > 1) parts.push(`(stands for ${e.attempts} attempts)`);
  parts.push(`run ${e.run}`);
  if (e.by) parts.push(`by ${e.by}`);
  return parts.join('  ');
}

/** The item's state in a few words, for messages: `in doubt (HTTP 502: Bad Gateway)`. */
export function stateWords(s: ItemState | undefined): string {
  if (!s) return 'not in the ledger (nothing was sent for it)';
  const idText = ids(s, ' ').join(', ');
  const withIds = (w: string) => (idText ? `${w} (${idText})` : w);
  const why = said({ status: s.status_code, code: s.error_code, message: s.error_message });
  const sent = s.sent_chat_id ? `; chat_id sent ${s.sent_chat_id}` : '';
  if (s.inFlight || s.status === undefined) {
    return s.kind === 'group'
      ? `in doubt (sent, and the run stopped before the answer${sent})`
      : 'in flight (sent, and the run stopped before the answer; the next run re-sends it safely)';
  }
  switch (s.status) {
    case 'created':
      return withIds('created');
    case 'adopted':
      return withIds('adopted');
    case 'exists':
      return 'exists on the server with an id the ledger does not know';
    case 'failed':
      return why ? `failed (${why})` : 'failed';
    case 'in_doubt':
      return why || sent ? `in doubt (${why ?? 'no answer'}${sent})` : 'in doubt';
    case 'absent':
      return 'marked absent by a person (the next run sends it)';
    case 'abandoned':
      return s.error_message ? `abandoned by a person (${s.error_message})` : 'abandoned by a person';
    case 'conflict':
      return `a conflict: its answer carried ${idText || 'ids'} the ledger holds for ${s.held_by ?? 'another item'}`;
  }
}
