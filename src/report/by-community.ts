// The per-community summary of report rows (`report --by-community`): one row per community with
// the tally of its groups, so a person sees which communities are finished and which need a look.
import { parseGroupKey } from '../item-key.js';
import type { ReportRow, ReportStatus } from './rows.js';

/** The summary's columns, in order: the CSV header and the keys of every JSON row. */
export const COMMUNITY_COLUMNS = ['community', 'community_id', 'status', 'groups', 'created', 'in_doubt', 'failed', 'blocked', 'other'] as const;

export interface CommunitySummary {
  /** The community's handle; its id when the ledger and the manifests know only that. */
  community: string;
  community_id: string | null;
  /** The community's own status; null when only its groups are reported (a parent given by id). */
  status: ReportStatus | null;
  /** Every group reported under it: created + in_doubt + failed + blocked + other. */
  groups: number;
  created: number;
  /** In doubt, or in flight when a run stopped: a person or the next run settles it. */
  in_doubt: number;
  failed: number;
  blocked: number;
  /** Abandoned by a person, or found absent (sent by the next run). */
  other: number;
}

function tallyOf(status: ReportStatus): 'created' | 'in_doubt' | 'failed' | 'blocked' | 'other' {
  if (status === 'created' || status === 'failed' || status === 'blocked' || status === 'in_doubt') return status;
  if (status === 'in_flight') return 'in_doubt';
  return 'other';
}

/**
 * One summary per community, in the order each first appears among the rows. A group finds its
 * community by the parent in its key (a handle, or an id), else by its community_id; a group
 * whose community has no row of its own gets a summary named after its parent.
 */
export function communitySummaries(rows: Iterable<ReportRow>): CommunitySummary[] {
  const byKey = new Map<string, CommunitySummary>();
  const byId = new Map<string, CommunitySummary>();
  const orphans: ReportRow[] = [];
  const summary = (community: string, id: string | null, status: ReportStatus | null): CommunitySummary => {
    const s: CommunitySummary = { community, community_id: id, status, groups: 0, created: 0, in_doubt: 0, failed: 0, blocked: 0, other: 0 };
    byKey.set(community, s);
    if (id !== null) byId.set(id, s);
    return s;
  };
  // Communities and groups may come in any order (a plan-only row comes last): groups are placed once all rows are read.
  for (const row of rows) {
    if (row.kind === 'community') {
      const known = byKey.get(row.key);
      if (known) {
        known.status = row.status;
        known.community_id ??= row.community_id;
        if (row.community_id !== null) byId.set(row.community_id, known);
      } else summary(row.key, row.community_id, row.status);
    } else orphans.push(row);
  }
  for (const row of orphans) {
    const parent = parseGroupKey(row.key)?.parent ?? row.key;
    const s = byKey.get(parent) ?? byId.get(parent) ?? (row.community_id !== null ? byId.get(row.community_id) : undefined) ?? summary(parent, row.community_id, null);
    s.groups++;
    s[tallyOf(row.status)]++;
  }
  return [...byKey.values()];
}
