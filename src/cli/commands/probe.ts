// `probe --community-id <id>`: learn, with two group creates in a sandbox community, whether the API
// refuses a repeated chat_id; record it in the ledger and print the setting that carries it to other
// ledgers of the same API. Asks before creating anything (--yes for scripts).
import { CHAT_ID_SETTING, describeAnswer, settingValue } from '../../api/chat-id-profile.js';
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import { resolveRunConfig, type RunFlags } from '../../config/run-config.js';
import { probeApi } from '../../pipeline/probe.js';
import type { ProbeGroup } from '../../run/probe.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { askYesNo, canAsk } from '../confirm.js';

export interface ProbeFlags extends Pick<RunFlags, 'ledger' | 'timeout'> {
  communityId: string;
  yes?: boolean;
  env: Environment;
}

export async function runProbe(flags: ProbeFlags, out: Output): Promise<ExitCode> {
  const config = resolveRunConfig({ flags: { ledger: flags.ledger, timeout: flags.timeout }, env: flags.env });
  const result = await probeApi(flags.communityId, config, { onWarning: (m) => out.warn(m), confirm: flags.yes ? undefined : (what) => ask(what, out) });
  if (!result.sent) {
    out.note('probe: nothing sent');
    return EXIT.aborted;
  }
  const f = result.finding;
  const groups = (list: ProbeGroup[]) => list.map((g) => `  "${g.name}" chat_id ${g.chat_id}${g.group_id ? ` group_id ${g.group_id}` : ''}`).join('\n');
  const where = `in community ${flags.communityId.trim()}`;
  if (f.finding === 'inconclusive') {
    out.note(`probe of ${result.api}: nothing proven: ${f.why}; nothing was recorded, so lost group answers stay in doubt (never resent)`);
    if (f.created.length > 0) out.note(`probe group${f.created.length === 1 ? '' : 's'} created ${where} (remove when you like):\n${groups(f.created)}`);
    if (f.maybe > 0) out.note(`a probe group may also exist ${where}: look for a group named "genuin-provision probe …"`);
    return EXIT.unresolved;
  }
  if (f.finding === 'refused') {
    out.note(`probe of ${result.api}: a repeated chat_id is refused with ${describeAnswer(f.exists)}: proven, and recorded in ledger ${config.ledgerPath}`);
    out.note('from now on a group whose answer was lost is resent with the same chat_id, and that answer settles it as created');
  } else {
    out.note(`probe of ${result.api}: a repeated chat_id is NOT refused (the second create made a second group): recorded in ledger ${config.ledgerPath}`);
    out.note('a group whose answer was lost is never resent: it stays in doubt for a person (ledger resolve)');
    if (!f.echoed) out.note('the API also ignores client chat_ids (its answers carry chat_ids of its own)');
  }
  out.note(`probe group${f.created.length === 1 ? '' : 's'} created ${where} (remove when you like):\n${groups(f.created)}`);
  out.note(`other ledgers of this API: set this in their environment or .env (or --chat-id-exists):`);
  out.info(`${CHAT_ID_SETTING}=${settingValue(result.profile!)}`);
  return EXIT.ok;
}

/** The person's go-ahead on a terminal; without one, --yes is the only way. */
async function ask(what: string, out: Output): Promise<boolean> {
  if (!canAsk()) throw new ConfigError(`probe will ${what}: confirm with --yes (no terminal to ask on)`);
  out.note(`probe will ${what}.`);
  return askYesNo('Go ahead?');
}
