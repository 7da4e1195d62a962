// The manifest's field table, derived from the request-body schemas in src/api/schema.ts so
// that types are written once (walked through zod's public classes): dotted path → leaf kind.
import * as z from 'zod';

import { communityBodySchema, groupFieldsSchema } from '../api/schema.js';
import { lazy } from '../lazy.js';

/**
 * How a field's value is written in a CSV cell (see csv/cells.ts):
 * - `string` text as is; `integer`, `number`, `boolean` parsed;
 * - `list-of-int`, `list-of-string`: `;`-separated items;
 * - `actions`: a list of objects of two integers, written `3:5;5:9`;
 * - `users`: a list of objects of one string, written `u1;u2`;
 * - `members`: a list of one-string objects of several shapes, written `phone:…;user:…`;
 * - `object`: a nested object, settable as a whole only through a JSON cell.
 */
export type LeafKind =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'list-of-int'
  | 'list-of-string'
  | 'actions'
  | 'users'
  | 'members'
  | 'object';

export interface FieldInfo {
  readonly path: readonly string[];
  /** Dotted path: `recorded_video.meta_data.topic`. */
  readonly name: string;
  readonly kind: LeafKind;
  /** Required within its parent object. */
  readonly required: boolean;
  /** `actions`: the two integer keys in cell order; `users`: the one string key. */
  readonly keys?: readonly string[];
  /** `members`: cell tag (`phone`, `phone_number`, `user`, `user_id`) → object key. */
  readonly tags?: ReadonlyMap<string, string>;
}

export interface FieldMap {
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** Dotted names below an object path (list indices are skipped), relative to it. */
  under(path: readonly PropertyKey[]): string[];
  /** The field a value path lands in (`actions.0.action_id` → `actions`), or undefined. */
  fieldAt(path: readonly PropertyKey[]): FieldInfo | undefined;
}

/** Optional wrappers taken off: the schema a present value is checked against. */
function unwrapOptional(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const s = unwrapOptional(schema);
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

function leafType(schema: z.ZodType): 'string' | 'integer' | 'number' | 'boolean' | undefined {
  const s = unwrapOptional(schema);
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodBoolean) return 'boolean';
  // `.int()` gives the number schema an integer format (`safeint`, `int32`…).
  if (s instanceof z.ZodNumber) return s.format?.includes('int') ? 'integer' : 'number';
  return undefined;
}

/** `members`: a union of one-string objects; each key is a tag, and so is its first word when unique. */
function memberTags(element: z.ZodType): Map<string, string> | undefined {
  const u = unwrapOptional(element);
  if (!(u instanceof z.ZodUnion)) return undefined;
  const single = (u.options as z.ZodType[]).map((o) => {
    const shape = objectShape(o);
    return shape && Object.keys(shape).length === 1 && leafType(Object.values(shape)[0]) === 'string' ? Object.keys(shape)[0] : undefined;
  });
  if (!single.every((k): k is string => k !== undefined)) return undefined;
  const tags = new Map<string, string>();
  const shorts = single.map((k) => k.split('_')[0]);
  single.forEach((k, i) => {
    tags.set(k, k);
    if (shorts.indexOf(shorts[i]) === shorts.lastIndexOf(shorts[i])) tags.set(shorts[i], k);
  });
  return tags;
}

function classifyList(element: z.ZodType, name: string): Pick<FieldInfo, 'kind' | 'keys' | 'tags'> {
  const leaf = leafType(element);
  if (leaf === 'integer') return { kind: 'list-of-int' };
  if (leaf === 'string') return { kind: 'list-of-string' };
  const shape = objectShape(element);
  if (shape) {
    const keys = Object.keys(shape);
    const types = keys.map((k) => leafType(shape[k]));
    if (keys.length === 2 && types.every((t) => t === 'integer')) return { kind: 'actions', keys };
    if (keys.length === 1 && types[0] === 'string') return { kind: 'users', keys };
  }
  const tags = memberTags(element);
  if (tags) return { kind: 'members', tags };
  // A new kind of list in schema.ts needs a cell syntax: fail loudly at startup, not at run time.
  throw new Error(`manifest/fields: no CSV cell syntax for the list field "${name}"`);
}

function walk(schema: z.ZodType, path: string[], required: boolean, out: Map<string, FieldInfo>): void {
  const name = path.join('.');
  if (schema instanceof z.ZodOptional) return walk(schema.unwrap() as z.ZodType, path, false, out);
  if (schema instanceof z.ZodObject) {
    if (path.length > 0) out.set(name, { path, name, kind: 'object', required });
    for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) walk(child, [...path, key], true, out);
    return;
  }
  if (schema instanceof z.ZodArray) {
    out.set(name, { path, name, required, ...classifyList(schema.element as z.ZodType, name) });
    return;
  }
  const leaf = leafType(schema);
  if (leaf === undefined) throw new Error(`manifest/fields: no CSV cell type for "${name}" (zod ${schema.type})`);
  out.set(name, { path, name, kind: leaf, required });
}

export function fieldMap(schema: z.ZodType): FieldMap {
  const fields = new Map<string, FieldInfo>();
  walk(schema, [], true, fields);
  const names = [...fields.keys()];
  const strip = (path: readonly PropertyKey[]) => path.filter((p) => typeof p === 'string') as string[];
  return {
    fields,
    under(path) {
      const prefix = strip(path).join('.');
      if (prefix === '') return names;
      const p = `${prefix}.`;
      return names.filter((n) => n.startsWith(p)).map((n) => n.slice(p.length));
    },
    fieldAt(path) {
      const segs: string[] = [];
      for (const p of path) {
        if (typeof p !== 'string') break;
        segs.push(p);
      }
      for (let n = segs.length; n > 0; n--) {
        const f = fields.get(segs.slice(0, n).join('.'));
        if (f) return f;
      }
      return undefined;
    },
  };
}

/** The field tables of the two bodies, derived on first use like the schemas (lazy.ts). */
export const communityFields = lazy(() => fieldMap(communityBodySchema()));
export const groupFields = lazy(() => fieldMap(groupFieldsSchema()));

/** Keys a manifest may give besides the body fields: they steer the loader and are never sent. */
export const MANIFEST_KEYS = {
  community: ['community_id', 'groups'],
  // moved_from / new_group: what an entry new to the ledger is (plan/identity-check.ts).
  group: ['key', 'community_handle', 'community_id', 'moved_from', 'new_group'],
} as const;
