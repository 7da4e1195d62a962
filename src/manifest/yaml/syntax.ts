// The parser's errors and warnings as findings: syntax errors and refused tags are faults (the
// first MAX_SYNTAX_FAULTS of a file, then a count), other warnings stay warnings.
import type { YAMLError, YAMLWarning } from 'yaml';

import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import { type ParsedYaml, type Place, placeOf } from './document.js';
import { flowDeeperThan } from './flow-depth.js';

/** YAML syntax errors listed per file before the rest are summarised. */
const MAX_SYNTAX_FAULTS = 20;

interface Problem {
  where: Place;
  message: string;
}

function errorMessage(e: YAMLError): string {
  if (e.code === 'RESOURCE_EXHAUSTION') return 'nested too deeply to parse';
  if (e.code === 'MULTIPLE_DOCS') return 'a second YAML document (after ---): a manifest file holds one document; put the rest in another file';
  return e.message.split('\n')[0];
}

function errorProblems({ doc, lines }: ParsedYaml, text: string, maxDepth: number): Problem[] {
  // A stack overflow in the parser repeats once per nesting level: say it once.
  let exhausted = false;
  const out: Problem[] = [];
  for (const e of doc.errors) {
    if (e.code === 'RESOURCE_EXHAUSTION') {
      if (exhausted) continue;
      exhausted = true;
      // Named where the nesting passes the depth limit: the same place whatever the stack.
      out.push({ where: placeOf(lines, flowDeeperThan(text, maxDepth) ?? e.pos[0]), message: errorMessage(e) });
      continue;
    }
    out.push({ where: placeOf(lines, e.pos[0]), message: errorMessage(e) });
  }
  return out;
}

/** Core schema only: an explicit tag (`!!js/function`, `!!binary`, `!foo`) is refused, never run. */
function tagProblem(w: YAMLWarning, text: string, where: Place): Problem {
  const tag = text.slice(w.pos[0], w.pos[1]).trim() || 'tag';
  return { where, message: `unsupported tag ${tag}: manifests are plain YAML (no tags)` };
}

/** Faults (capped) and warnings of a parsed file; no faults means the document can be read. */
export function syntaxFindings(file: string, text: string, parsed: ParsedYaml, maxDepth: number): { faults: ManifestFault[]; warnings: ManifestFault[] } {
  const problems = errorProblems(parsed, text, maxDepth);
  const warnings: ManifestFault[] = [];
  for (const w of parsed.doc.warnings) {
    const where = placeOf(parsed.lines, w.pos[0]);
    if (w.code === 'TAG_RESOLVE_FAILED') problems.push(tagProblem(w, text, where));
    else warnings.push(faultAt(file, where, 'yaml', w.message.split('\n')[0]));
  }
  const faults = problems.slice(0, MAX_SYNTAX_FAULTS).map((p) => faultAt(file, p.where, 'yaml', p.message));
  if (problems.length > MAX_SYNTAX_FAULTS) {
    faults.push(faultAt(file, { line: 1 }, 'yaml', `… and ${problems.length - MAX_SYNTAX_FAULTS} more YAML errors in this file`));
  }
  return { faults, warnings };
}
