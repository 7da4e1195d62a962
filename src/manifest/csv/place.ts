// Where a fault of a CSV row points: the column a value path was read from (its own, or the
// nearest enclosing JSON column), and what "required" adds when that column is missing or empty.
import type { LeafKind } from '../fields.js';
import { formatPath } from '../issues.js';
import type { Locator } from '../issues.js';
import type { ItemKind } from '../../api/schema.js';
import { type Header, fieldsOf } from './header.js';

const LIST_KINDS: readonly LeafKind[] = ['list-of-int', 'list-of-string', 'actions', 'users', 'members'];

/** The column (0-based) of a value path, or undefined when no column holds it. */
export function columnFor(h: Header, path: readonly PropertyKey[]): number | undefined {
  const segs: string[] = [];
  for (const p of path) {
    if (typeof p !== 'string') break;
    segs.push(p);
  }
  for (let n = segs.length; n > 0; n--) {
    const col = h.columnOf.get(n === segs.length ? segs.join('.') : segs.slice(0, n).join('.'));
    if (col !== undefined) return col;
  }
  return undefined;
}

export function rowLocator(h: Header, line: number): Locator {
  return (path) => {
    const col = columnFor(h, path);
    return col === undefined ? { line } : { line, column: col + 1 };
  };
}

/** Appended to "required" for a field path of a CSV row. */
export function requiredHint(h: Header): (kind: ItemKind, path: readonly PropertyKey[]) => string {
  return (kind, path) => {
    const name = formatPath(path);
    if (!h.columnOf.has(name)) {
      // `actions[0].access_type_id` missing from the JSON in the `actions` cell: say so, not "no column".
      const col = columnFor(h, path);
      if (col !== undefined) return ` (missing from the value in column "${h.names[col]}")`;
      return ` (no "${name}" column, and no defaults.${kind}.${name} in a YAML manifest)`;
    }
    const field = fieldsOf(kind).fields.get(name);
    const list = field !== undefined && LIST_KINDS.includes(field.kind);
    return list ? ' (the cell is empty: an empty cell means "not given"; write [] for an empty list)' : ' (the cell is empty)';
  };
}
