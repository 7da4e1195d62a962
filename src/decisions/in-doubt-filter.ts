// `ledger resolve --all-in-doubt`: the groups in doubt a filter names (all, one community's, a key
// prefix), drawn from the ledger's state as read under the lock, each given the same verdict.
import { ConfigError } from '../errors.js';
import type { Decision } from '../ledger/bulk-resolve.js';
import type { LedgerState } from '../ledger/replay.js';
import { isInDoubt, type Resolution } from '../ledger/resolve.js';
import { didYouMean } from '../manifest/suggest.js';
import { parseGroupKey } from '../item-key.js';

export interface InDoubtFilter {
  /** A community's handle or id: its groups, under whichever name the ledger keys them. */
  community?: string;
  /** The start of the ledger key (`brand/`, `brand/2024-`). */
  prefix?: string;
}

/** The decisions for every group in doubt that the filter names. An unknown `community` is a ConfigError. */
export function inDoubtDecisions(state: LedgerState, filter: InDoubtFilter, resolution: Resolution, ledger: string): Decision[] {
  let parents: Set<string> | undefined;
  if (filter.community !== undefined) {
    const c = filter.community;
    // A group is keyed by its parent's handle, or by its id when the handle was not known then.
    parents = new Set([c, state.communityId(c), state.handleOf(c)].filter((p): p is string => p !== undefined));
    let known = state.get('community', c) !== undefined || state.handleOf(c) !== undefined;
    if (!known) {
      for (const s of state.items.values()) {
        if (s.kind === 'group' && parents.has(parseGroupKey(s.key)?.parent ?? '')) {
          known = true;
          break;
        }
      }
    }
    if (!known) {
      const near = didYouMean(c, (function* () {
        for (const s of state.items.values()) if (s.kind === 'community') yield s.key;
      })());
      throw new ConfigError(`--community ${c}: no community of that handle or id in ledger ${ledger}${near !== undefined ? `: did you mean "${near}"?` : ''}`);
    }
  }
  const out: Decision[] = [];
  for (const s of state.items.values()) {
    if (!isInDoubt(s)) continue;
    if (filter.prefix !== undefined && !s.key.startsWith(filter.prefix)) continue;
    if (parents && !parents.has(parseGroupKey(s.key)?.parent ?? '')) continue;
    out.push({ kind: 'group', key: s.key, resolution });
  }
  return out;
}
