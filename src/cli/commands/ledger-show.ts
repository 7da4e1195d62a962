// `ledger show <key>`: an item's whole history, one readable line per ledger line, then its
// state now and, when it needs a person, the `ledger resolve` commands that apply.
import { EXIT, type ExitCode } from '../../errors.js';
import type { ItemState } from '../../ledger/event.js';
import { ledgerConfig } from '../../config/run-config.js';
import { historyLine, isInDoubt, showLedgerItem, stateWords } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export interface ShowFlags {
  ledger?: string;
  simulate?: boolean;
  kind?: 'community' | 'group';
  env: Environment;
}

export async function runShow(key: string, flags: ShowFlags, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const path = config.ledgerPath;
  for (const shown of await showLedgerItem(key, config, { kind: flags.kind, onWarning: (m) => out.warn(m) })) {
    out.info(`${shown.kind} ${key} (ledger ${path})`);
    for (const e of shown.history) out.info(`  ${historyLine(e)}`);
    out.info(`  now: ${stateWords(shown.state)}`);
    for (const hint of nextSteps(shown.state, shown.sentChatId)) out.info(`  ${hint}`);
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
  if (item.status === 'conflict' && !item.inFlight) {
    const own = item.kind === 'community' ? '--community-id <its own id>' : '--created <its own chat_id>';
    return [
      `its answer carried ids ${item.held_by ?? 'another item'} holds: look both up in Genuin, then:`,
      `    genuin-provision ledger resolve ${k} --kind ${item.kind} ${own}`,
      `or keep it out of the runs: genuin-provision ledger resolve ${k} --kind ${item.kind} --abandon --reason "…"`,
    ];
  }
  if (item.status === 'failed' && !item.inFlight) {
    return [`fix its manifest entry and apply again, or keep it out of the runs: genuin-provision ledger resolve ${k} --kind ${item.kind} --abandon --reason "…"`];
  }
  return [];
}
