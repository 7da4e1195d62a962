// `validate`: load every manifest fully and report every fault; sends nothing.
import { EXIT, ManifestError, type ExitCode } from '../../errors.js';
import { resolveRunConfig } from '../../config/run-config.js';
import { validateManifests } from '../../pipeline/validate.js';
import type { Environment } from '../environment.js';
import { reportFaults } from '../faults.js';
import { ledgerExists } from '../ledger-notes.js';
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
    const config = resolveRunConfig({ flags, env: flags.env, requireApi: false });
    const { communities, groups, warnings } = await validateManifests(files, config, { onWarning: (m) => out.warn(m) });
    // References to earlier runs' communities were checked against this ledger: name it when it has any.
    const against = ledgerExists(config.ledgerPath) ? ` (references checked against ledger ${config.ledgerPath})` : '';
    out.info(`valid: ${files.length} file${files.length === 1 ? '' : 's'}, ${communities} communities, ${groups} groups${against}`);
    if (flags.json) out.json({ valid: true, files: files.length, communities, groups, ledger: config.ledgerPath, warnings, errors: [] });
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    if (flags.json) out.json({ valid: false, errors: error.faults, warnings: error.warnings });
    return EXIT.usage;
  }
}
