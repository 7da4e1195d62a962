// The ledger a command reads: --ledger, else GENUIN_LEDGER, else the default (a separate one
// when simulating, so fake ids never mix with real ones).
import { DEFAULTS } from '../../config/run-config.js';
import type { Environment } from '../environment.js';

export function ledgerPathFor(flags: { ledger?: string; simulate?: boolean; env: Environment }): string {
  if (flags.ledger) return flags.ledger;
  if (flags.simulate) return DEFAULTS.simulateLedger;
  return flags.env.GENUIN_LEDGER?.trim() || DEFAULTS.ledger;
}
