// What one column does with a non-empty cell of a row: a body field typed by its cell parser
// (nested objects built from dotted names), a manifest key, or a refusal with its reason.
import type { FieldInfo } from '../fields.js';
import type { ManifestLimits } from '../limits.js';
import type { PlainObject } from '../merge.js';
import { CellFault, cellParser } from './cells.js';

/** The manifest keys of a row: they steer the loader and are never sent. */
export type Meta = { key?: string; community_handle?: string; community_id?: string; moved_from?: string; new_group?: string };

/** Writes one non-empty cell into the row's body or meta; returns why not, for a bad cell. */
export type Setter = (text: string, body: PlainObject, meta: Meta) => string | undefined;

/** The object a nested field is written into, created on the way. */
function parentOf(body: PlainObject, path: readonly string[]): PlainObject {
  let o = body;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    o = (o[k] as PlainObject | undefined) ?? (o[k] = {});
  }
  return o;
}

export function fieldSetter(field: FieldInfo, limits: ManifestLimits): Setter {
  const parse = cellParser(field, limits);
  const { path } = field;
  const last = path[path.length - 1];
  return (text, body) => {
    const v = parse(text);
    if (v instanceof CellFault) return v.message;
    (path.length === 1 ? body : parentOf(body, path))[last] = v;
    return undefined;
  };
}

export const metaSetter =
  (name: keyof Meta): Setter =>
  (text, _body, meta) => {
    meta[name] = text;
    return undefined;
  };

export const refuse =
  (message: string): Setter =>
  () =>
    message;
