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
  pos: SourcePos;
}

export type ManifestEntry = CommunityEntry | GroupEntry;
