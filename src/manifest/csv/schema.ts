// The body schema narrowed to one CSV header: the fields its columns can set, and the required
// ones. Rows are still checked by zod; fewer absent optional fields cost fewer checks per row.
import * as z from 'zod';

/** Dotted names → the tree of names under each top-level key (`group.name` → group: {name}). */
type NameTree = Map<string, NameTree | true>;

function nameTree(names: Iterable<string>): NameTree {
  const root: NameTree = new Map();
  for (const name of names) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      let next = node.get(parts[i]);
      if (next === true) break; // the whole object has its own column
      if (i === parts.length - 1) {
        node.set(parts[i], true);
        break;
      }
      if (next === undefined) node.set(parts[i], (next = new Map()));
      node = next;
    }
  }
  return root;
}

/**
 * An object schema keeping, in the schema's key order, the required keys and those `tree`
 * names; a key named whole keeps its own schema, one named through dotted columns is narrowed.
 * Unknown keys stay refused (strict), as in the API schema.
 */
function narrow(schema: z.ZodObject, tree: NameTree): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const named = tree.get(key);
    if (named === true || (named === undefined && !(child instanceof z.ZodOptional))) shape[key] = child;
    else if (named !== undefined) shape[key] = narrowChild(child, named);
  }
  return z.strictObject(shape);
}

function narrowChild(child: z.ZodType, tree: NameTree): z.ZodType {
  const optional = child instanceof z.ZodOptional;
  const inner = optional ? (child.unwrap() as z.ZodType) : child;
  if (!(inner instanceof z.ZodObject)) return child; // dotted names only reach objects
  const narrowed = narrow(inner, tree);
  return optional ? narrowed.optional() : narrowed;
}

/** `schema` narrowed to the body fields named by a header's columns (dotted names). */
export function headerSchema(schema: z.ZodObject, fieldNames: Iterable<string>): z.ZodObject {
  return narrow(schema, nameTree(fieldNames));
}
