// `validate`: load every manifest fully and report every fault; sends nothing.
import { EXIT, ManifestError, formatFault, type ExitCode } from '../../errors.js';
import { loadManifests } from '../../manifest/load.js';
import { limitsFromEnv } from '../../config/limits.js';
import { readLedger } from '../../ledger/replay.js';
import { ledgerPathFor } from './ledger-path.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export interface ValidateFlags {
  json?: boolean;
  ledger?: string;
  simulate?: boolean;
  env: Environment;
}

export async function runValidate(files: string[], flags: ValidateFlags, out: Output): Promise<ExitCode> {
  if (flags.json) out.jsonMode();
  try {
    // Top-level groups may name a community created by an earlier run: the ledger knows it.
    const ledger = await readLedger(ledgerPathFor(flags), { onWarning: (m) => out.warn(m) });
    const result = await loadManifests(files, { onEntry: () => {}, isKnownHandle: (h) => ledger.isKnownHandle(h), handleOfId: (id) => ledger.handleOf(id), limits: limitsFromEnv(flags.env) });
    for (const w of result.warnings) out.warn(formatFault(w));
    const { communities, groups } = result.counts;
    out.info(`valid: ${files.length} file${files.length === 1 ? '' : 's'}, ${communities} communities, ${groups} groups`);
    if (flags.json) out.json({ valid: true, files: files.length, communities, groups, warnings: result.warnings, errors: [] });
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    if (flags.json) out.json({ valid: false, errors: error.faults, warnings: error.warnings });
    return EXIT.usage;
  }
}

/** Every fault on its own line, the warnings, then the count. */
export function reportFaults(error: ManifestError, out: Output): void {
  for (const f of error.faults) process.stderr.write(`${formatFault(f)}\n`);
  for (const w of error.warnings) out.warn(formatFault(w));
  out.error(`${error.message}; nothing was sent`);
}
