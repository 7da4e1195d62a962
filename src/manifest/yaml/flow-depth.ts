// Where a YAML text's flow collections ([ and {) first nest deeper than a bound, by the yaml
// package's own lexer (a loop, not a recursion). The parser's RESOURCE_EXHAUSTION lands wherever
// the stack happened to run out, which moves with the stack in use; this place does not.
import { CST, Lexer } from 'yaml';

// The lexer's markers are not source text (a BOM is: it stays counted).
const CONTROL = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** The offset of the first flow opener at depth `bound + 1`, or undefined when none is that deep. */
export function flowDeeperThan(text: string, bound: number): number | undefined {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth += 1;
      if (depth > bound) return offset;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    if (!CONTROL.has(token)) offset += token.length;
  }
  return undefined;
}
