// The words of a `_decision` cell, as a table: what each reads as, and why a cell cannot be read.
import { describe, expect, it } from 'vitest';
import { parseVerdict } from '../../src/decisions/verdict-cell.js';

describe('parseVerdict', () => {
  it.each([
    ['', undefined],
    ['   ', undefined],
    ['created', { action: 'created' }],
    [' Created ', { action: 'created' }],
    ['created:', { action: 'created' }],
    ['created: 7c1e-42', { action: 'created', chatId: '7c1e-42' }],
    ['created:a:b', { action: 'created', chatId: 'a:b' }],
    ['absent', { action: 'absent' }],
    ['ABSENT', { action: 'absent' }],
    ['abandon: handle taken by another brand', { action: 'abandon', reason: 'handle taken by another brand' }],
    ['abandoned: gone', { action: 'abandon', reason: 'gone' }],
    ['adopt: 0a2b', { action: 'adopt', communityId: '0a2b' }],
  ] as const)('%j reads as %j', (cell, want) => {
    expect(parseVerdict(cell)).toEqual(want);
  });

  it.each([
    ['abandon', /abandon needs a reason \(abandon: why\)/],
    ['abandon:  ', /abandon needs a reason/],
    ['adopt', /adopt needs the community's id/],
    ['absent: yes', /absent takes no value/],
    ['exists', /"exists" is not a decision: write one of created, created: <chat_id>, absent, abandon: <why>, adopt: <community_id>/],
  ] as const)('%j is refused', (cell, want) => {
    expect(parseVerdict(cell)).toMatch(want);
  });
});
