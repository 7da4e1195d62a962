// `ledger append`: puts lines a run could not write (a full disk, a lost mount) into the ledger
// through the writer, under the lock, with fsync and a torn tail repaired first: never by hand.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { ledgerEventSchema, type LedgerEvent } from './event.js';
import { fileLedgerStore } from './file-store.js';
import type { LedgerStore } from './store.js';

export interface AppendResult {
  appended: number;
  /** Lines that are not ledger lines (the prose around them when stderr was saved whole). */
  skipped: number;
}

/**
 * Reads `file`, checks every line that looks like a ledger line (a JSON object with an `event`)
 * against the ledger's schema, and only if all pass appends them to the ledger at `path`. A bad line is a
 * ConfigError naming file:line, and nothing is appended.
 */
export function appendLines(path: string, file: string, options: { onWarning?: (m: string) => void } = {}): Promise<AppendResult> {
  return appendLinesIn(fileLedgerStore(path), file, options);
}

/** appendLines into a ledger of any store. */
export async function appendLinesIn(store: LedgerStore, file: string, options: { onWarning?: (m: string) => void } = {}): Promise<AppendResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const lines: LedgerEvent[] = [];
  let skipped = 0;
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '') return;
    if (!t.startsWith('{')) {
      skipped++;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw new ConfigError(`${file}:${i + 1}: not a complete JSON line (was it cut when copied?)`);
    }
    // A JSON log line (stderr saved whole) has no `event`: it is prose around the ledger lines.
    if (parsed === null || typeof parsed !== 'object' || !('event' in parsed)) {
      skipped++;
      return;
    }
    const checked = ledgerEventSchema().safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new ConfigError(`${file}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    lines.push(checked.data);
  });
  if (lines.length === 0) throw new ConfigError(`${file} holds no ledger lines`);
  const lock = await store.lock({ onWarning: options.onWarning });
  try {
    const writer = await lock.openWriter();
    try {
      await Promise.all(lines.map((line) => writer.append(line)));
    } finally {
      await writer.close();
    }
  } finally {
    await lock.release();
  }
  return { appended: lines.length, skipped };
}
