// Text and JSON renderings of plans and run summaries, for people and for scripts.
import type { Plan, PlanItem } from '../plan/plan.js';
import { printable } from '../printable.js';
import type { RunSummary, UnresolvedItem } from '../run/summary.js';

/** Items listed by name in a summary before "… and N more" (the report has them all). */
const LIST_LIMIT = 20;

export function where(item: PlanItem): string {
  return `${item.file}:${item.line}`;
}

export function planCountsText(plan: Plan): string {
  const c = plan.counts;
  const lines = [
    `to create: ${c.create.community} communities, ${c.create.group} groups`,
    `already done: ${c.skip}${c.adopt ? `, to adopt: ${c.adopt}` : ''}`,
    `blocked: ${c.blocked}, in doubt: ${c.in_doubt}`,
  ];
  if (c.drift) lines.push(`changed since created: ${c.drift} (the API has no update, so these changes will not be applied)`);
  if (c.moved) lines.push(`moved to a new key (moved_from): ${c.moved} (the ledger records the move; nothing is sent for it)`);
  if (c.dropped) lines.push(`${DROPPED_TEXT}: ${c.dropped} (never acted on; plan --detail or --json lists them)`);
  return lines.join('\n');
}

/** Ledger items the manifests do not name, said the same way in every listing. */
export const DROPPED_TEXT = 'in the ledger, not in these manifests';

export function planActionText(item: PlanItem): string {
  const text = actionText(item);
  return item.movedFrom === undefined ? text : `${text} (moved from ${printable(item.movedFrom)})`;
}

function actionText(item: PlanItem): string {
  switch (item.action) {
    case 'create':
      return 'create';
    case 'adopt':
      return `adopt ${item.communityId}`;
    case 'skip':
      // An abandoned item says why (a person's words), so a rerun's plan explains the skip.
      return `skip: ${item.done === 'abandoned' && item.reason ? printable(item.reason) : item.done}${item.drift ? ` (${DRIFT_TEXT})` : ''}`;
    case 'blocked':
      return `${item.done === 'conflict' ? 'conflict' : 'blocked'}: ${printable(item.reason ?? '')}`;
    case 'in_doubt':
      return `in doubt: ${printable(item.reason ?? '')}`;
  }
}

export function planDetailLines(plan: Plan): string[] {
  return plan.items.map((item) => `${item.kind.padEnd(9)} ${printable(item.key)}  ${planActionText(item)}  (${where(item)})`);
}

/** `plan --detail`'s lines for ledger items the manifests do not name. */
export function droppedDetailLines(plan: Plan): string[] {
  return (plan.dropped ?? []).map((d) => `${d.kind.padEnd(9)} ${printable(d.key)}  ${DROPPED_TEXT} (${d.status}): nothing is done with it`);
}

/** The words for drift, said the same way by plan and apply. */
export const DRIFT_TEXT = 'changed since created; the API has no update, so this change will not be applied';

/** Items whose manifest entry changed after they were created, one line each (capped). */
export function driftLines(plan: Plan): string[] {
  const out: string[] = [];
  for (const item of plan.items) if (item.drift) out.push(`  ${item.kind} ${printable(item.key)} (${where(item)})`);
  return limitList(out);
}

/** The drift paragraph apply prints with its summary; empty when nothing drifted. */
export function driftText(plan: Plan): string {
  if (!plan.counts.drift) return '';
  const n = plan.counts.drift;
  return [`${n} item${n === 1 ? '' : 's'} ${DRIFT_TEXT.replace('this change', n === 1 ? 'this change' : 'these changes')}:`, ...driftLines(plan)].join('\n');
}

export function driftJson(plan: Plan): unknown[] {
  return plan.items.filter((i) => i.drift).map((i) => ({ kind: i.kind, key: i.key, file: i.file, line: i.line }));
}

export function planIssueLines(plan: Plan): string[] {
  const out: string[] = [];
  for (const item of plan.items) {
    if (item.action === 'blocked' || item.action === 'in_doubt' || item.drift || (item.action === 'skip' && item.done === 'exists')) {
      out.push(`  ${item.kind} ${printable(item.key)} (${where(item)}): ${planActionText(item)}`);
    }
  }
  return limitList(out);
}

export function planJson(plan: Plan): unknown {
  return {
    counts: plan.counts,
    items: plan.items.map((i) => ({
      kind: i.kind,
      key: i.key,
      action: i.action,
      file: i.file,
      line: i.line,
      ...(i.done ? { done: i.done } : {}),
      ...(i.communityId ? { community_id: i.communityId } : {}),
      ...(i.reason ? { reason: i.reason } : {}),
      ...(i.drift ? { drift: true } : {}),
      ...(i.movedFrom !== undefined ? { moved_from: i.movedFrom } : {}),
    })),
    dropped: plan.dropped ?? [],
  };
}

/** What a second signal did: the requests it cut, each said as what the ledger now holds. */
function cutText(cut: NonNullable<RunSummary['cut']>): string {
  const n = (k: number) => `${k} request${k === 1 ? '' : 's'}`;
  const parts = [`${n(cut.sent)} cut after ${cut.sent === 1 ? 'it was' : 'they were'} sent (recorded in doubt: their answers are unknown)`];
  if (cut.unsent) parts.push(`${n(cut.unsent)} cut before reaching the server (nothing created; the next run sends ${cut.unsent === 1 ? 'it' : 'them'})`);
  return `stopped by a second signal: requests in flight were cut, not finished: ${parts.join('; ')}. Run the same command again: communities in doubt are sent again (safe: the handle is unique), groups in doubt are listed for a look`;
}

export function summaryText(summary: RunSummary): string {
  const t = summary.tally;
  const secs = summary.elapsedMs / 1000;
  const lines = [
    `created ${t.created}, already done ${t.skipped}, adopted ${t.adopted}, exists ${t.exists}, failed ${t.failed}, in doubt ${t.in_doubt}${t.conflict ? `, conflict ${t.conflict}` : ''}, blocked ${t.blocked}${t.not_started ? `, not started ${t.not_started}` : ''}`,
    `${summary.requests} requests in ${secs.toFixed(1)} s (${summary.requestRate.toFixed(1)} req/s)  run ${summary.runId}`,
  ];
  // Held just under the server's limit (once a 429 showed it, the ledger keeps it for the next --rate auto run).
  if (summary.rateFound !== undefined) lines.push(`rate found: ${summary.rateFound.toFixed(1)} req/s`);
  if (summary.stopped === 'signal' && summary.cut) lines.push(cutText(summary.cut));
  else if (summary.stopped === 'signal') lines.push('stopped by a signal: requests in flight were finished and recorded; run the same command again to continue');
  if (summary.stopped === 'max-duration') lines.push('stopped at --max-duration: run the same command again to continue');
  if (summary.unresolved.length) {
    lines.push('needs a look:');
    lines.push(...limitList(summary.unresolved.map(unresolvedLine)));
  }
  if (summary.conflicts.length) {
    lines.push('answers that carried an id the ledger holds for another item (recorded as conflicts, nothing created under them; check both in Genuin):');
    lines.push(...limitList(summary.conflicts.map((c) => `  ${c.item.kind} ${printable(c.item.key)} (${where(c.item)}) got ${printable(c.id)}, which the ledger holds for ${printable(c.heldBy)}`)));
  }
  return lines.join('\n');
}

function unresolvedLine(u: UnresolvedItem): string {
  return `  ${u.status.padEnd(8)} ${u.item.kind} ${printable(u.item.key)} (${where(u.item)}): ${printable(u.reason)}`;
}

export function summaryJson(summary: RunSummary): unknown {
  return {
    run: summary.runId,
    ...summary.tally,
    requests: summary.requests,
    elapsed_ms: Math.round(summary.elapsedMs),
    request_rate: Number(summary.requestRate.toFixed(2)),
    rate_found: summary.rateFound !== undefined ? Number(summary.rateFound.toFixed(2)) : null,
    stopped: summary.stopped ?? null,
    ...(summary.cut ? { cut: summary.cut } : {}),
    unresolved: summary.unresolved.map((u) => ({
      kind: u.item.kind,
      key: u.item.key,
      status: u.status,
      file: u.item.file,
      line: u.item.line,
      reason: u.reason,
    })),
    conflicts: summary.conflicts.map((c) => ({ kind: c.item.kind, key: c.item.key, id: c.id, held_by: c.heldBy })),
  };
}

function limitList(lines: string[]): string[] {
  if (lines.length <= LIST_LIMIT) return lines;
  return [...lines.slice(0, LIST_LIMIT), `  … and ${lines.length - LIST_LIMIT} more (genuin-provision report lists every item)`];
}
