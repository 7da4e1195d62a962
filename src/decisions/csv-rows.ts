// A small CSV file a person filled in (the error file, an adopt list) as rows of cells, each
// with the line it starts on, read by the manifest loader's own CSV reader (same dialect, BOM).
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { CsvRecords } from '../manifest/csv/records.js';
import { DEFAULT_LIMITS } from '../manifest/limits.js';

export interface CsvRow {
  cells: string[];
  /** 1-based line the row starts on. */
  line: number;
}

/** Every record of `file`, blank ones included (a caller skips them); a syntax error is a ConfigError at file:line. */
export async function readCsvRows(file: string): Promise<CsvRow[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const rows: CsvRow[] = [];
  const records = await CsvRecords.open((cells, line) => rows.push({ cells, line }), DEFAULT_LIMITS);
  await records.write(bytes);
  if (!records.fault()) await records.end();
  const fault = records.fault();
  records.destroy();
  if (fault) throw new ConfigError(`${file}:${fault.line}${fault.column !== undefined ? `:${fault.column}` : ''}: ${fault.message}`);
  return rows;
}

/** Whether every cell of a row is blank (an empty line, or a row of commas a spreadsheet left). */
export function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}
