// The place a too-deep flow nesting is reported at: counted by the lexer, so it does not move with
// the stack the parser happened to have.
import { describe, expect, it } from 'vitest';
import { flowDeeperThan } from '../../src/manifest/yaml/parse.js';

describe('flowDeeperThan', () => {
  it('finds the first opener past the bound, counting [ and { alike', () => {
    const text = 'version: 1\ncommunities: [{a: [[x]]}]\n';
    expect(text.slice(flowDeeperThan(text, 3))).toBe('[x]]}]\n');
    expect(flowDeeperThan(text, 4)).toBeUndefined();
  });

  it('ignores brackets inside quoted scalars and comments, and closed collections', () => {
    const text = 'a: ["[[[[", \'{{{{\'] # [[[[\nb: [[1], [2], [3]]\n';
    expect(flowDeeperThan(text, 2)).toBeUndefined();
    expect(text.slice(flowDeeperThan(text, 1))).toBe('[1], [2], [3]]\n');
  });
});
