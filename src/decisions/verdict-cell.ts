// The words a person writes in the error file's `_decision` cell (or a JSON entry's `decision`):
// `created`, `created: <chat_id>`, `absent`, `abandon: <why>`, `adopt: <community_id>`.
import type { Resolution } from '../ledger/resolve.js';

export const VERDICT_GRAMMAR = 'created, created: <chat_id>, absent, abandon: <why>, adopt: <community_id>';

/** The verdict a cell says; undefined for a blank cell; a string: why it cannot be read. */
export function parseVerdict(text: string): Resolution | string | undefined {
  const cell = text.trim();
  if (cell === '') return undefined;
  const colon = cell.indexOf(':');
  const word = (colon === -1 ? cell : cell.slice(0, colon)).trim().toLowerCase();
  const value = colon === -1 ? '' : cell.slice(colon + 1).trim();
  switch (word) {
    case 'created':
      return value === '' ? { action: 'created' } : { action: 'created', chatId: value };
    case 'absent':
      return value === '' ? { action: 'absent' } : `"${cell}": absent takes no value`;
    case 'abandon':
    case 'abandoned':
      // The reason is for whoever reads the report next: required, as --abandon --reason is.
      return value === '' ? `"${cell}": abandon needs a reason (abandon: why)` : { action: 'abandon', reason: value };
    case 'adopt':
    case 'adopted':
      return value === '' ? `"${cell}": adopt needs the community's id (adopt: <community_id>)` : { action: 'adopt', communityId: value };
    default:
      return `"${cell}" is not a decision: write one of ${VERDICT_GRAMMAR}`;
  }
}
