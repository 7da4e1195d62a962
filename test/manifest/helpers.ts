// Temporary manifest files and a loader wrapper that returns faults as formatted lines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManifestError, formatFault, type ManifestFault } from '../../src/errors.js';
import { type LoadOptions, type LoadResult, loadManifests } from '../../src/manifest/load.js';

/** Writes files (text or bytes) into a fresh temporary directory; returns their paths by name. */
export function files(contents: Record<string, string | Buffer>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-test-'));
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(contents)) {
    const path = join(dir, name);
    writeFileSync(path, content);
    out[name] = path;
  }
  return out;
}

export type Outcome = { ok: true; result: LoadResult } | { ok: false; faults: ManifestFault[]; lines: string[] };

/** Loads and never throws: faults come back as values (with paths shortened to base names). */
export async function load(paths: string[], options?: LoadOptions): Promise<Outcome> {
  try {
    return { ok: true, result: await loadManifests(paths, options) };
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    const faults = err.faults.map((f) => ({ ...f, file: f.file.split(/[\\/]/).pop()! }));
    return { ok: false, faults, lines: faults.map(formatFault) };
  }
}

/** The formatted faults of a load that must fail. */
export async function faultLines(paths: string[], options?: LoadOptions): Promise<string[]> {
  const outcome = await load(paths, options);
  if (outcome.ok) throw new Error(`expected faults, got a valid load: ${JSON.stringify(outcome.result.counts)}`);
  return outcome.lines;
}

/** The result of a load that must succeed. */
export async function loaded(paths: string[], options?: LoadOptions): Promise<LoadResult> {
  const outcome = await load(paths, options);
  if (!outcome.ok) throw new Error(`unexpected faults:\n${outcome.lines.join('\n')}`);
  return outcome.result;
}

/** A minimal valid YAML manifest around some communities/groups text. */
export const YAML_HEAD = 'version: 1\ndefaults:\n  community: { type: 1, actions: [] }\n  group: { type: 4 }\n';
