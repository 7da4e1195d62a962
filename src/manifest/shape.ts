// Size bounds for a value of unknown origin, shared by both formats: a JSON cell of a CSV file
// and any YAML entry. Depth, list length and text length, with the path of the first offender.
import { type ManifestLimits, limitHint } from './limits.js';

export interface ShapeIssue {
  /** Where in the value (empty: the value as a whole). */
  path: PropertyKey[];
  message: string;
}

function depthOf(value: unknown, max: number, depth = 0): number {
  if (depth > max || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const v of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(v, max, depth + 1));
    if (deepest > max) break;
  }
  return deepest;
}

export function listTooLong(length: number, limits: ManifestLimits): string {
  return `a list of ${length} items is longer than the limit of ${limits.maxListLength} ${limitHint('maxListLength')}`;
}

/** The first text or list over its limit, depth first in key order. */
function sizeIssue(value: unknown, limits: ManifestLimits): ShapeIssue | undefined {
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      // CSV cells are bounded as they are read; YAML text (and JSON inside a cell) is bounded here.
      if (v.length > limits.maxCellBytes) {
        return { path, message: `text of ${v.length} characters is longer than the limit of ${limits.maxCellBytes} ${limitHint('maxCellBytes')}` };
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      if (v.length > limits.maxListLength) return { path, message: listTooLong(v.length, limits) };
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, i]]);
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]], [...path, keys[i]]]);
    }
  }
  return undefined;
}

/**
 * Depth, list-length and text-length bounds, with the path of the first value over a limit.
 * Depth is checked first and over the whole value: a recursive YAML alias makes a circular
 * value, which only the depth bound stops.
 */
export function shapeIssue(value: unknown, limits: ManifestLimits): ShapeIssue | undefined {
  if (depthOf(value, limits.maxDepth) > limits.maxDepth) {
    return { path: [], message: `nested more than ${limits.maxDepth} levels deep ${limitHint('maxDepth')}` };
  }
  return sizeIssue(value, limits);
}
