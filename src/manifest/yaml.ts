// YAML manifests: parse safely (core schema, no custom tags, unique keys, bounded aliases),
// then hand each community and group to validate.ts with a Locator that finds any value path
// in the document, so every fault says file:line:column.
import { type Document, LineCounter, type Node, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';

import type { ManifestFault } from '../errors.js';
import { shapeIssue } from './shape.js';
import type { Collector } from './collector.js';
import { COMMUNITY_FIELDS, GROUP_FIELDS, MANIFEST_KEYS } from './fields.js';
import { type Locator, formatPath, reportIssues } from './issues.js';
import { type ManifestLimits, limitHint } from './limits.js';
import { type PlainObject, isPlainObject } from './merge.js';
import { unknownMessage } from './suggest.js';
import { type Defaults, type ItemContext, communityItem, groupItem, topLevelParent } from './validate.js';
import { CommunityBodySchema, GroupFieldsSchema } from '../api/schema.js';

const TOP_KEYS = ['version', 'defaults', 'communities', 'groups'];
const DEFAULT_KINDS = ['community', 'group'] as const;
/** YAML syntax errors listed per file before the rest are summarised. */
const MAX_SYNTAX_FAULTS = 20;

export type DefaultsKind = (typeof DEFAULT_KINDS)[number];

export interface YamlDefaults {
  value: PlainObject;
  locate: Locator;
  ok: boolean;
}

export interface YamlSource {
  file: string;
  data: PlainObject;
  locate: Locator;
  defaults: Partial<Record<DefaultsKind, YamlDefaults>>;
  /** The file's frame had faults (a misspelt `defaults` key, say): do not echo them as missing fields. */
  quiet: boolean;
}

type Located = { line: number; column: number };

function keyOf(node: unknown): string | undefined {
  return isScalar(node) ? String(node.value) : undefined;
}

/** A Locator for paths below `base`; a missing step stops at the nearest existing ancestor. */
function locator(doc: Document, lc: LineCounter, base: Node | null | undefined, fallback: Located): Locator {
  const at = (node: unknown): Located | undefined => {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = lc.linePos(range[0]);
    return { line, column: col };
  };
  return (path, onKey) => {
    let cur: unknown = base;
    let best = at(cur) ?? fallback;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(cur)) cur = cur.resolve(doc);
      const seg = path[i];
      if (isMap(cur)) {
        const pair = cur.items.find((p) => keyOf(p.key) === String(seg));
        if (!pair) break;
        if (i === path.length - 1 && onKey) return at(pair.key) ?? best;
        const valuePos = at(pair.value);
        cur = pair.value;
        best = valuePos ?? at(pair.key) ?? best;
        if (!valuePos) break;
      } else if (isSeq(cur) && typeof seg === 'number') {
        const item = cur.items[seg];
        const pos = at(item);
        if (!pos) break;
        cur = item;
        best = pos;
      } else {
        break;
      }
    }
    return best;
  };
}

function fault(c: Collector, file: string, where: { line: number; column?: number }, field: string, message: string): void {
  const f: ManifestFault = { file, line: where.line, field, message };
  if (where.column !== undefined) f.column = where.column;
  c.fault(f);
}

/**
 * Phase 1: parse a YAML file and check its frame (version, top-level keys, defaults).
 * Returns undefined when the file cannot be used at all (its faults are reported).
 */
export function parseYaml(file: string, text: string, limits: ManifestLimits, c: Collector): YamlSource | undefined {
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter: lc,
      uniqueKeys: true,
      prettyErrors: false,
      schema: 'core',
      // Not even the YAML 1.1 extras (!!binary, !!set, !!timestamp…): tags other than the core
      // ones stay unresolved, and an unresolved tag is an error below.
      resolveKnownTags: false,
      merge: false,
      strict: true,
      version: '1.2',
      // Not 'silent': it also drops the MULTIPLE_DOCS error, and a second `---` document would
      // be ignored without a word. 'error' keeps errors in doc.errors and prints nothing.
      logLevel: 'error',
    });
  } catch (err) {
    // The library reports, not throws; a RangeError here is a pathological nesting.
    fault(c, file, { line: 1 }, 'yaml', `cannot parse: ${(err as Error).message}`);
    return undefined;
  }
  const posOf = (offset: number): Located => {
    const { line, col } = lc.linePos(offset);
    return { line, column: col };
  };

  let syntax = 0;
  const seenCodes = new Set<string>();
  for (const e of doc.errors) {
    // A stack overflow in the parser repeats once per nesting level: say it once.
    if (e.code === 'RESOURCE_EXHAUSTION') {
      if (seenCodes.has(e.code)) continue;
      seenCodes.add(e.code);
    }
    syntax++;
    if (syntax <= MAX_SYNTAX_FAULTS) {
      const message =
        e.code === 'RESOURCE_EXHAUSTION'
          ? 'nested too deeply to parse'
          : e.code === 'MULTIPLE_DOCS'
            ? 'a second YAML document (after ---): a manifest file holds one document; put the rest in another file'
            : e.message.split('\n')[0];
      fault(c, file, posOf(e.pos[0]), 'yaml', message);
    }
  }
  for (const w of doc.warnings) {
    const where = posOf(w.pos[0]);
    if (w.code === 'TAG_RESOLVE_FAILED') {
      // Core schema only: an explicit tag (`!!js/function`, `!!binary`, `!foo`) is refused, never run.
      syntax++;
      if (syntax <= MAX_SYNTAX_FAULTS) {
        const tag = text.slice(w.pos[0], w.pos[1]).trim() || 'tag';
        fault(c, file, where, 'yaml', `unsupported tag ${tag}: manifests are plain YAML (no tags)`);
      }
    } else {
      c.warn({ file, line: where.line, column: where.column, field: 'yaml', message: w.message.split('\n')[0] });
    }
  }
  if (syntax > MAX_SYNTAX_FAULTS) {
    fault(c, file, { line: 1 }, 'yaml', `… and ${syntax - MAX_SYNTAX_FAULTS} more YAML errors in this file`);
  }
  if (syntax > 0) return undefined;

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (err) {
    if (err instanceof ReferenceError) {
      let first: Located | undefined;
      let unresolved: { where: Located; source: string } | undefined;
      visit(doc, {
        Alias(_, node) {
          const here = node.range ? posOf(node.range[0]) : { line: 1, column: 1 };
          first ??= here;
          if (!unresolved && !node.resolve(doc)) unresolved = { where: here, source: node.source };
        },
      });
      if (unresolved) {
        fault(c, file, unresolved.where, 'yaml', `alias *${unresolved.source} has no anchor &${unresolved.source} before it`);
      } else {
        fault(c, file, first ?? { line: 1 }, 'yaml', `aliases expand too much (more than ${limits.maxAliasCount} uses: an alias bomb?) ${limitHint('maxAliasCount')}`);
      }
    } else if (err instanceof RangeError) {
      fault(c, file, { line: 1 }, 'yaml', 'nested too deeply');
    } else {
      fault(c, file, { line: 1 }, 'yaml', `cannot read the document: ${(err as Error).message}`);
    }
    return undefined;
  }

  const locate = locator(doc, lc, doc.contents, { line: 1, column: 1 });
  if (data === null || data === undefined) {
    fault(c, file, { line: 1 }, 'version', 'the file is empty: a manifest starts with "version: 1"');
    return undefined;
  }
  if (!isPlainObject(data)) {
    fault(c, file, locate([], false), 'yaml', 'the document must be a mapping (version, defaults, communities, groups)');
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(data)) {
    if (!TOP_KEYS.includes(key)) {
      ok = false;
      fault(c, file, locate([key], true), key || 'yaml', key ? unknownMessage('top-level key', key, TOP_KEYS) : 'a top-level key with no name');
    }
  }
  if (data.version === undefined) {
    ok = false;
    fault(c, file, locate([], false), 'version', 'required: add "version: 1"');
  } else if (data.version !== 1) {
    ok = false;
    fault(c, file, locate(['version'], false), 'version', 'must be 1 (the only manifest version)');
  }

  const defaults: YamlSource['defaults'] = {};
  const d = data.defaults;
  if (d !== undefined && d !== null) {
    if (!isPlainObject(d)) {
      ok = false;
      fault(c, file, locate(['defaults'], false), 'defaults', 'must be a mapping with community and/or group');
    } else {
      for (const key of Object.keys(d)) {
        const kind = DEFAULT_KINDS.find((k) => k === key);
        if (kind === undefined) {
          ok = false;
          fault(c, file, locate(['defaults', key], true), `defaults.${key}`, unknownMessage('defaults kind', key, DEFAULT_KINDS));
          continue;
        }
        const value = d[kind];
        if (value === null || value === undefined) continue;
        const dl: Locator = (path, onKey) => locate(['defaults', kind, ...path], onKey);
        if (!isPlainObject(value)) {
          ok = false;
          fault(c, file, dl([], false), `defaults.${kind}`, 'must be a mapping of fields');
          continue;
        }
        const before = c.faultCount;
        const own = checkDefaults(file, kind, value, dl, limits, c);
        defaults[kind] = { value: own, locate: dl, ok: c.faultCount === before };
      }
    }
  }
  return { file, data, locate, defaults, quiet: !ok };
}

/**
 * Defaults must be valid fields of their kind, minus what must differ per entry; returns
 * them without those (a default handle would give every community the same one).
 */
function checkDefaults(file: string, kind: DefaultsKind, value: PlainObject, locate: Locator, limits: ManifestLimits, c: Collector): PlainObject {
  const forbidden: readonly string[] = kind === 'community' ? ['handle', ...MANIFEST_KEYS.community] : MANIFEST_KEYS.group;
  const own: PlainObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (forbidden.includes(k)) {
      fault(c, file, locate([k], true), `defaults.${kind}.${k}`, `cannot be a default: it must be given for each ${kind}`);
    } else {
      own[k] = v;
    }
  }
  const problem = shapeIssue(own, limits);
  if (problem) {
    fault(c, file, locate(problem.path, false), `defaults.${kind}${problem.path.length ? `.${formatPath(problem.path)}` : ''}`, problem.message);
    return {};
  }
  const schema = kind === 'community' ? CommunityBodySchema : GroupFieldsSchema;
  const result = schema.safeParse(own);
  if (!result.success) {
    const ctx = { file, fields: kind === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS, extraKeys: [], locate, absentFrom: own };
    reportIssues(result.error.issues, own, ctx, (f) => c.fault({ ...f, field: `defaults.${kind}.${f.field}` }));
  }
  return own;
}

const requiredHint = (kind: 'community' | 'group', path: readonly PropertyKey[]) =>
  path.length === 1 ? ` (give it here, or under defaults.${kind})` : '';

/** Phase 2: every community (with its nested groups) and top-level group of a parsed file. */
export function yamlEntries(src: YamlSource, defaults: Defaults, limits: ManifestLimits, c: Collector): void {
  const { file, data, locate } = src;
  const itemCtx = (path: PropertyKey[]): ItemContext => {
    const { line, column } = locate(path, false);
    return {
      collector: c,
      defaults,
      pos: { file, line, column },
      locate: (p, onKey) => locate([...path, ...p], onKey),
      fresh: false,
      quietAbsent: src.quiet,
      requiredHint,
    };
  };
  const listOf = (value: unknown, path: PropertyKey[], what: string): unknown[] => {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    fault(c, file, locate(path, false), formatPath(path), `must be a list of ${what}`);
    return [];
  };
  /** Splits manifest-only keys off an item; a mapping check and the shape bounds first. */
  const item = (value: unknown, path: PropertyKey[], what: string): PlainObject | undefined => {
    if (!isPlainObject(value)) {
      fault(c, file, locate(path, false), formatPath(path), `expected a mapping (a ${what}), got ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : 'a single value'}`);
      return undefined;
    }
    return value;
  };
  /** Depth, list and text bounds over the whole item (manifest-only keys too), located at the value over a limit. */
  const bounded = (own: PlainObject, path: PropertyKey[]): boolean => {
    const problem = shapeIssue(own, limits);
    if (problem) fault(c, file, locate([...path, ...problem.path], false), formatPath([...path, ...problem.path]), problem.message);
    return problem === undefined;
  };

  const communities = listOf(data.communities, ['communities'], 'communities');
  communities.forEach((value, i) => {
    const path = ['communities', i];
    const obj = item(value, path, 'community');
    if (!obj) return;
    const { groups, ...rest } = obj;
    if (!bounded(rest, path)) return;
    const { community_id, ...own } = rest;
    const handle = communityItem(own, community_id, itemCtx(path));
    listOf(groups, [...path, 'groups'], 'groups').forEach((gv, j) => {
      const gpath = [...path, 'groups', j];
      const g = item(gv, gpath, 'group');
      if (!g || !bounded(g, gpath)) return;
      const { key, community_handle, community_id: gid, ...gown } = g;
      const ctx = itemCtx(gpath);
      for (const [name, v] of [['community_handle', community_handle], ['community_id', gid]] as const) {
        if (v !== undefined) {
          fault(c, file, ctx.locate([name], true), name, 'a nested group belongs to the community it is listed under: remove this, or move the group to the top-level groups list');
        }
      }
      groupItem(gown, key, handle === undefined ? undefined : { handle }, ctx);
    });
  });

  const groups = listOf(data.groups, ['groups'], 'groups');
  groups.forEach((value, i) => {
    const path = ['groups', i];
    const g = item(value, path, 'group');
    if (!g || !bounded(g, path)) return;
    const { key, community_handle, community_id, ...own } = g;
    const ctx = itemCtx(path);
    const parent = topLevelParent(community_handle, community_id, ctx);
    groupItem(own, key, parent, ctx);
  });
}
