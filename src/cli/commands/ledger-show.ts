// `ledger show <key>`: an item's whole history, one readable line per ledger line, then its
// state now and, when it needs a person, the `ledger resolve` commands that apply.
import { resolve as absolute } from 'node:path';
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import type { ItemState } from '../../ledger/event.js';
import { readLedger } from '../../ledger/replay.js';
import { isInDoubt, unknownKey } from '../../ledger/resolve.js';
import { historyLine, itemHistory, lastSentChatId, stateWords } from '../../ledger/show.js';
import { didYouMean } from '../../manifest/suggest.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerPathFor } from './ledger-path.js';

export interface ShowFlags {
  ledger?: string;
  simulate?: boolean;
  kind?: 'community' | 'group';
  env: Environment;
}

export async function runShow(key: string, flags: ShowFlags, out: Output): Promise<ExitCode> {
  const path = absolute(ledgerPathFor(flags));
  const state = await readLedger(path, { onWarning: (m) => out.warn(m) });
  const kinds = (flags.kind ? [flags.kind] : (['community', 'group'] as const)).filter((k) => state.get(k, key) !== undefined);
  if (kinds.length === 0) {
    const prefix = flags.kind ? `no ${flags.kind} "${key}"; ` : '';
    throw new ConfigError(prefix + unknownKey(state, key, path, (k, known) => didYouMean(k, known)));
  }
  const history = await itemHistory(path, key);
  for (const kind of kinds) {
    const item = state.get(kind, key)!;
    out.info(`${kind} ${key} (ledger ${path})`);
    const own = history.filter((e) => e.kind === kind);
    for (const e of own) out.info(`  ${historyLine(e)}`);
    out.info(`  now: ${stateWords(item)}`);
    for (const hint of nextSteps(item, item.sent_chat_id ?? lastSentChatId(own) ?? item.chat_id)) out.info(`  ${hint}`);
  }
  return EXIT.ok;
}

/** The key as one shell word, for commands a person pastes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What a person can do about an item in its state, as commands. */
function nextSteps(item: ItemState, chatId: string | undefined): string[] {
  const k = shellWord(item.key);
  if (isInDoubt(item)) {
    const id = chatId ? ` (chat_id ${chatId})` : '';
    return [
      `look for it in Genuin${id}, then:`,
      `    genuin-provision ledger resolve ${k} --kind group --created${chatId ? '' : ' <chat_id>'}   # it exists`,
      `    genuin-provision ledger resolve ${k} --kind group --absent      # it does not: the next run sends it`,
    ];
  }
  if (item.kind === 'community' && item.status === 'exists' && !item.inFlight) {
    return [
      'if the community is ours, find its community_id in Genuin, then:',
      `    genuin-provision ledger resolve ${k} --community-id <id>`,
      `or keep it out of the runs: genuin-provision ledger resolve ${k} --kind community --abandon --reason "…"`,
    ];
  }
  if (item.status === 'failed' && !item.inFlight) {
    return [`fix its manifest entry and apply again, or keep it out of the runs: genuin-provision ledger resolve ${k} --kind ${item.kind} --abandon --reason "…"`];
  }
  return [];
}
