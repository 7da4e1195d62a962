// The early stop for a run on a ledger with no history that meets a server already holding the
// handles: most likely a run from another working directory (or another ledger than before),
// which would otherwise send every community create, each answered "exists", and block every group.
import { LedgerError } from '../errors.js';
import type { Executor, SettledEvent } from './executor.js';

/**
 * Community answers of "exists" in a row, none created, that stop such a run. High enough that a
 * few handles made by hand (or a rerun of a small earlier batch) go through with the end-of-run
 * note only; low enough that a fleet of a thousand stops after a few seconds.
 */
export const EXISTS_STREAK = 20;

export interface AnotherLedgerWatch {
  /** The ledger, as it may be shown (a database URL without its password). */
  ledger: string;
  /** How the ledger was chosen: `--ledger`, `GENUIN_LEDGER`, or the default. */
  from: string;
}

/** Stops `executor` (exit 3) after EXISTS_STREAK community "exists" answers in a row with nothing created. */
export function watchForAnotherLedger(executor: Executor, watch: AnotherLedgerWatch): void {
  let streak = 0;
  executor.on('settled', ({ item, outcome }: SettledEvent) => {
    if (item.kind !== 'community') return;
    if (outcome.type === 'created') streak = 0;
    if (outcome.type !== 'exists' || ++streak !== EXISTS_STREAK) return;
    executor.fail(new LedgerError(anotherLedgerStopText(watch)), 'fatal');
  });
}

export function anotherLedgerStopText({ ledger, from }: AnotherLedgerWatch): string {
  const how = from === '--ledger' || from === 'GENUIN_LEDGER' ? `given by ${from}` : 'the default, in the working directory';
  return (
    `${EXISTS_STREAK} communities in a row already exist on the server and none was created, but ledger ${ledger} (${how}) had no history: ` +
    'it is probably not the ledger used before (a run from another working directory?); run stopped, nothing more sent. ' +
    'Point --ledger or GENUIN_LEDGER at the earlier runs\' ledger, or run from their directory; if these handles are yours and no ledger has them, run again with --expect-existing'
  );
}
