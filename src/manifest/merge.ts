// Defaults: deep merge where the entry wins. Objects merge key by key; lists and scalars
// replace (a default `actions` list is not concatenated with an entry's). An entry's YAML
// `null` removes the default underneath it.

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Reads and writes below are own-property only: a YAML or JSON key `__proto__` is data (an
 * unknown field, reported as such), never the prototype, so it cannot smuggle inherited
 * fields past validation or reach Object.prototype.
 */
function own(obj: PlainObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function setOwn(obj: PlainObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** A new object: `over` deep-merged onto `base`. Neither input is modified. */
export function deepMerge(base: PlainObject | undefined, over: PlainObject): PlainObject {
  if (base === undefined) return over;
  const out: PlainObject = { ...base };
  for (const key of Object.keys(over)) {
    const value = over[key];
    const under = own(base, key);
    if (value === null && under !== undefined) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(under)) {
      setOwn(out, key, deepMerge(under, value));
    } else {
      setOwn(out, key, value);
    }
  }
  return out;
}

/**
 * Fills what `target` lacks from `defaults`, in place: the CSV hot path, where `target` is a
 * body built fresh for one row. Default values are shared, not copied, which is safe because
 * validation (zod) builds the entry's body as a new object, and defaults are frozen.
 */
export function fillDefaults(target: PlainObject, defaults: PlainObject): void {
  for (const key of Object.keys(defaults)) {
    const value = defaults[key];
    const mine = own(target, key);
    if (mine === undefined) {
      setOwn(target, key, value);
    } else if (isPlainObject(mine) && isPlainObject(value)) {
      fillDefaults(mine, value);
    }
  }
}

/**
 * Combines the `defaults` of several YAML files. The same leaf given different values by two
 * files is ambiguous: `onConflict` is called with its path and the merge keeps the first.
 */
export function combineDefaults(
  first: PlainObject,
  second: PlainObject,
  onConflict: (path: string[]) => void,
  path: string[] = [],
): PlainObject {
  const out: PlainObject = { ...first };
  for (const key of Object.keys(second)) {
    const a = own(first, key);
    const b = second[key];
    if (a === undefined) {
      setOwn(out, key, b);
    } else if (isPlainObject(a) && isPlainObject(b)) {
      setOwn(out, key, combineDefaults(a, b, onConflict, [...path, key]));
    } else if (!sameValue(a, b)) {
      onConflict([...path, key]);
    }
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
