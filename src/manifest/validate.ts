// One manifest item → one entry, the same way for YAML and CSV: defaults merged, the body
// checked against the API schema, manifest-only keys (key, community_handle, community_id)
// checked, and the item's handle or group key registered with the collector's indexes.
// Each check returns its faults; the item's entry is sent on only when it has none.
import type { ItemKind } from '../api/schema.js';
import type { z } from 'zod';

import { communityBodySchema, type GroupFields, groupFieldsSchema } from '../api/schema.js';
import type { ManifestFault } from '../errors.js';
import { groupIdentity } from '../item-key.js';
import { faultAt } from './check/fault.js';
import type { ParentRef as Parent } from './check/group-keys.js';
import type { Collector } from './collector.js';
import type { CommunityEntry, GroupEntry, SourcePos } from './entry.js';
import { communityFields, groupFields, MANIFEST_KEYS } from './fields.js';
import { type IssueContext, type Locator, issueFaults } from './issues.js';
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
  /**
   * The body schema narrowed to the fields a CSV header can set (manifest/csv/schema.ts): the
   * same verdict and output for such a row, with less work. Default: the kind's whole schema.
   */
  bodySchema?: z.ZodObject;
  /** Appended to "required" for a field path. */
  requiredHint?: (kind: 'community' | 'group', path: readonly PropertyKey[]) => string;
}

/** A check's verdict on one item: its faults, and its entry when it has none. */
interface Checked<E> {
  faults: ManifestFault[];
  warning?: ManifestFault;
  entry?: E;
}

function faultOf(ctx: ItemContext, path: readonly PropertyKey[], onKey: boolean, field: string, message: string): ManifestFault {
  return faultAt(ctx.pos.file, ctx.locate(path, onKey), field, message);
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

function issueCtx(ctx: ItemContext, kind: ItemKind, absentFrom: unknown): IssueContext {
  const hint = ctx.requiredHint;
  return {
    file: ctx.pos.file,
    fields: kind === 'community' ? communityFields() : groupFields(),
    extraKeys: MANIFEST_KEYS[kind],
    locate: ctx.locate,
    absentFrom,
    requiredHint: hint ? (path: readonly PropertyKey[]) => hint(kind, path) : undefined,
  };
}

/** Adopted: exists already, nothing is sent, only the handle is needed. Other fields are type-checked (a typo is a typo), not required. */
function adoptedCommunity(own: PlainObject, communityId: unknown, handle: string | undefined, ctx: ItemContext): Checked<CommunityEntry> {
  const faults: ManifestFault[] = [];
  if (!nonEmptyString(communityId)) faults.push(faultOf(ctx, ['community_id'], false, 'community_id', 'must be the id (text) of an existing community'));
  if (own.handle === undefined) faults.push(faultOf(ctx, [], false, 'handle', 'required (an adopted community still needs its handle)'));
  const result = communityBodySchema().safeParse(own);
  if (!result.success) faults.push(...issueFaults(result.error.issues, own, issueCtx(ctx, 'community', own)));
  const extra = Object.keys(own).filter((k) => k !== 'handle');
  const warning =
    extra.length === 0
      ? undefined
      : faultOf(ctx, [extra[0]], true, extra[0], `community_id is given, so this community is adopted as it is: ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not sent`);
  const entry = faults.length === 0 && handle !== undefined ? { kind: 'community' as const, handle, communityId: communityId as string, pos: ctx.pos } : undefined;
  return { faults, warning, entry };
}

function newCommunity(own: PlainObject, ctx: ItemContext): Checked<CommunityEntry> {
  const input = withDefaults(own, ctx.defaults.community, ctx.fresh && !ctx.defaults.communityBroken);
  const result = ((ctx.bodySchema ?? communityBodySchema()) as ReturnType<typeof communityBodySchema>).safeParse(input);
  if (result.success) return { faults: [], entry: { kind: 'community', handle: result.data.handle, body: result.data, pos: ctx.pos } };
  const quiet = ctx.quietAbsent || ctx.defaults.communityBroken;
  return { faults: issueFaults(result.error.issues, input, issueCtx(ctx, 'community', quiet ? own : undefined)) };
}

/**
 * A community: `own` holds the body fields as written; `communityId` the manifest's
 * `community_id` (adoption) if given. Returns the handle when it is usable as a parent.
 */
export function communityItem(own: PlainObject, communityId: unknown, ctx: ItemContext): string | undefined {
  const c = ctx.collector;
  c.counts.communities++;
  const handle = nonEmptyString(own.handle) ? own.handle : undefined;
  // Registered whether the item is valid or not, so one bad row does not cascade.
  const registered = handle === undefined ? undefined : c.handles.add(handle, ctx.pos);
  c.findings.add(registered);
  const checked = communityId === undefined ? newCommunity(own, ctx) : adoptedCommunity(own, communityId, handle, ctx);
  if (handle !== undefined && nonEmptyString(communityId)) c.groupKeys.adopted(handle, communityId);
  for (const f of checked.faults) c.findings.fault(f);
  if (checked.warning) c.findings.warn(checked.warning);
  if (checked.entry && checked.faults.length === 0 && !(registered && 'fault' in registered)) c.sink.add(checked.entry);
  return handle;
}

/** The parent named by `community_handle` or `community_id` (exactly one), or why there is none. */
function parentOf(handle: unknown, id: unknown, ctx: ItemContext): Parent | ManifestFault {
  if (handle !== undefined && id !== undefined) return faultOf(ctx, ['community_id'], true, 'community_id', 'give community_handle or community_id, not both');
  if (handle === undefined && id === undefined) {
    return faultOf(ctx, [], false, 'community_handle', 'a group needs its community: community_handle (a community of these manifests, or one created before) or community_id (an existing community)');
  }
  if (handle !== undefined) {
    return nonEmptyString(handle) ? { handle } : faultOf(ctx, ['community_handle'], false, 'community_handle', 'must be a community handle (text)');
  }
  return nonEmptyString(id) ? { id } : faultOf(ctx, ['community_id'], false, 'community_id', 'must be the id (text) of an existing community');
}

/**
 * A top-level group's parent, from `community_handle` or `community_id` (exactly one).
 * Returns undefined, with a fault, when there is none or both.
 */
export function topLevelParent(handle: unknown, id: unknown, ctx: ItemContext): Parent | undefined {
  const parent = parentOf(handle, id, ctx);
  if ('message' in parent) {
    ctx.collector.findings.fault(parent);
    return undefined;
  }
  if (parent.handle !== undefined) ctx.collector.handles.ref(parent.handle, ctx.pos);
  return parent;
}

/** The group's identity in its community: `key`, else `group.name`. */
function identityOf(key: unknown, group: unknown): string | undefined {
  if (nonEmptyString(key)) return key;
  return isPlainObject(group) && nonEmptyString(group.name) ? group.name : undefined;
}

/** Why the group has no usable identity, if it has none; undefined when it has one (or the fault would be an echo). */
function identityFault(own: PlainObject, group: unknown, key: unknown, identity: string | undefined, ctx: ItemContext): ManifestFault | undefined {
  if (identity === undefined) {
    // `name: …` or `group: {nmae: …}` was reported as an unknown field: its missing name would be an echo.
    const misspelt =
      Object.keys(own).some((k) => !groupFields().fields.has(k)) ||
      (isPlainObject(group) && Object.keys(group).some((k) => !groupFields().fields.has(`group.${k}`)));
    return key === undefined && !misspelt && !ctx.quietAbsent ? faultOf(ctx, [], false, 'key', 'a group needs key or group.name') : undefined;
  }
  if (groupIdentity(identity) !== '') return undefined;
  // Keys are compared without surrounding spaces (item-key.ts): nothing would be left.
  const onKey = nonEmptyString(key);
  return faultOf(ctx, onKey ? ['key'] : ['group', 'name'], false, onKey ? 'key' : 'group.name', 'must have text other than spaces (it names the group in the ledger)');
}

/** What a group entry says about its identity across runs (docs/recovery.md), as written. */
export interface IdentityFields {
  movedFrom?: unknown;
  newGroup?: unknown;
}

/** `moved_from` and `new_group` checked: the values for the entry, or faults. */
function identityFields(fields: IdentityFields, identity: string | undefined, ctx: ItemContext, faults: ManifestFault[]): { movedFrom?: string; newGroup?: boolean } {
  const { movedFrom, newGroup } = fields;
  const out: { movedFrom?: string; newGroup?: boolean } = {};
  if (movedFrom !== undefined) {
    if (!nonEmptyString(movedFrom) || groupIdentity(movedFrom) === '') faults.push(faultOf(ctx, ['moved_from'], false, 'moved_from', 'must be the group key this group had before (text)'));
    else if (identity !== undefined && groupIdentity(movedFrom) === groupIdentity(identity)) faults.push(faultOf(ctx, ['moved_from'], false, 'moved_from', 'names this group itself: give the key (or group.name) it had before'));
    else out.movedFrom = movedFrom;
  }
  if (newGroup !== undefined) {
    if (typeof newGroup !== 'boolean') faults.push(faultOf(ctx, ['new_group'], false, 'new_group', 'must be true or false'));
    else if (newGroup && movedFrom !== undefined) faults.push(faultOf(ctx, ['new_group'], true, 'new_group', 'give moved_from (the same group as before) or new_group (a new one), not both'));
    else if (newGroup) out.newGroup = true;
  }
  return out;
}

/** A group: `own` holds the body fields as written; `parent` is undefined when it was faulty. */
export function groupItem(own: PlainObject, key: unknown, parent: Parent | undefined, ctx: ItemContext, fields: IdentityFields = {}): void {
  const c = ctx.collector;
  c.counts.groups++;
  const faults: ManifestFault[] = [];
  if (key !== undefined && !nonEmptyString(key)) faults.push(faultOf(ctx, ['key'], false, 'key', 'must be non-empty text'));
  const input = withDefaults(own, ctx.defaults.group, ctx.fresh && !ctx.defaults.groupBroken);
  const result = ((ctx.bodySchema ?? groupFieldsSchema()) as ReturnType<typeof groupFieldsSchema>).safeParse(input);
  if (!result.success) {
    const quiet = ctx.quietAbsent || ctx.defaults.groupBroken;
    faults.push(...issueFaults(result.error.issues, input, issueCtx(ctx, 'group', quiet ? own : undefined)));
  }
  const identity = identityOf(key, input.group);
  const unusable = identityFault(own, input.group, key, identity, ctx);
  if (unusable) faults.push(unusable);
  else if (identity !== undefined && parent !== undefined) {
    const taken = c.groupKeys.claim(parent, identity, ctx.pos);
    if (taken) faults.push(taken);
  }
  const steer = identityFields(fields, identity, ctx, faults);
  if (result.success && result.data.chat_id !== undefined) {
    const shared = c.chatIds.claim(result.data.chat_id, ctx.pos);
    if (shared) faults.push(faultOf(ctx, ['chat_id'], false, 'chat_id', shared));
  }
  for (const f of faults) c.findings.fault(f);
  if (result.success && identity !== undefined && parent !== undefined && faults.length === 0) {
    const entry = groupEntry(identity, parent, result.data, ctx.pos);
    // Only when given: a million entries without them keep the shape they had.
    if (steer.movedFrom !== undefined) entry.movedFrom = steer.movedFrom;
    if (steer.newGroup) entry.newGroup = true;
    c.sink.add(entry);
  }
}

function groupEntry(key: string, parent: Parent, body: GroupFields, pos: SourcePos): GroupEntry {
  return parent.handle !== undefined ? { kind: 'group', key, parentHandle: parent.handle, body, pos } : { kind: 'group', key, parentId: parent.id, body, pos };
}
