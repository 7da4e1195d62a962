// Answer bodies parsed without losing an id's digits: integers beyond 2^53 are kept as their text.
import { describe, expect, it } from 'vitest';
import { parseAnswerJson, quoteUnsafeIntegers } from '../../src/api/answer-json.js';
import { classify } from '../../src/api/outcome.js';

describe('parseAnswerJson', () => {
  it.each([
    ['{"data":{"community_id":1234567890123456789}}', { data: { community_id: '1234567890123456789' } }],
    ['{"data":{"community_id":-9007199254740993}}', { data: { community_id: '-9007199254740993' } }],
    // Safe integers and other numbers stay numbers (the schema writes them as text).
    ['{"data":{"community_id":9007199254740991,"n":1.5e300}}', { data: { community_id: 9007199254740991, n: 1.5e300 } }],
    // Digits inside strings, escaped quotes included, are left alone.
    ['{"m":"a \\"1234567890123456789\\" b","id":[12345678901234567890, 7]}', { m: 'a "1234567890123456789" b', id: ['12345678901234567890', 7] }],
    ['{"a":"\\\\","b":98765432109876543210}', { a: '\\', b: '98765432109876543210' }],
  ])('%s', (text, expected) => {
    expect(parseAnswerJson(text)).toEqual(expected);
  });

  it('leaves text with nothing to keep unchanged, and throws on what is not JSON', () => {
    const text = '{"data":{"chat_id":"abc","n":12}}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
    expect(() => parseAnswerJson('<html>')).toThrow(SyntaxError);
  });
});

describe('classify: an id that is a number is kept as text', () => {
  const answer = (body: string) => ({ type: 'response' as const, status: 200, body: parseAnswerJson(body) });
  it.each([
    ['community', '{"data":{"community_id":42}}', { community_id: '42' }],
    ['community', '{"data":{"community_id":1234567890123456789}}', { community_id: '1234567890123456789' }],
    ['group', '{"data":{"chat_id":7,"group":{"group_id":1234567890123456789}}}', { chat_id: '7', group_id: '1234567890123456789' }],
  ] as const)('%s %s', (kind, body, ids) => {
    expect(classify(kind, answer(body))).toEqual({ type: 'created', ids: expect.objectContaining(ids) });
  });
});
