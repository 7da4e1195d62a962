// A checked document → plain JS data, with alias expansion bounded (the "billion laughs" bomb)
// and an alias without its anchor named where it is.
import { visit } from 'yaml';

import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import { type ManifestLimits, limitHint } from '../limits.js';
import { type ParsedYaml, type Place, placeOf } from './document.js';

/** The document's data, or the one fault that says why it cannot be read. */
export function toData(file: string, parsed: ParsedYaml, limits: ManifestLimits): { data: unknown } | { fault: ManifestFault } {
  try {
    return { data: parsed.doc.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (err) {
    if (err instanceof ReferenceError) return { fault: aliasFault(file, parsed, limits) };
    if (err instanceof RangeError) return { fault: faultAt(file, { line: 1 }, 'yaml', 'nested too deeply') };
    return { fault: faultAt(file, { line: 1 }, 'yaml', `cannot read the document: ${(err as Error).message}`) };
  }
}

/** toJS refused an alias: one without an anchor before it, else too many uses of one. */
function aliasFault(file: string, { doc, lines }: ParsedYaml, limits: ManifestLimits): ManifestFault {
  let first: Place | undefined;
  let unresolved: { where: Place; source: string } | undefined;
  visit(doc, {
    Alias(_, node) {
      const here = node.range ? placeOf(lines, node.range[0]) : { line: 1, column: 1 };
      first ??= here;
      if (!unresolved && !node.resolve(doc)) unresolved = { where: here, source: node.source };
    },
  });
  if (unresolved) return faultAt(file, unresolved.where, 'yaml', `alias *${unresolved.source} has no anchor &${unresolved.source} before it`);
  return faultAt(file, first ?? { line: 1 }, 'yaml', `aliases expand too much (more than ${limits.maxAliasCount} uses: an alias bomb?) ${limitHint('maxAliasCount')}`);
}
