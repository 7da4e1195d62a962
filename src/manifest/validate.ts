// One manifest item → one entry, the same way for YAML and CSV: defaults merged, the body
// checked against the API schema, manifest-only keys (key, community_handle, community_id)
// checked, and the item's handle or group key registered with the collector.
import { CommunityBodySchema, GroupFieldsSchema } from '../api/schema.js';
import type { Collector } from './collector.js';
import type { GroupEntry, SourcePos } from './entry.js';
import { COMMUNITY_FIELDS, GROUP_FIELDS, MANIFEST_KEYS } from './fields.js';
import { type Locator, reportIssues } from './issues.js';
import { groupIdentity } from '../plan/item-key.js';
import { type PlainObject, deepMerge, fillDefaults, isPlainObject } from './merge.js';

export interface Defaults {
  community?: PlainObject;
  group?: PlainObject;
  /** The defaults of this kind had faults (already reported): absent-field faults would only echo them. */
  communityBroken?: boolean;
  groupBroken?: boolean;
}

export interface ItemContext {
  collector: Collector;
  defaults: Defaults;
  pos: SourcePos;
  locate: Locator;
  /** The item's own object may be modified (CSV: built fresh for the row). */
  fresh: boolean;
  /** Drop faults about absent fields (CSV: the header already had faults). */
  quietAbsent?: boolean;
  /** Appended to "required" for a field path. */
  requiredHint?: (kind: 'community' | 'group', path: readonly PropertyKey[]) => string;
}

function fault(ctx: ItemContext, path: readonly PropertyKey[], onKey: boolean, field: string, message: string): void {
  const { line, column } = ctx.locate(path, onKey);
  ctx.collector.fault(column === undefined ? { file: ctx.pos.file, line, field, message } : { file: ctx.pos.file, line, column, field, message });
}

function warn(ctx: ItemContext, path: readonly PropertyKey[], field: string, message: string): void {
  const { line, column } = ctx.locate(path, true);
  ctx.collector.warn(column === undefined ? { file: ctx.pos.file, line, field, message } : { file: ctx.pos.file, line, column, field, message });
}

function withDefaults(own: PlainObject, defaults: PlainObject | undefined, fresh: boolean): PlainObject {
  if (defaults === undefined) return own;
  if (fresh) {
    fillDefaults(own, defaults);
    return own;
  }
  return deepMerge(defaults, own);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * A community: `own` holds the body fields as written; `communityId` the manifest's
 * `community_id` (adoption) if given. Returns the handle when it is usable as a parent.
 */
export function communityItem(own: PlainObject, communityId: unknown, ctx: ItemContext): string | undefined {
  const c = ctx.collector;
  const before = c.faultCount;
  c.counts.communities++;
  const handle = nonEmptyString(own.handle) ? own.handle : undefined;
  if (handle !== undefined) c.handle(handle, ctx.pos);

  if (communityId !== undefined) {
    // Adopted: exists already, nothing is sent; only the handle is needed. Other fields are
    // still type-checked (a typo there is a typo), but not required.
    if (!nonEmptyString(communityId)) {
      fault(ctx, ['community_id'], false, 'community_id', 'must be the id (text) of an existing community');
    }
    if (own.handle === undefined) {
      fault(ctx, [], false, 'handle', 'required (an adopted community still needs its handle)');
    }
    const result = CommunityBodySchema.safeParse(own);
    if (!result.success) reportIssues(result.error.issues, own, issueCtx(ctx, 'community', own), (f) => c.fault(f));
    const extra = Object.keys(own).filter((k) => k !== 'handle');
    if (extra.length > 0) {
      warn(ctx, [extra[0]], extra[0], `community_id is given, so this community is adopted as it is: ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not sent`);
    }
    if (handle !== undefined && nonEmptyString(communityId)) c.adopted(handle, communityId);
    if (c.faultCount === before && handle !== undefined) {
      c.community({ kind: 'community', handle, communityId: communityId as string, pos: ctx.pos });
    }
    return handle;
  }

  const input = withDefaults(own, ctx.defaults.community, ctx.fresh && !ctx.defaults.communityBroken);
  const result = CommunityBodySchema.safeParse(input);
  if (!result.success) {
    const quiet = ctx.quietAbsent || ctx.defaults.communityBroken;
    reportIssues(result.error.issues, input, issueCtx(ctx, 'community', quiet ? own : undefined), (f) => c.fault(f));
  } else if (c.faultCount === before) {
    c.community({ kind: 'community', handle: result.data.handle, body: result.data, pos: ctx.pos });
  }
  return handle;
}

export interface Parent {
  handle?: string;
  id?: string;
}

/**
 * A top-level group's parent, from `community_handle` or `community_id` (exactly one).
 * Returns undefined, with a fault, when there is none or both.
 */
export function topLevelParent(handle: unknown, id: unknown, ctx: ItemContext): Parent | undefined {
  if (handle !== undefined && id !== undefined) {
    fault(ctx, ['community_id'], true, 'community_id', 'give community_handle or community_id, not both');
    return undefined;
  }
  if (handle === undefined && id === undefined) {
    fault(ctx, [], false, 'community_handle', 'a group needs its community: community_handle (a community of these manifests, or one created before) or community_id (an existing community)');
    return undefined;
  }
  if (handle !== undefined) {
    if (!nonEmptyString(handle)) {
      fault(ctx, ['community_handle'], false, 'community_handle', 'must be a community handle (text)');
      return undefined;
    }
    ctx.collector.handleRef(handle, ctx.pos);
    return { handle };
  }
  if (!nonEmptyString(id)) {
    fault(ctx, ['community_id'], false, 'community_id', 'must be the id (text) of an existing community');
    return undefined;
  }
  return { id };
}

/** A group: `own` holds the body fields as written; `parent` is undefined when it was faulty. */
export function groupItem(own: PlainObject, key: unknown, parent: Parent | undefined, ctx: ItemContext): void {
  const c = ctx.collector;
  const before = c.faultCount;
  c.counts.groups++;
  if (key !== undefined && !nonEmptyString(key)) {
    fault(ctx, ['key'], false, 'key', 'must be non-empty text');
  }
  const input = withDefaults(own, ctx.defaults.group, ctx.fresh && !ctx.defaults.groupBroken);
  const result = GroupFieldsSchema.safeParse(input);
  if (!result.success) {
    const quiet = ctx.quietAbsent || ctx.defaults.groupBroken;
    reportIssues(result.error.issues, input, issueCtx(ctx, 'group', quiet ? own : undefined), (f) => c.fault(f));
  }
  const group = input.group;
  const name = isPlainObject(group) && nonEmptyString(group.name) ? group.name : undefined;
  const identity = nonEmptyString(key) ? key : name;
  if (identity === undefined) {
    // `name: …` or `group: {nmae: …}` was reported as an unknown field: its missing name would be an echo.
    const misspelt =
      Object.keys(own).some((k) => !GROUP_FIELDS.fields.has(k)) ||
      (isPlainObject(group) && Object.keys(group).some((k) => !GROUP_FIELDS.fields.has(`group.${k}`)));
    if (key === undefined && !misspelt && !ctx.quietAbsent) fault(ctx, [], false, 'key', 'a group needs key or group.name');
  } else if (groupIdentity(identity) === '') {
    // Keys are compared without surrounding spaces (plan/item-key.ts): nothing would be left.
    const onKey = nonEmptyString(key);
    fault(ctx, onKey ? ['key'] : ['group', 'name'], false, onKey ? 'key' : 'group.name', 'must have text other than spaces (it names the group in the ledger)');
  } else if (parent !== undefined) {
    c.groupKey(parent, identity, ctx.pos);
  }
  if (result.success && identity !== undefined && parent !== undefined && c.faultCount === before) {
    const entry: GroupEntry =
      parent.handle !== undefined
        ? { kind: 'group', key: identity, parentHandle: parent.handle, body: result.data, pos: ctx.pos }
        : { kind: 'group', key: identity, parentId: parent.id, body: result.data, pos: ctx.pos };
    c.group(entry);
  }
}

function issueCtx(ctx: ItemContext, kind: 'community' | 'group', absentFrom: unknown) {
  const hint = ctx.requiredHint;
  return {
    file: ctx.pos.file,
    fields: kind === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS,
    extraKeys: MANIFEST_KEYS[kind],
    locate: ctx.locate,
    absentFrom,
    requiredHint: hint ? (path: readonly PropertyKey[]) => hint(kind, path) : undefined,
  };
}

