// Phase 1 of a YAML manifest: text → a checked frame (syntax, data, top-level keys, version,
// defaults) that entries.ts walks in phase 2, once every file's defaults are known.
// Returns its findings as values; the loader lists them.
import type { ManifestFault } from '../../errors.js';
import type { Locator } from '../issues.js';
import type { ManifestLimits } from '../limits.js';
import type { PlainObject } from '../merge.js';
import { toData } from './data.js';
import { type FileDefaults, readDefaults } from './defaults.js';
import { parseText } from './document.js';
import { asMapping, frameFaults } from './frame.js';
import { locator } from './locator.js';
import { syntaxFindings } from './syntax.js';
import { faultAt } from '../check/fault.js';

export type { DefaultsKind } from './defaults.js';

export interface YamlSource {
  file: string;
  data: PlainObject;
  locate: Locator;
  defaults: FileDefaults;
  /** The file's frame had faults (a misspelt `defaults` key, say): do not echo them as missing fields. */
  quiet: boolean;
}

export interface YamlRead {
  /** Undefined when the file cannot be used at all (its faults say why). */
  source?: YamlSource;
  faults: ManifestFault[];
  warnings: ManifestFault[];
}

export function parseYaml(file: string, text: string, limits: ManifestLimits): YamlRead {
  const parsed = parseText(text);
  if ('error' in parsed) return { faults: [faultAt(file, { line: 1 }, 'yaml', `cannot parse: ${parsed.error}`)], warnings: [] };
  const { faults, warnings } = syntaxFindings(file, text, parsed, limits.maxDepth);
  if (faults.length > 0) return { faults, warnings };
  const read = toData(file, parsed, limits);
  if ('fault' in read) return { faults: [read.fault], warnings };
  const locate = locator(parsed.doc, parsed.lines, parsed.doc.contents, { line: 1, column: 1 });
  const mapping = asMapping(file, read.data, locate);
  if ('fault' in mapping) return { faults: [mapping.fault], warnings };
  const frame = frameFaults(file, mapping.data, locate);
  const defaults = readDefaults(file, mapping.data, locate, limits);
  const source = { file, data: mapping.data, locate, defaults: defaults.defaults, quiet: frame.length > 0 || defaults.misshapen };
  return { source, faults: [...frame, ...defaults.faults], warnings };
}
