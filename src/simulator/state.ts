// What the simulator holds: created communities and groups, request counters (overall and per item), faults.
// Tests treat it as the truth ("what the server holds"), so it records facts and never interprets them.
import type { Endpoint, FaultKind } from './faults.js';

export interface CommunityRecord {
  community_id: string;
  handle: string;
  /** The request body as received. */
  body: Record<string, unknown>;
  /** ISO timestamp. */
  created_at: string;
}

export interface GroupRecord {
  /** The request's chat_id when it sent one (unless `chatIds: 'ignore'`), else one the simulator made. */
  chat_id: string;
  group_id: string;
  community_id: string;
  /** The request body as received. */
  body: Record<string, unknown>;
  /** ISO timestamp. */
  created_at: string;
}

export interface FaultLogEntry {
  kind: FaultKind;
  endpoint: Endpoint;
  /** Whether the item was created despite the fault. */
  created: boolean;
  /** The community handle or the group name (chat_id when nameless); null when the body was never read. */
  ref: string | null;
  /** ISO timestamp. */
  at: string;
}

export interface Counts {
  /** Requests to the API surface (everything outside /__sim/). */
  requests: number;
  /** Answers sent, by HTTP status. Dropped connections have no status and are not counted here. */
  byStatus: Record<string, number>;
  /** 429 answers, from the token bucket and from `429-burst` faults alike. */
  rateLimited: number;
  /** Faults applied (one per fault log entry). */
  faults: number;
  /** POSTs to the two create endpoints, whatever became of them (401, 429 and resets included). */
  creates: number;
  /** Requests to the auth endpoint (also in `requests`), answered or not. */
  auth: number;
  /** Tokens the auth endpoint handed out. */
  tokensIssued: number;
}

/**
 * Create requests received per item, counted whenever the body could be read as a JSON object (so not
 * for `reset-before`, which never reads it). A client that sends an item once shows 1 here.
 */
export interface ItemRequests {
  /** By community handle. */
  communities: Record<string, number>;
  /** By the chat_id the request carried; without one, by `<community_id> <identity>` (see `groupIdentity`). */
  groups: Record<string, number>;
}

/** Groups that were created more than once: same community and same identity (see `groupIdentity`). */
export interface DuplicateGroups {
  community_id: string;
  identity: string;
  count: number;
  group_ids: string[];
}

export interface StateSnapshot {
  communities: CommunityRecord[];
  groups: GroupRecord[];
  counts: Counts;
  faultLog: FaultLogEntry[];
  duplicates: DuplicateGroups[];
  requestsByItem: ItemRequests;
}

/**
 * What makes two group creations "the same group" from the client's point of view: its name, or the
 * chat_id the client chose when nameless, or else the whole body minus chat_id. A server-made chat_id
 * is new on every call, so it can never be part of the identity.
 */
export function groupIdentity(body: Record<string, unknown>): string {
  const group = body.group;
  const name = group !== null && typeof group === 'object' ? (group as Record<string, unknown>).name : undefined;
  if (typeof name === 'string' && name !== '') return `name:${name}`;
  if (typeof body.chat_id === 'string' && body.chat_id !== '') return `chat_id:${body.chat_id}`;
  const { chat_id: _ignored, community_id: _scoped, ...rest } = body;
  return `body:${JSON.stringify(rest)}`;
}

function emptyCounts(): Counts {
  return { requests: 0, byStatus: {}, rateLimited: 0, faults: 0, creates: 0, auth: 0, tokensIssued: 0 };
}

const emptyItems = (): ItemRequests => ({ communities: {}, groups: {} });

/** The key a create body is counted under in `ItemRequests`, or null when it names no item. */
export function itemKey(endpoint: Endpoint, body: Record<string, unknown>): string | null {
  if (endpoint === 'community') return typeof body.handle === 'string' ? body.handle : null;
  if (typeof body.chat_id === 'string' && body.chat_id !== '') return body.chat_id;
  return typeof body.community_id === 'string' ? `${body.community_id} ${groupIdentity(body)}` : null;
}

export class State {
  /** By community_id. */
  readonly communities = new Map<string, CommunityRecord>();
  /** By group_id (chat_id may repeat if a client sends the same one twice). */
  readonly groups = new Map<string, GroupRecord>();
  private readonly handles = new Map<string, CommunityRecord>();
  private readonly chatIds = new Map<string, GroupRecord>();
  counts: Counts = emptyCounts();
  faultLog: FaultLogEntry[] = [];
  requestsByItem: ItemRequests = emptyItems();

  communityByHandle(handle: string): CommunityRecord | undefined {
    return this.handles.get(handle);
  }

  addCommunity(record: CommunityRecord): void {
    // Handles are unique on the real API (5216), so a second one here is a simulator bug, not a duplicate.
    if (this.handles.has(record.handle)) throw new Error(`handle already held: ${record.handle}`);
    this.handles.set(record.handle, record);
    this.communities.set(record.community_id, record);
  }

  /** The first group created with this chat_id. */
  groupByChatId(chatId: string): GroupRecord | undefined {
    return this.chatIds.get(chatId);
  }

  addGroup(record: GroupRecord): void {
    this.groups.set(record.group_id, record);
    // Unlike handles, a repeat is recorded, not thrown: tests may build a state with duplicates on purpose.
    if (!this.chatIds.has(record.chat_id)) this.chatIds.set(record.chat_id, record);
  }

  countRequest(): void {
    this.counts.requests++;
  }

  countAuth(): void {
    this.counts.auth++;
  }

  countTokenIssued(): void {
    this.counts.tokensIssued++;
  }

  countCreate(): void {
    this.counts.creates++;
  }

  /** One more create request for the item this body names. */
  countItem(endpoint: Endpoint, body: Record<string, unknown>): void {
    const key = itemKey(endpoint, body);
    if (key === null) return;
    const map = endpoint === 'community' ? this.requestsByItem.communities : this.requestsByItem.groups;
    map[key] = (map[key] ?? 0) + 1;
  }

  /** Create requests received for a community handle, or for a group by the chat_id it was sent with. */
  requestsFor(endpoint: Endpoint, key: string): number {
    return (endpoint === 'community' ? this.requestsByItem.communities : this.requestsByItem.groups)[key] ?? 0;
  }

  countStatus(status: number): void {
    const key = String(status);
    this.counts.byStatus[key] = (this.counts.byStatus[key] ?? 0) + 1;
    if (status === 429) this.counts.rateLimited++;
  }

  logFault(entry: FaultLogEntry): void {
    this.faultLog.push(entry);
    this.counts.faults++;
  }

  /** Groups created more than once (same community, same identity). Empty means nothing was created twice. */
  duplicates(): DuplicateGroups[] {
    const seen = new Map<string, DuplicateGroups>();
    for (const g of this.groups.values()) {
      const identity = groupIdentity(g.body);
      const key = `${g.community_id}\u0000${identity}`;
      const entry = seen.get(key);
      if (entry) {
        entry.count++;
        entry.group_ids.push(g.group_id);
      } else {
        seen.set(key, { community_id: g.community_id, identity, count: 1, group_ids: [g.group_id] });
      }
    }
    return [...seen.values()].filter((d) => d.count > 1);
  }

  snapshot(): StateSnapshot {
    return {
      communities: [...this.communities.values()],
      groups: [...this.groups.values()],
      counts: { ...this.counts, byStatus: { ...this.counts.byStatus } },
      faultLog: [...this.faultLog],
      duplicates: this.duplicates(),
      requestsByItem: { communities: { ...this.requestsByItem.communities }, groups: { ...this.requestsByItem.groups } },
    };
  }

  /** Forgets everything: items, counters and the fault log. */
  reset(): void {
    this.communities.clear();
    this.groups.clear();
    this.handles.clear();
    this.chatIds.clear();
    this.counts = emptyCounts();
    this.faultLog = [];
    this.requestsByItem = emptyItems();
  }
}
