// A file's `defaults:` section: per kind (community, group), valid fields of that kind minus
// what must differ per entry (a default handle would give every community the same one).
import { CommunityBodySchema, GroupFieldsSchema } from '../../api/schema.js';
import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import { COMMUNITY_FIELDS, GROUP_FIELDS, MANIFEST_KEYS } from '../fields.js';
import { type Locator, formatPath, issueFaults } from '../issues.js';
import type { ManifestLimits } from '../limits.js';
import { type PlainObject, isPlainObject } from '../merge.js';
import { shapeIssue } from '../shape.js';
import { unknownMessage } from '../suggest.js';

const DEFAULT_KINDS = ['community', 'group'] as const;

export type DefaultsKind = (typeof DEFAULT_KINDS)[number];

export interface YamlDefaults {
  value: PlainObject;
  locate: Locator;
  /** No faults in this kind's defaults. */
  ok: boolean;
}

export type FileDefaults = Partial<Record<DefaultsKind, YamlDefaults>>;

export interface ReadDefaults {
  defaults: FileDefaults;
  faults: ManifestFault[];
  /** The section's own shape was wrong (not a mapping, an unknown kind): part of the file's frame. */
  misshapen: boolean;
}

/** The defaults of a file's mapping, and their faults. */
export function readDefaults(file: string, data: PlainObject, locate: Locator, limits: ManifestLimits): ReadDefaults {
  const d = data.defaults;
  if (d === undefined || d === null) return { defaults: {}, faults: [], misshapen: false };
  if (!isPlainObject(d)) {
    return { defaults: {}, faults: [faultAt(file, locate(['defaults'], false), 'defaults', 'must be a mapping with community and/or group')], misshapen: true };
  }
  const out: ReadDefaults = { defaults: {}, faults: [], misshapen: false };
  for (const key of Object.keys(d)) addKind(out, file, key, d[key], locate, limits);
  return out;
}

/** `defaults.<key>`: a known kind holding a mapping of fields, checked by kindDefaults. */
function addKind(out: ReadDefaults, file: string, key: string, value: unknown, locate: Locator, limits: ManifestLimits): void {
  const kind = DEFAULT_KINDS.find((k) => k === key);
  if (kind === undefined) {
    out.misshapen = true;
    out.faults.push(faultAt(file, locate(['defaults', key], true), `defaults.${key}`, unknownMessage('defaults kind', key, DEFAULT_KINDS)));
    return;
  }
  if (value === null || value === undefined) return;
  const dl: Locator = (path, onKey) => locate(['defaults', kind, ...path], onKey);
  if (!isPlainObject(value)) {
    out.misshapen = true;
    out.faults.push(faultAt(file, dl([], false), `defaults.${kind}`, 'must be a mapping of fields'));
    return;
  }
  const own = kindDefaults(file, kind, value, dl, limits);
  out.defaults[kind] = { value: own.value, locate: dl, ok: own.faults.length === 0 };
  out.faults.push(...own.faults);
}

/** One kind's defaults, without the fields that cannot be defaults (each such field is a fault). */
function kindDefaults(file: string, kind: DefaultsKind, value: PlainObject, locate: Locator, limits: ManifestLimits): { value: PlainObject; faults: ManifestFault[] } {
  const forbidden: readonly string[] = kind === 'community' ? ['handle', ...MANIFEST_KEYS.community] : MANIFEST_KEYS.group;
  const own: PlainObject = {};
  const faults: ManifestFault[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (forbidden.includes(k)) faults.push(faultAt(file, locate([k], true), `defaults.${kind}.${k}`, `cannot be a default: it must be given for each ${kind}`));
    else own[k] = v;
  }
  const problem = shapeIssue(own, limits);
  if (problem) {
    const field = `defaults.${kind}${problem.path.length ? `.${formatPath(problem.path)}` : ''}`;
    return { value: {}, faults: [...faults, faultAt(file, locate(problem.path, false), field, problem.message)] };
  }
  const result = (kind === 'community' ? CommunityBodySchema : GroupFieldsSchema).safeParse(own);
  if (!result.success) {
    const ctx = { file, fields: kind === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS, extraKeys: [], locate, absentFrom: own };
    for (const f of issueFaults(result.error.issues, own, ctx)) faults.push({ ...f, field: `defaults.${kind}.${f.field}` });
  }
  return { value: own, faults };
}
