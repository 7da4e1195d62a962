// `ledger append`: puts lines a run could not write (a full disk, a lost mount) into the ledger
// through the writer, under the lock, with fsync and a torn tail repaired first: never by hand.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { LedgerEventSchema, type LedgerEvent } from './event.js';
import { acquireLock } from './lock.js';
import { LedgerWriter } from './writer.js';

export interface AppendResult {
  appended: number;
  /** Lines that are not ledger lines (the prose around them when stderr was saved whole). */
  skipped: number;
}

/**
 * Reads `file`, checks every line that looks like a ledger line (starts with `{`) against the
 * ledger's schema, and only if all pass appends them to the ledger at `path`. A bad line is a
 * ConfigError naming file:line, and nothing is appended.
 */
export async function appendLines(path: string, file: string, options: { onWarning?: (m: string) => void } = {}): Promise<AppendResult> {
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
    const checked = LedgerEventSchema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new ConfigError(`${file}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    lines.push(checked.data);
  });
  if (lines.length === 0) throw new ConfigError(`${file} holds no ledger lines`);
  const release = await acquireLock(path, { onWarning: options.onWarning });
  try {
    const writer = await LedgerWriter.open(path);
    try {
      await Promise.all(lines.map((line) => writer.append(line)));
    } finally {
      await writer.close();
    }
  } finally {
    await release();
  }
  return { appended: lines.length, skipped };
}
