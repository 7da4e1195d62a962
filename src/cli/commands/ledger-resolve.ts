// `ledger resolve <key>`: record a person's verdict on an item (in doubt, exists, failed) with
// one flag, instead of a hand-written ledger line. The rules are in ledger/resolve.ts. The bulk
// forms (--from, --all-in-doubt, --adopt) and --dry-run are cli/resolve-bulk.ts.
import { EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { resolveLedgerItem, type Resolution } from '../../pipeline/ledger.js';
import { resolutionOf, type ResolveFlags } from '../resolution-flags.js';
import { isBulk, runBulkResolve, type BulkFlags } from '../resolve-bulk.js';
import type { Output } from '../output.js';

export { resolutionOf, type ResolveFlags } from '../resolution-flags.js';

/** What the next run does with the item after each verdict, for the confirmation line. */
const NEXT: Record<Resolution['action'], string> = {
  created: 'the next apply skips it',
  absent: 'the next apply sends it',
  adopt: 'the next apply skips it and creates its groups',
  abandon: 'runs skip it from now on',
};

export async function runResolve(key: string | undefined, flags: ResolveFlags & BulkFlags, out: Output): Promise<ExitCode> {
  if (key === undefined || isBulk(flags)) return runBulkResolve(key, flags, out);
  const resolution = resolutionOf(flags);
  const config = ledgerConfig(flags, flags.env);
  const path = config.ledgerPath;
  const done = await resolveLedgerItem(key, resolution, config, { kind: flags.kind, onWarning: (m) => out.warn(m) });
  const l = done.line;
  const what = l.event === 'created' ? `created (chat_id ${l.chat_id})` : l.event === 'adopted' ? `adopted (community_id ${l.community_id})` : l.event === 'abandoned' ? `abandoned (${l.message})` : l.event;
  out.info(`${done.kind} ${done.key}: was ${done.before}; now ${what}: ${NEXT[resolution.action]} (ledger ${path})`);
  return EXIT.ok;
}
