// `ledger resolve <key>`: record a person's verdict on an item (in doubt, exists, failed) with
// one flag, instead of a hand-written ledger line. The rules are in ledger/resolve.ts. The bulk
// forms (--from, --all-in-doubt, --adopt) and --dry-run are ledger-resolve-bulk.ts.
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { resolveLedgerItem, type Resolution } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import { isBulk, runBulkResolve, type BulkFlags } from './ledger-resolve-bulk.js';
import type { Output } from '../output.js';

export interface ResolveFlags {
  ledger?: string;
  simulate?: boolean;
  kind?: 'community' | 'group';
  /** `--created` alone is `true`: use the chat_id the last attempt recorded as sent. */
  created?: string | boolean;
  absent?: boolean;
  communityId?: string;
  abandon?: boolean;
  reason?: string;
  env: Environment;
}

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

/** The one verdict the flags give; a ConfigError (exit 2) for none, several, or a missing reason. */
export function resolutionOf(flags: ResolveFlags): Resolution {
  const given = [
    flags.created !== undefined && flags.created !== false ? '--created' : undefined,
    flags.absent ? '--absent' : undefined,
    flags.communityId !== undefined ? '--community-id' : undefined,
    flags.abandon ? '--abandon' : undefined,
  ].filter((f): f is string => f !== undefined);
  if (given.length !== 1) {
    throw new ConfigError(
      given.length === 0
        ? 'say what was found: --created [chat_id], --absent, --community-id <id> or --abandon --reason "…"'
        : `give one of ${given.join(', ')}, not several`,
    );
  }
  if (flags.reason !== undefined && !flags.abandon) throw new ConfigError('--reason goes with --abandon');
  if (flags.created !== undefined && flags.created !== false) {
    if (flags.created === true) return { action: 'created' };
    const chatId = flags.created.trim();
    if (chatId === '') throw new ConfigError('--created: the chat_id is empty (leave the value out to use the one the ledger recorded as sent)');
    return { action: 'created', chatId };
  }
  if (flags.absent) return { action: 'absent' };
  if (flags.communityId !== undefined) {
    const communityId = flags.communityId.trim();
    if (communityId === '') throw new ConfigError('--community-id: the id is empty');
    return { action: 'adopt', communityId };
  }
  const reason = flags.reason?.trim() ?? '';
  if (reason === '') throw new ConfigError('--abandon needs --reason "…" (why, for whoever reads the report next)');
  return { action: 'abandon', reason };
}
