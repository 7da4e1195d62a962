// How the CLI tells a person their manifests are invalid: every fault on its own line, then the
// warnings, then the count. Shared by validate, plan, apply and report (no command imports another).
import { formatFault, type ManifestError } from '../errors.js';
import type { Output } from './output.js';

/** Every fault on its own line, the warnings, then the count. */
export function reportFaults(error: ManifestError, out: Output): void {
  for (const f of error.faults) process.stderr.write(`${formatFault(f)}\n`);
  for (const w of error.warnings) out.warn(formatFault(w));
  out.error(`${error.message}; nothing was sent`);
}
