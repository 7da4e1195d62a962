// `ledger unlock`: a person's word that the run holding a file ledger's lock is gone, for a holder
// this machine cannot prove gone by its pid (another container, host or boot). Its heartbeat is
// watched first: a run that is alive keeps the lock.
import { EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { parseDuration } from '../../config/parse.js';
import { unlockLedger } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export async function runUnlock(flags: { ledger?: string; simulate?: boolean; staleAfter?: string; env: Environment }, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const staleAfterMs = flags.staleAfter === undefined ? undefined : parseDuration(flags.staleAfter, '--stale-after');
  const { tookOver } = await unlockLedger(config, { staleAfterMs, onWarning: (m) => out.warn(m), onWaiting: (m) => out.info(m) });
  out.info(tookOver ? `${tookOver}; the lock is released: ledger ${config.ledgerPath} is free` : `ledger ${config.ledgerPath} was not locked`);
  return EXIT.ok;
}
