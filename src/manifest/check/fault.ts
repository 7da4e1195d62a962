// A fault as a value: built where a check finds it, handed back to the caller, listed by the
// collector's Findings. No check writes into a shared list of its own.
import type { ManifestFault } from '../../errors.js';

export interface Where {
  line: number;
  column?: number;
}

/** `file:line[:column]: field: message`, without a `column` key when there is none. */
export function faultAt(file: string, where: Where, field: string, message: string): ManifestFault {
  return where.column === undefined ? { file, line: where.line, field, message } : { file, line: where.line, column: where.column, field, message };
}

/** What a check may find: something that stops the run, or something only worth saying. */
export type Finding = { fault: ManifestFault } | { warning: ManifestFault };
