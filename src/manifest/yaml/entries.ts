// Phase 2 of a YAML manifest: every community (with its nested groups) and top-level group of a
// parsed file, each checked by validate.ts the same way as a CSV row. Faults of the YAML layout
// itself (a list that is not a list, a nested group naming a parent) are built here as values.
import type { ManifestFault } from '../../errors.js';
import type { Collector } from '../collector.js';
import { faultAt } from '../check/fault.js';
import { formatPath } from '../issues.js';
import type { ManifestLimits } from '../limits.js';
import { type PlainObject, isPlainObject } from '../merge.js';
import { shapeIssue } from '../shape.js';
import { type Defaults, type ItemContext, communityItem, groupItem, topLevelParent } from '../validate.js';
import type { YamlSource } from './read.js';

type Path = PropertyKey[];

const requiredHint = (kind: 'community' | 'group', path: readonly PropertyKey[]) => (path.length === 1 ? ` (give it here, or under defaults.${kind})` : '');

/** One file's walk: where it is, what applies to it, where findings go. */
interface Walk {
  src: YamlSource;
  defaults: Defaults;
  limits: ManifestLimits;
  c: Collector;
}

function faultAtPath(w: Walk, path: Path, onKey: boolean, field: string, message: string): ManifestFault {
  return faultAt(w.src.file, w.src.locate(path, onKey), field, message);
}

function itemCtx(w: Walk, path: Path): ItemContext {
  const { line, column } = w.src.locate(path, false);
  return {
    collector: w.c,
    defaults: w.defaults,
    pos: { file: w.src.file, line, column },
    locate: (p, onKey) => w.src.locate([...path, ...p], onKey),
    fresh: false,
    quietAbsent: w.src.quiet,
    requiredHint,
  };
}

/** The items of a list (none when absent), or a fault when it is not a list. */
function listOf(w: Walk, value: unknown, path: Path, what: string): { items: unknown[] } | { fault: ManifestFault } {
  if (value === undefined || value === null) return { items: [] };
  if (Array.isArray(value)) return { items: value };
  return { fault: faultAtPath(w, path, false, formatPath(path), `must be a list of ${what}`) };
}

/** An item as a mapping, or the fault that says what it is instead. */
function mappingOf(w: Walk, value: unknown, path: Path, what: string): { item: PlainObject } | { fault: ManifestFault } {
  if (isPlainObject(value)) return { item: value };
  const got = value === null ? 'nothing' : Array.isArray(value) ? 'a list' : 'a single value';
  return { fault: faultAtPath(w, path, false, formatPath(path), `expected a mapping (a ${what}), got ${got}`) };
}

/** Depth, list and text bounds over the whole item (manifest-only keys too), located at the value over a limit. */
function boundsFault(w: Walk, value: PlainObject, path: Path): ManifestFault | undefined {
  const problem = shapeIssue(value, w.limits);
  if (problem === undefined) return undefined;
  const at = [...path, ...problem.path];
  return faultAtPath(w, at, false, formatPath(at), problem.message);
}

/**
 * Each item of the list at `path` that is a mapping within bounds (a community's bounds leave out
 * its `groups`, bounded one by one); the faults of the list and its items go to the collector.
 */
function eachItem(w: Walk, value: unknown, path: Path, what: 'community' | 'group', visit: (item: PlainObject, path: Path) => void): void {
  const list = listOf(w, value, path, what === 'community' ? 'communities' : 'groups');
  if ('fault' in list) return w.c.findings.fault(list.fault);
  list.items.forEach((v, i) => {
    const itemPath = [...path, i];
    const mapping = mappingOf(w, v, itemPath, what);
    if ('fault' in mapping) return w.c.findings.fault(mapping.fault);
    const { groups: _, ...ownFields } = mapping.item;
    const tooBig = boundsFault(w, what === 'community' ? ownFields : mapping.item, itemPath);
    if (tooBig) return w.c.findings.fault(tooBig);
    visit(mapping.item, itemPath);
  });
}

function nestedGroup(w: Walk, g: PlainObject, path: Path, handle: string | undefined): void {
  const { key, community_handle, community_id, moved_from, new_group, ...own } = g;
  const ctx = itemCtx(w, path);
  for (const [name, v] of [['community_handle', community_handle], ['community_id', community_id]] as const) {
    if (v === undefined) continue;
    w.c.findings.fault(faultAtPath(w, [...path, name], true, name, 'a nested group belongs to the community it is listed under: remove this, or move the group to the top-level groups list'));
  }
  groupItem(own, key, handle === undefined ? undefined : { handle }, ctx, { movedFrom: moved_from, newGroup: new_group });
}

function community(w: Walk, obj: PlainObject, path: Path): void {
  const { groups, community_id, ...own } = obj;
  const handle = communityItem(own, community_id, itemCtx(w, path));
  eachItem(w, groups, [...path, 'groups'], 'group', (g, gpath) => nestedGroup(w, g, gpath, handle));
}

function topLevelGroup(w: Walk, g: PlainObject, path: Path): void {
  const { key, community_handle, community_id, moved_from, new_group, ...own } = g;
  const ctx = itemCtx(w, path);
  groupItem(own, key, topLevelParent(community_handle, community_id, ctx), ctx, { movedFrom: moved_from, newGroup: new_group });
}

/** Every community (nested groups too) and top-level group of a parsed file, into the collector. */
export function yamlEntries(src: YamlSource, defaults: Defaults, limits: ManifestLimits, c: Collector): void {
  const w: Walk = { src, defaults, limits, c };
  eachItem(w, src.data.communities, ['communities'], 'community', (obj, path) => community(w, obj, path));
  eachItem(w, src.data.groups, ['groups'], 'group', (g, path) => topLevelGroup(w, g, path));
}
