// Phase 1 of a YAML manifest: text → a checked frame (syntax, data, top-level keys, `version: 1`,
// the `defaults:` section per kind) that entries.ts walks in phase 2, once every file's defaults are
// known. Findings are values; the loader lists them. Faults in the frame make the file "quiet": its
// entries' missing fields would only echo them.
import { communityBodySchema, groupFieldsSchema } from '../../api/schema.js';
import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import { communityFields, groupFields, MANIFEST_KEYS } from '../fields.js';
import { type Locator, formatPath, issueFaults } from '../issues.js';
import type { ManifestLimits } from '../limits.js';
import { type PlainObject, isPlainObject } from '../merge.js';
import { shapeIssue } from '../shape.js';
import { unknownMessage } from '../suggest.js';
import { locator } from './locator.js';
import { parseText, syntaxFindings, toData } from './parse.js';

export interface YamlSource {
  file: string;
  data: PlainObject;
  locate: Locator;
  defaults: FileDefaults;
  /** The file's frame had faults (a misspelt `defaults` key, say): do not echo them as missing fields. */
  quiet: boolean;
}

export interface YamlRead {
  /** Undefined when the file cannot be used at all (its faults say why). */
  source?: YamlSource;
  faults: ManifestFault[];
  warnings: ManifestFault[];
}

export function parseYaml(file: string, text: string, limits: ManifestLimits): YamlRead {
  const parsed = parseText(text);
  if ('error' in parsed) return { faults: [faultAt(file, { line: 1 }, 'yaml', `cannot parse: ${parsed.error}`)], warnings: [] };
  const { faults, warnings } = syntaxFindings(file, text, parsed, limits.maxDepth);
  if (faults.length > 0) return { faults, warnings };
  const read = toData(file, parsed, limits);
  if ('fault' in read) return { faults: [read.fault], warnings };
  const locate = locator(parsed.doc, parsed.lines, parsed.doc.contents, { line: 1, column: 1 });
  const mapping = asMapping(file, read.data, locate);
  if ('fault' in mapping) return { faults: [mapping.fault], warnings };
  const frame = frameFaults(file, mapping.data, locate);
  const defaults = readDefaults(file, mapping.data, locate, limits);
  const source = { file, data: mapping.data, locate, defaults: defaults.defaults, quiet: frame.length > 0 || defaults.misshapen };
  return { source, faults: [...frame, ...defaults.faults], warnings };
}

const TOP_KEYS = ['version', 'defaults', 'communities', 'groups'];

/** The document as a mapping, or the fault that says it is empty or not a mapping. */
export function asMapping(file: string, data: unknown, locate: Locator): { data: PlainObject } | { fault: ManifestFault } {
  if (data === null || data === undefined) return { fault: faultAt(file, { line: 1 }, 'version', 'the file is empty: a manifest starts with "version: 1"') };
  if (!isPlainObject(data)) return { fault: faultAt(file, locate([], false), 'yaml', 'the document must be a mapping (version, defaults, communities, groups)') };
  return { data };
}

/** Unknown top-level keys and a missing or wrong version. */
export function frameFaults(file: string, data: PlainObject, locate: Locator): ManifestFault[] {
  const faults: ManifestFault[] = [];
  for (const key of Object.keys(data)) {
    if (TOP_KEYS.includes(key)) continue;
    faults.push(faultAt(file, locate([key], true), key || 'yaml', key ? unknownMessage('top-level key', key, TOP_KEYS) : 'a top-level key with no name'));
  }
  if (data.version === undefined) faults.push(faultAt(file, locate([], false), 'version', 'required: add "version: 1"'));
  else if (data.version !== 1) faults.push(faultAt(file, locate(['version'], false), 'version', 'must be 1 (the only manifest version)'));
  return faults;
}

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
  const result = (kind === 'community' ? communityBodySchema() : groupFieldsSchema()).safeParse(own);
  if (!result.success) {
    const ctx = { file, fields: kind === 'community' ? communityFields() : groupFields(), extraKeys: [], locate, absentFrom: own };
    for (const f of issueFaults(result.error.issues, own, ctx)) faults.push({ ...f, field: `defaults.${kind}.${f.field}` });
  }
  return { value: own, faults };
}
