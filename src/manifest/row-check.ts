// Which CSV rows need not go through zod. A row built from typed cells alone (cells.ts:
// integers, booleans, `;` lists, action pairs, member tags) already has the types the body
// schema asks for and no unknown key, and csv.ts writes its cells in the schema's key order:
// zod would only copy it. What typed cells do not promise is checked here instead, per row:
// the kind's required fields are there, and a field with checks of its own (a handle's
// pattern, a non-empty name, a finite number) passes its own zod schema. Every other row (a
// JSON cell, YAML defaults, a header this cannot vouch for) goes through zod as before. On a
// million-row CSV this is a fifth of `plan`'s time.
import type { z } from 'zod';

import type { FieldInfo, FieldMap } from './fields.js';

type AnyZod = z.core.$ZodType;

export interface RowCheck {
  /** Columns that must not be blank: the kind's required fields. */
  readonly required: readonly number[];
  /** Columns whose value must pass its field's own schema. */
  readonly checked: readonly { col: number; field: FieldInfo }[];
}

/** What zod does with a typed cell's value: copies it, may refuse it, or something this file does not model. */
type Verdict = 0 | 1 | 2;
const COPIES = 0;
const CHECKS = 1;
const UNKNOWN = 2;

function verdict(schema: AnyZod): Verdict {
  const d = (schema as z.core.$ZodTypes)._zod.def as {
    type: string;
    checks?: { _zod: { def: { check: string; format?: string } } }[];
    innerType?: AnyZod;
    element?: AnyZod;
    shape?: Record<string, AnyZod>;
    options?: AnyZod[];
  };
  const checks = d.checks ?? [];
  switch (d.type) {
    case 'optional':
      return verdict(d.innerType!);
    case 'boolean':
      return checks.length === 0 ? COPIES : CHECKS;
    case 'string':
      return checks.length === 0 ? COPIES : CHECKS;
    case 'number': {
      // An integer cell is a safe integer already; any other number may be Infinity (`1e999`).
      const integerOnly = checks.length > 0 && checks.every((c) => c._zod.def.check === 'number_format' && (c._zod.def.format ?? '').includes('int'));
      return integerOnly ? COPIES : CHECKS;
    }
    case 'array':
      return Math.max(checks.length === 0 ? COPIES : CHECKS, verdict(d.element!)) as Verdict;
    case 'object':
      return Math.max(COPIES, ...Object.values(d.shape!).map(verdict)) as Verdict;
    case 'union':
      return Math.max(CHECKS, ...d.options!.map(verdict)) as Verdict;
    default:
      return UNKNOWN; // defaults, transforms, enums…: zod's output may differ from its input
  }
}

/**
 * The per-row check for one header's columns of one kind (`columns`: column index → the field
 * it sets), or undefined when rows of this header must all go through zod.
 */
export function rowCheck(fields: FieldMap, columns: ReadonlyMap<number, FieldInfo>): RowCheck | undefined {
  const columnOf = new Map<string, number>();
  for (const [col, field] of columns) columnOf.set(field.name, col);
  const required: number[] = [];
  for (const field of fields.fields.values()) {
    if (!field.required) continue;
    if (field.path.length === 1) {
      const col = columnOf.get(field.name);
      if (col === undefined) return undefined; // zod says which is missing
      required.push(col);
      continue;
    }
    // A required field inside an optional object: required only when the object is given.
    const parent = `${field.path.slice(0, -1).join('.')}.`;
    for (const name of columnOf.keys()) if (name.startsWith(parent)) return undefined;
  }
  const checked: { col: number; field: FieldInfo }[] = [];
  for (const [col, field] of columns) {
    const v = verdict(field.schema);
    if (v === UNKNOWN) return undefined;
    if (v === CHECKS) checked.push({ col, field });
  }
  return { required, checked };
}

/** Whether the field's own schema accepts the value. */
export function passes(field: FieldInfo, value: unknown): boolean {
  return (field.schema as z.ZodType).safeParse(value).success;
}
