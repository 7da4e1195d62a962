// A Locator for a YAML document: finds any value path (`communities[2].group.name`) in the
// syntax tree, so a fault says file:line:column. A missing step stops at the nearest ancestor.
import { type Document, type LineCounter, type Node, isAlias, isMap, isScalar, isSeq } from 'yaml';

import type { Locator } from '../issues.js';
import { type Place, placeOf } from './parse.js';

function keyOf(node: unknown): string | undefined {
  return isScalar(node) ? String(node.value) : undefined;
}

/** One step down the tree: the child at `seg` and the place of its key and value. */
function step(doc: Document, cur: unknown, seg: PropertyKey): { key?: unknown; value: unknown } | undefined {
  const node = isAlias(cur) ? cur.resolve(doc) : cur;
  if (isMap(node)) {
    const pair = node.items.find((p) => keyOf(p.key) === String(seg));
    return pair && { key: pair.key, value: pair.value };
  }
  if (isSeq(node) && typeof seg === 'number') return { value: node.items[seg] };
  return undefined;
}

export function locator(doc: Document, lines: LineCounter, base: Node | null | undefined, fallback: Place): Locator {
  const at = (node: unknown): Place | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? placeOf(lines, range[0]) : undefined;
  };
  return (path, onKey) => {
    let cur: unknown = base;
    let best = at(cur) ?? fallback;
    for (let i = 0; i < path.length; i++) {
      const next = step(doc, cur, path[i]);
      if (!next) break;
      if (i === path.length - 1 && onKey && next.key !== undefined) return at(next.key) ?? best;
      const valuePos = at(next.value);
      best = valuePos ?? (next.key === undefined ? best : at(next.key) ?? best);
      if (!valuePos) break;
      cur = next.value;
    }
    return best;
  };
}
