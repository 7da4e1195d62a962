// The manifest's field table, derived from the request-body schemas in src/api/schema.ts so
// that types are written once: dotted path → leaf kind, for CSV cell typing and "did you mean".
import type { z } from 'zod';

import { CommunityBodySchema, GroupFieldsSchema } from '../api/schema.js';

/**
 * How a field's value is written in a CSV cell (see cells.ts):
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
  /** The field's own schema (optional unwrapped): what a CSV row check runs on one cell's value. */
  readonly schema: z.core.$ZodType;
}

export interface FieldMap {
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** Dotted names below an object path (list indices are skipped), relative to it. */
  under(path: readonly PropertyKey[]): string[];
  /** The field a value path lands in (`actions.0.action_id` → `actions`), or undefined. */
  fieldAt(path: readonly PropertyKey[]): FieldInfo | undefined;
}

type AnyZod = z.core.$ZodType;

function def(schema: AnyZod): z.core.$ZodTypes['_zod']['def'] {
  return (schema as z.core.$ZodTypes)._zod.def;
}

function unwrapOptional(schema: AnyZod): AnyZod {
  let s = schema;
  for (let d = def(s); d.type === 'optional'; d = def(s)) s = d.innerType;
  return s;
}

function isInteger(schema: AnyZod): boolean {
  const d = def(schema) as { type: string; format?: string; checks?: AnyZod['_zod']['def']['checks'] };
  if (d.type !== 'number') return false;
  if (typeof d.format === 'string' && d.format.includes('int')) return true;
  return (d.checks ?? []).some((check) => {
    const cd = check._zod.def as { check: string; format?: string };
    return cd.check === 'number_format' && typeof cd.format === 'string' && cd.format.includes('int');
  });
}

function objectShape(schema: AnyZod): Record<string, AnyZod> | undefined {
  const d = def(unwrapOptional(schema));
  return d.type === 'object' ? (d.shape as Record<string, AnyZod>) : undefined;
}

function leafType(schema: AnyZod): 'string' | 'integer' | 'number' | 'boolean' | undefined {
  const s = unwrapOptional(schema);
  const t = def(s).type;
  if (t === 'string' || t === 'boolean') return t;
  if (t === 'number') return isInteger(s) ? 'integer' : 'number';
  return undefined;
}

function classifyList(element: AnyZod, name: string): Pick<FieldInfo, 'kind' | 'keys' | 'tags'> {
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
  const u = def(unwrapOptional(element));
  if (u.type === 'union') {
    const options = u.options.map((o) => objectShape(o as AnyZod));
    const single = options.map((o) => (o && Object.keys(o).length === 1 && leafType(Object.values(o)[0]) === 'string' ? Object.keys(o)[0] : undefined));
    if (single.every((k): k is string => k !== undefined)) {
      const tags = new Map<string, string>();
      const shorts = single.map((k) => k.split('_')[0]);
      single.forEach((k, i) => {
        tags.set(k, k);
        if (shorts.indexOf(shorts[i]) === shorts.lastIndexOf(shorts[i])) tags.set(shorts[i], k);
      });
      return { kind: 'members', tags };
    }
  }
  // A new kind of list in schema.ts needs a cell syntax: fail loudly at startup, not at run time.
  throw new Error(`manifest/fields: no CSV cell syntax for the list field "${name}"`);
}

function walk(schema: AnyZod, path: string[], required: boolean, out: Map<string, FieldInfo>): void {
  const d = def(schema);
  const name = path.join('.');
  if (d.type === 'optional') return walk(d.innerType, path, false, out);
  if (d.type === 'object') {
    if (path.length > 0) out.set(name, { path, name, kind: 'object', required, schema });
    for (const [key, child] of Object.entries(d.shape as Record<string, AnyZod>)) {
      walk(child, [...path, key], true, out);
    }
    return;
  }
  if (d.type === 'array') {
    out.set(name, { path, name, required, schema, ...classifyList(d.element, name) });
    return;
  }
  const leaf = leafType(schema);
  if (leaf === undefined) throw new Error(`manifest/fields: no CSV cell type for "${name}" (zod ${d.type})`);
  out.set(name, { path, name, kind: leaf, required, schema });
}

export function fieldMap(schema: AnyZod): FieldMap {
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

export const COMMUNITY_FIELDS = fieldMap(CommunityBodySchema);
export const GROUP_FIELDS = fieldMap(GroupFieldsSchema);

/** Keys a manifest may give besides the body fields: they steer the loader and are never sent. */
export const MANIFEST_KEYS = {
  community: ['community_id', 'groups'],
  group: ['key', 'community_handle', 'community_id'],
} as const;
