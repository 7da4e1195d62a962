// The verdict flags of `ledger resolve` (--created [chat_id], --absent, --community-id, --abandon
// --reason) read into one Resolution, for the single-key form and the --all-in-doubt filter alike.
import { ConfigError } from '../errors.js';
import type { Resolution } from '../pipeline/ledger.js';
import type { Environment } from './environment.js';

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
