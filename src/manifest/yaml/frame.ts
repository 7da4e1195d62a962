// A manifest file's frame: a mapping of the known top-level keys, with `version: 1`. Faults
// here make the file "quiet": its entries' missing fields would only echo them.
import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import type { Locator } from '../issues.js';
import { type PlainObject, isPlainObject } from '../merge.js';
import { unknownMessage } from '../suggest.js';

const TOP_KEYS = ['version', 'defaults', 'communities', 'groups'];

/** The document as a mapping, or the fault that says it is empty or not a mapping. */
export function asMapping(file: string, data: unknown, locate: Locator): { data: PlainObject } | { fault: ManifestFault } {
  if (data === null || data === undefined) return { fault: faultAt(file, { line: 1 }, 'version', 'the file is empty: a manifest starts with "version: 1"') };
  if (!isPlainObject(data)) return { fault: faultAt(file, locate([], false), 'yaml', 'the document must be a mapping (version, defaults, communities, groups)') };
  return { data };
}

/** Unknown top-level keys and a missing or wrong version. */
export function frameFaults(file: string, data: PlainObject, locate: Locator): ManifestFault[] {
  const faults: ManifestFault[] = [];
  for (const key of Object.keys(data)) {
    if (TOP_KEYS.includes(key)) continue;
    faults.push(faultAt(file, locate([key], true), key || 'yaml', key ? unknownMessage('top-level key', key, TOP_KEYS) : 'a top-level key with no name'));
  }
  if (data.version === undefined) faults.push(faultAt(file, locate([], false), 'version', 'required: add "version: 1"'));
  else if (data.version !== 1) faults.push(faultAt(file, locate(['version'], false), 'version', 'must be 1 (the only manifest version)'));
  return faults;
}
