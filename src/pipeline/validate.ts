// `validate` as one call: every manifest loaded fully against the ledger (top-level groups may
// name a community an earlier run created), every fault at once; nothing is sent.
import { formatFault, type ManifestFault } from '../errors.js';
import type { RunConfig } from '../config/run-config.js';
import { readLedgerAt } from '../ledger/open.js';
import { loadManifests } from '../manifest/load.js';
import type { Observers } from './observers.js';

export interface Validated {
  files: number;
  communities: number;
  groups: number;
  warnings: ManifestFault[];
}

/** Throws ManifestError (every fault of every file) when any manifest is invalid. Manifest warnings go to onWarning too. */
export async function validateManifests(files: string[], config: Pick<RunConfig, 'ledgerPath' | 'limits'>, observers: Observers = {}): Promise<Validated> {
  const ledger = await readLedgerAt(config.ledgerPath, { onWarning: observers.onWarning });
  const result = await loadManifests(files, {
    onEntry: () => {},
    isKnownHandle: (h) => ledger.isKnownHandle(h),
    handleOfId: (id) => ledger.handleOf(id),
    communityIdOf: (handle) => ledger.communityId(handle),
    limits: config.limits,
  });
  for (const w of result.warnings) observers.onWarning?.(formatFault(w));
  const { communities, groups } = result.counts;
  return { files: files.length, communities, groups, warnings: result.warnings };
}
