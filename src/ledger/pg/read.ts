// Reading a PostgreSQL ledger: replay through the file's own line folder (the same rules, the same
// state), an item's history by its key, and every line in order for export; all in pages.
import type { ItemKind } from '../../api/schema.js';
import type pg from 'pg';
import type { LedgerEvent } from '../event.js';
import { ledgerFolder, type LedgerState, type ReadLedgerOptions } from '../replay.js';
import { pgError, type PgTarget } from './connect.js';
import { LINES } from './schema.js';

/** Lines per round trip: big enough that a million-line replay is a few dozen queries. */
const PAGE = 50_000;

/**
 * Replays every line in commit order. Each page arrives as one text (lines never hold a newline:
 * they are JSON.stringify output, or torn text that was split on newlines), not as row objects.
 */
export async function replayLines(client: pg.Client, target: PgTarget, options: ReadLedgerOptions = {}): Promise<LedgerState> {
  const folder = ledgerFolder(target.name, options);
  let last = '0';
  try {
    for (;;) {
      const { rows } = await client.query<{ last: string | null; n: number; text: string | null }>(
        `SELECT max(seq)::text AS last, count(*)::int AS n, string_agg(line, E'\\n' ORDER BY seq) AS text
           FROM (SELECT seq, line FROM ${LINES} WHERE seq > $1 ORDER BY seq LIMIT $2) page`,
        [last, PAGE],
      );
      const page = rows[0];
      if (!page || page.n === 0 || page.text === null || page.last === null) break;
      const text = page.text;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        folder.take(text.slice(start, nl));
        start = nl + 1;
      }
      folder.take(text.slice(start));
      last = page.last;
      if (page.n < PAGE) break;
    }
  } catch (error) {
    throw pgError(target, 'read', error);
  }
  return folder.end();
}

/** The lines written for `key` (of `kind`, or either), in ledger order; text that is not JSON is passed over. */
export async function historyOf(client: pg.Client, target: PgTarget, key: string, kind?: ItemKind): Promise<LedgerEvent[]> {
  let rows: { line: string }[];
  try {
    ({ rows } = await client.query<{ line: string }>(`SELECT line FROM ${LINES} WHERE key = $1 ORDER BY seq`, [key]));
  } catch (error) {
    throw pgError(target, 'read', error);
  }
  const out: LedgerEvent[] = [];
  for (const { line } of rows) {
    let e: LedgerEvent;
    try {
      e = JSON.parse(line) as LedgerEvent;
    } catch {
      continue;
    }
    if (e === null || typeof e !== 'object' || e.key !== key || (e.kind !== 'community' && e.kind !== 'group')) continue;
    if (kind !== undefined && e.kind !== kind) continue;
    out.push(e);
  }
  return out;
}

/** Every line's text in ledger order (pages of 10,000), for export. */
export async function* allLines(client: pg.Client, target: PgTarget): AsyncIterable<string> {
  let last = '0';
  for (;;) {
    let rows: { at: string; line: string }[];
    try {
      ({ rows } = await client.query<{ at: string; line: string }>(`SELECT seq::text AS at, line FROM ${LINES} WHERE seq > $1 ORDER BY ${LINES}.seq LIMIT 10000`, [last]));
    } catch (error) {
      throw pgError(target, 'read', error);
    }
    for (const r of rows) yield r.line;
    if (rows.length < 10000) return;
    last = rows[rows.length - 1]!.at; // text: a bigint beyond what a JS number holds exactly
  }
}

/** `kind` and `key` of a line's text, for the columns `ledger show` finds it by (null for meta and torn lines). */
export function columnsOf(text: string): [string | null, string | null] {
  try {
    const o = JSON.parse(text) as { kind?: unknown; key?: unknown } | null;
    if (o && typeof o === 'object' && typeof o.key === 'string' && (o.kind === 'community' || o.kind === 'group')) return [o.kind, o.key];
  } catch {
    // a torn line carried over from a file ledger
  }
  return [null, null];
}

/** Appends texts in order, in one statement (one transaction when not inside another). */
export async function insertLines(client: pg.Client, texts: readonly string[], kinds: readonly (string | null)[], keys: readonly (string | null)[]): Promise<void> {
  // Named: prepared once per session, so each commit of a run skips parsing and planning.
  await client.query({
    name: 'genuin-provision-append',
    text: `INSERT INTO ${LINES} (kind, key, line)
             SELECT k, y, l FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(k, y, l, n) ORDER BY n`,
    values: [kinds, keys, texts],
  });
}
