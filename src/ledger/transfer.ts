// `ledger export` and `ledger import`: a ledger moved between stores line for line. Export writes
// the lines as stored (the bytes the file ledger holds); import checks a JSONL ledger, then copies it in.
import { readFile } from 'node:fs/promises';
import { ConfigError, LedgerError } from '../errors.js';
import { TORN_MARKER_EVENT } from './event.js';
import { ledgerFolder } from './replay.js';
import type { LedgerStore } from './store.js';

export interface ExportResult {
  lines: number;
}

/** Writes every line of `store` with its newline, in ledger order, through `write` (which may wait for the reader). */
export async function exportLedger(store: LedgerStore, write: (text: string) => Promise<void> | void): Promise<ExportResult> {
  let lines = 0;
  let chunk = '';
  for await (const line of store.lines()) {
    chunk += line + '\n';
    lines++;
    if (chunk.length >= 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) await write(chunk);
  return { lines };
}

export interface ImportOptions {
  /** Append after the lines the ledger already holds (same API only). Without it a non-empty ledger is refused. */
  merge?: boolean;
  onWarning?: (message: string) => void;
  now?: () => Date;
}

export interface ImportResult {
  lines: number;
  items: number;
  /** Lines the ledger held before (0 unless merging). */
  before: number;
}

/**
 * Imports the JSONL ledger `file` into `store`: replayed first (a corrupt line refuses it all,
 * naming file:line), then copied line for line (blank lines dropped) in one durable append
 * under the store's lock. A torn last line gets the marker the file writer would have added.
 */
export async function importLedger(store: LedgerStore, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const folder = ledgerFolder(file, { onWarning: options.onWarning });
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    folder.take(line);
    if (line.trim() !== '') lines.push(line);
  }
  const source = folder.end();
  const lastTorn = source.torn.at(-1);
  if (lastTorn !== undefined && lines.at(-1) === lastTorn.text) {
    lines.push(JSON.stringify({ at: (options.now ?? (() => new Date()))().toISOString(), event: TORN_MARKER_EVENT, note: 'the line above is a torn write left by an interrupted run; kept as found' }));
  }
  if (lines.length === 0) throw new ConfigError(`${file} holds no ledger lines: nothing to import`);

  const held = await store.lock({ onWarning: options.onWarning, now: options.now });
  try {
    const target = await held.read({ onWarning: options.onWarning });
    const before = target.lines + target.torn.length + (target.origin ? 1 : 0) + (target.observed ? 1 : 0) + (target.profileObserved ? 1 : 0);
    if (before > 0 && !options.merge) {
      throw new ConfigError(
        `ledger ${store.name} is not empty (${target.items.size} items): import copies into an empty ledger; give --merge to append ${file} after what it holds`,
      );
    }
    if (target.api !== undefined && source.api !== undefined && target.api !== source.api) {
      throw new LedgerError(`ledger ${store.name} belongs to API ${target.api}, but ${file} to ${source.api}: a ledger belongs to one API; nothing was imported`);
    }
    await held.appendText(lines);
    return { lines: lines.length, items: source.items.size, before: target.lines };
  } finally {
    await held.release();
  }
}
