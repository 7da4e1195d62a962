// What a manifest loader hands to the rest of the pipeline: validated entries that keep
// the place they came from, so any later error can say file:line.
import type { CommunityBody, GroupFields } from '../api/schema.js';

export interface SourcePos {
  file: string;
  line: number;
  column?: number;
}

export interface CommunityEntry {
  kind: 'community';
  handle: string;
  /** Present when the manifest gives `community_id`: the community already exists (adopted). */
  communityId?: string;
  /**
   * The request body, defaults merged, exactly as it will be sent. Absent for an adopted
   * community (`communityId` set), which is never sent and needs only its handle.
   */
  body?: CommunityBody;
  pos: SourcePos;
}

export interface GroupEntry {
  kind: 'group';
  /** Identity within its community: `key`, else `group.name`. */
  key: string;
  /** Parent community by handle (nested group, or `community_handle`). */
  parentHandle?: string;
  /** Parent community by id (`community_id` on a top-level group or CSV row). */
  parentId?: string;
  /** The request body without `community_id`, defaults merged. */
  body: GroupFields;
  /**
   * `moved_from`: the group key this group had before (same community): the ledger's group of
   * that key is this one, its ledger item moves to the new key (plan/identity-check.ts).
   */
  movedFrom?: string;
  /** `new_group: true`: a new group, even though the ledger holds one it might be taken for. */
  newGroup?: boolean;
  pos: SourcePos;
}

export type ManifestEntry = CommunityEntry | GroupEntry;
