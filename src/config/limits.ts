// The manifest limits a user raised (or lowered) through the environment, read in one place:
// GENUIN_MAX_* → a partial ManifestLimits, which resolveRunConfig keeps as RunConfig.limits.
import { ConfigError } from '../errors.js';
import { LIMIT_ENV, type ManifestLimits } from '../manifest/limits.js';

const SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Reads every GENUIN_MAX_* variable that is set. Values are whole numbers above 0, with an
 * optional K, M or G (binary multiples) so sizes read naturally: GENUIN_MAX_MANIFEST_BYTES=8G.
 */
export function limitsFromEnv(env: Record<string, string | undefined>): Partial<ManifestLimits> {
  const out: Partial<ManifestLimits> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof ManifestLimits, string][]) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(raw);
    const value = m ? Number(m[1]) * SUFFIX[m[2].toLowerCase()] : NaN;
    if (!m || !Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`${name}: "${raw}" is not a limit; use a whole number above 0 (K, M or G allowed), e.g. ${name}=${example(key)}`);
    }
    out[key] = value;
  }
  return out;
}

function example(key: keyof ManifestLimits): string {
  return key === 'maxFileBytes' || key === 'maxYamlBytes' ? '512M' : key === 'maxCellBytes' ? '1M' : '100000';
}
