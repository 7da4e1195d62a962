// The manifest loader: every file of a run → validated entries with their source positions,
// or one ManifestError carrying every fault of every file. YAML files are read first (their
// defaults apply to all files, CSV too); then files are validated in the order given.
import { readFile, realpath } from 'node:fs/promises';

import { type ManifestFault, ManifestError } from '../errors.js';
import { runDefaults } from './check/defaults.js';
import { Collector } from './collector.js';
import { csvEntries } from './csv/entries.js';
import type { ManifestEntry } from './entry.js';
import { type ManifestLimits, DEFAULT_LIMITS, resolveLimits } from './limits.js';
import { type SourceFormat, checkFile, checkText, lineOfOffset } from './source.js';
import type { YamlSource } from './yaml/read.js';

export { DEFAULT_LIMITS, type ManifestLimits };

export interface LoadOptions {
  /**
   * Called for each valid entry, in file order, as it is validated (streaming: callers keep
   * compact forms; entries are not accumulated when this is given). Entries arrive before the
   * run-wide checks are done: act on them only once loadManifests has resolved.
   */
  onEntry?: (entry: ManifestEntry) => void;
  /** Handles already known (e.g. created in an earlier run, from the ledger): a top-level group's community_handle may refer to them. */
  isKnownHandle?: (handle: string) => boolean;
  /**
   * The handle of a community the ledger holds this id for: a group under the community's id and
   * one of the same key under its handle are refused as one group given twice.
   */
  handleOfId?: (communityId: string) => string | undefined;
  /** The community_id the ledger holds for a handle: an explicit chat_id equal to a group's derived one is then found. */
  communityIdOf?: (handle: string) => string | undefined;
  /** Bounds on file size, nesting, list length, aliases and the number of faults listed. */
  limits?: Partial<ManifestLimits>;
}

export interface LoadResult {
  /** Every valid entry, in file order; empty when `onEntry` is given. */
  entries: ManifestEntry[];
  warnings: ManifestFault[];
  counts: { communities: number; groups: number; files: number };
}

interface Source {
  file: string;
  format: SourceFormat;
  yaml?: YamlSource;
}

/** The yaml package and its readers load only when a run has a YAML file: they are a tenth of the start-up of a run of CSV files. */
type YamlModules = { read: typeof import('./yaml/read.js'); entries: typeof import('./yaml/entries.js') };

async function yamlModules(): Promise<YamlModules> {
  return { read: await import('./yaml/read.js'), entries: await import('./yaml/entries.js') };
}

/**
 * Loads and validates manifests (.yaml, .yml, .csv). Throws ManifestError carrying every
 * fault of every file (up to `limits.maxFaults`, then a count); never throws for bad input
 * otherwise.
 */
export async function loadManifests(files: string[], options: LoadOptions = {}): Promise<LoadResult> {
  const limits = resolveLimits(options.limits);
  const c = new Collector({ limits, files, onEntry: options.onEntry, isKnownHandle: options.isKnownHandle, handleOfId: options.handleOfId, communityIdOf: options.communityIdOf });
  const sources = await checkSources(files, limits, c);
  c.counts.files = sources.length;
  // YAML files are parsed up front: their defaults apply to every file of the run.
  const yaml = sources.some((s) => s.format === 'yaml') ? await yamlModules() : undefined;
  if (yaml) for (const src of sources) if (src.format === 'yaml') src.yaml = await readYaml(src.file, limits, yaml, c);
  const { defaults, faults: disagreements } = runDefaults(sources.flatMap((s) => (s.yaml ? [s.yaml] : [])));
  for (const f of disagreements) c.findings.fault(f);
  // Entries, file by file in the order given.
  for (const src of sources) {
    if (src.format === 'csv' && !(await csvEntries(src.file, limits, c, defaults))) c.incomplete = true;
    if (src.yaml) yaml!.entries.yamlEntries(src.yaml, defaults, limits, c);
  }
  // Run-wide checks (references to handles defined anywhere), then the verdict.
  const { faults, warnings } = c.finish();
  if (faults.length > 0) throw new ManifestError(faults, c.findings.faultCount, warnings);
  return { entries: c.sink.entries, warnings, counts: { ...c.counts } };
}

/** The files that can be read: there, of a known kind, each once (the same file by two names is read once). */
async function checkSources(files: string[], limits: ManifestLimits, c: Collector): Promise<Source[]> {
  const sources: Source[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const format = await checkFile(file, limits);
    if (typeof format !== 'string') {
      c.findings.fault({ file, line: 1, field: 'file', message: format.message });
      c.incomplete = true;
      continue;
    }
    const real = await realpath(file).catch(() => file);
    const first = seen.get(real);
    if (first !== undefined) c.findings.warn({ file, line: 1, field: 'file', message: `same file as ${first}: read once` });
    else {
      seen.set(real, file);
      sources.push({ file, format });
    }
  }
  return sources;
}

/** A YAML file's checked frame, its findings listed; undefined (and the load incomplete) when it cannot be used. */
async function readYaml(file: string, limits: ManifestLimits, yaml: YamlModules, c: Collector): Promise<YamlSource | undefined> {
  const text = await yamlText(file);
  const read = 'fault' in text ? { faults: [text.fault], warnings: [] } : yaml.read.parseYaml(file, text.text, limits);
  for (const f of read.faults) c.findings.fault(f);
  for (const w of read.warnings) c.findings.warn(w);
  if (!read.source) c.incomplete = true;
  return read.source;
}

/** The file's text, or the fault of its bytes (unreadable, UTF-16, binary, not UTF-8). */
async function yamlText(file: string): Promise<{ text: string } | { fault: ManifestFault }> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    return { fault: { file, line: 1, field: 'file', message: `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})` } };
  }
  const problem = checkText(buf);
  if (problem) return { fault: { file, line: lineOfOffset(buf, problem.offset), field: 'file', message: problem.message } };
  return { text: buf.toString('utf8').replace(/^\uFEFF/, '') };
}
