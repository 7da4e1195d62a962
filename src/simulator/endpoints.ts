// The rules of the two create endpoints: which bodies get which documented error, and what a valid one
// adds to the state. Written independently of src/api on purpose: the simulator stands in for the server.
import type { Endpoint } from './faults.js';
import { ANSWERS, communityCreated, groupCreated, type Answer } from './responses.js';
import type { ChatIdMode } from './options.js';
import type { CommunityRecord, GroupRecord } from './state.js';
import type { State } from './state.js';

/**
 * Name prefixes that make the simulator answer a documented error which no request could otherwise
 * provoke here (the real conditions live in Genuin's back office).
 */
export const TRIGGERS = {
  /** A community handle or a group name starting with this gets 412 5166 "Invalid Use of API". */
  invalidUse: 'sim-412-',
  /** A group whose `recorded_video.video_name` starts with this gets 500 5026 "Could not find the video." */
  missingVideo: 'missing-',
} as const;

export interface EndpointContext {
  state: State;
  newId: () => string;
  /** Makes the ids of created items (community_id, group_id, a chat_id the simulator makes). */
  newItemId: () => string;
  /** Those ids go out as JSON numbers (`numericIds`). */
  numericIds: boolean;
  knownCategories: ReadonlySet<number>;
  /** What a client's chat_id does: kept and unique (`refuse`), kept only (`echo`), or replaced (`ignore`). */
  chatIds: ChatIdMode;
}

export type CreateOutcome =
  | {
      created: true;
      response: unknown;
      /** The answer with the ids of the latest other item of its kind (`duplicate-id`), or the plain one when there is none. */
      withHeldIds: () => unknown;
    }
  | { created: false; answer: Answer };

/** The latest value of `items` other than `self`. */
function latestOther<T>(items: Iterable<T>, self: T): T | undefined {
  let found: T | undefined;
  for (const item of items) if (item !== self) found = item;
  return found;
}

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
const isString = (v: unknown): boolean => typeof v === 'string';
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const arrayOf = (check: (v: unknown) => boolean) => (v: unknown) => Array.isArray(v) && v.every(check);
const isAction = (v: unknown): boolean =>
  isObject(v) && Number.isInteger(v.action_id) && Number.isInteger(v.access_type_id);

function validCommunity(b: Body): boolean {
  const c = b.categories;
  return (
    isText(b.handle) &&
    isText(b.name) &&
    Number.isInteger(b.type) &&
    arrayOf(isAction)(b.actions) &&
    ['description', 'tags', 'dp', 'banner'].every((k) => optional(b[k], isString)) &&
    ['is_ai_generated', 'is_ai_generated_dp', 'is_ai_generated_banner'].every((k) => optional(b[k], isBoolean)) &&
    optional(c, (v) => isObject(v) && optional(v.existing, arrayOf(Number.isInteger)) && optional(v.new, arrayOf(isString))) &&
    optional(b.users, arrayOf((u) => isObject(u) && isText(u.user_id)))
  );
}

function validGroup(b: Body): boolean {
  return (
    Number.isInteger(b.type) &&
    isText(b.community_id) &&
    optional(b.chat_id, isText) &&
    optional(b.actions, arrayOf(isAction)) &&
    optional(b.settings, isObject) &&
    optional(
      b.group,
      (g) => isObject(g) && optional(g.name, isString) && optional(g.members, arrayOf(isObject)) && optional(g.topics, arrayOf(Number.isInteger)),
    ) &&
    optional(b.recorded_video, (v) => isObject(v) && optional(v.video_name, isString))
  );
}

const refused = (answer: Answer): CreateOutcome => ({ created: false, answer });

export function createCommunity(b: Body, ctx: EndpointContext): CreateOutcome {
  if (!validCommunity(b)) return refused(ANSWERS.badRequest);
  const handle = b.handle as string;
  if (handle.startsWith(TRIGGERS.invalidUse)) return refused(ANSWERS.invalidUse);
  const existing = isObject(b.categories) ? (b.categories.existing as number[] | undefined) : undefined;
  if (existing?.some((id) => !ctx.knownCategories.has(id))) return refused(ANSWERS.categoryMissing);
  // Exact, case-sensitive match: the reference does not say handles are case-folded, so we do not guess.
  if (ctx.state.communityByHandle(handle)) return refused(ANSWERS.handleExists);
  const record: CommunityRecord = { community_id: ctx.newItemId(), handle, body: b, created_at: new Date().toISOString() };
  ctx.state.addCommunity(record);
  const withHeldIds = () => {
    const other = latestOther(ctx.state.communities.values(), record);
    return communityCreated(other ? { ...record, community_id: other.community_id } : record, ctx.numericIds);
  };
  return { created: true, response: communityCreated(record, ctx.numericIds), withHeldIds };
}

export function createGroup(b: Body, ctx: EndpointContext): CreateOutcome {
  if (!validGroup(b)) return refused(ANSWERS.badRequest);
  const group = isObject(b.group) ? b.group : {};
  if (typeof group.name === 'string' && group.name.startsWith(TRIGGERS.invalidUse)) return refused(ANSWERS.invalidUse);
  const community = ctx.state.communities.get(b.community_id as string);
  // The reference documents no "community not found" error for groups; its only client error is the bare
  // 400 "request contains errors or invalid data", so an unknown community_id gets that.
  if (!community) return refused(ANSWERS.badRequest);
  const video = isObject(b.recorded_video) ? b.recorded_video : {};
  if (typeof video.video_name === 'string' && video.video_name.startsWith(TRIGGERS.missingVideo)) {
    return refused(ANSWERS.videoMissing);
  }
  // The reference calls chat_id "the unique identifier for a Group" but documents no answer for a
  // held one: `refuse` refuses it (checked last: only a request that would otherwise create meets
  // it); `echo` and `ignore` create again, and `duplicates()` shows the group created twice.
  const clientChatId = ctx.chatIds !== 'ignore' && isText(b.chat_id) ? b.chat_id : undefined;
  if (ctx.chatIds === 'refuse' && clientChatId !== undefined && ctx.state.groupByChatId(clientChatId)) return refused(ANSWERS.groupExists);
  const record: GroupRecord = {
    chat_id: clientChatId ?? ctx.newItemId(),
    group_id: ctx.newItemId(),
    community_id: community.community_id,
    body: b,
    created_at: new Date().toISOString(),
  };
  ctx.state.addGroup(record);
  const withHeldIds = () => {
    const other = latestOther(ctx.state.groups.values(), record);
    return groupCreated(other ? { ...record, chat_id: other.chat_id, group_id: other.group_id } : record, community, ctx.newId, ctx.numericIds);
  };
  return { created: true, response: groupCreated(record, community, ctx.newId, ctx.numericIds), withHeldIds };
}

/** What the fault log calls a request: the community handle, or the group name (its chat_id when nameless). */
export function refOf(endpoint: Endpoint, body: unknown): string | null {
  if (!isObject(body)) return null;
  if (endpoint === 'community') return typeof body.handle === 'string' ? body.handle : null;
  const name = isObject(body.group) ? body.group.name : undefined;
  if (typeof name === 'string' && name !== '') return name;
  return typeof body.chat_id === 'string' ? body.chat_id : null;
}
