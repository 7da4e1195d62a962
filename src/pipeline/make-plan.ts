// Manifests + ledger → plan. The loader streams entries into the plan builder, so no raw
// rows are held; a manifest error anywhere means no plan at all.
import { profileOf, type ChatIdProfile } from '../api/chat-id-profile.js';
import { mayResendLost } from '../run/chat-id-trust.js';
import { ManifestError, type ManifestFault } from '../errors.js';
import { loadManifests } from '../manifest/load.js';
import type { LedgerState } from '../ledger/replay.js';
import type { RunConfig } from '../config/run-config.js';
import { IdentityCheck } from '../plan/identity-check.js';
import { PlanBuilder, type Plan } from '../plan/plan.js';

/** `retryInDoubt` and `limits` as the run configuration says them. */
export interface MakePlanOptions extends Partial<Pick<RunConfig, 'retryInDoubt' | 'limits'>> {
  ledger: LedgerState;
  /** Keep request bodies (default true); false for a plan that is shown, never run. */
  keepBodies?: boolean;
  /** What a repeated chat_id does on this API (default: the ledger's record; the run's setting wins). */
  chatIdProfile?: ChatIdProfile;
}

export interface MadePlan {
  plan: Plan;
  warnings: ManifestFault[];
  files: number;
}

/**
 * Throws ManifestError (every fault of every file) when any manifest is invalid, or when an
 * entry's identity cannot be decided against the ledger (plan/identity-check.ts).
 */
export async function makePlan(files: string[], options: MakePlanOptions): Promise<MadePlan> {
  const builder = new PlanBuilder(options.ledger, {
    retryInDoubt: options.retryInDoubt,
    keepBodies: options.keepBodies,
    resendLost: mayResendLost(options.chatIdProfile ?? profileOf(options.ledger.profileObserved), options.ledger.chatIdsHonoured),
  });
  const identity = new IdentityCheck(options.ledger);
  const result = await loadManifests(files, {
    onEntry: (entry) => identity.note(entry, builder.add(entry)),
    isKnownHandle: (handle) => options.ledger.isKnownHandle(handle),
    handleOfId: (id) => options.ledger.handleOf(id),
    communityIdOf: (handle) => options.ledger.communityId(handle),
    limits: options.limits,
  });
  const plan = builder.build();
  // Identity across manifest edits: refused before anything is sent (exit 2), like a manifest fault.
  const verdict = identity.finish(plan);
  const warnings = [...result.warnings, ...verdict.warnings];
  if (verdict.faults.length > 0) throw new ManifestError(verdict.faults, verdict.faults.length, warnings);
  plan.dropped = verdict.dropped;
  plan.counts.dropped = verdict.dropped.length;
  return { plan, warnings, files: result.counts.files };
}
