import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter, type RawResult } from '../../src/api/outcome.js';

const res = (status: number, body: unknown, retryAfter?: string): RawResult => ({ type: 'response', status, body, retryAfter });
const net = (code: string, sent: boolean): RawResult => ({ type: 'network', code, message: 'x', sent });
const err = (code: string) => ({ code, message: `XXXX-[${code}]`, data: {} });

describe('classify: the documented answers', () => {
  const cases: Array<[string, 'community' | 'group', RawResult, string, Record<string, unknown>?]> = [
    ['community 200', 'community', res(200, { code: 200, data: { community_id: 'c1', share_url: 'u' } }), 'created', { ids: { community_id: 'c1', share_url: 'u' } }],
    ['group 200', 'group', res(200, { code: 200, data: { chat_id: 'g1', share_url: 'u', group: { group_id: 'gg' } } }), 'created', { ids: { chat_id: 'g1', group_id: 'gg', share_url: 'u' } }],
    ['5216 duplicate handle', 'community', res(500, err('5216')), 'exists', { code: '5216' }],
    ['400 {}', 'community', res(400, {}), 'failed', { status: 400 }],
    ['404 5220 categories', 'community', res(404, err('5220')), 'failed', { code: '5220' }],
    ['412 5166 invalid use', 'group', res(412, err('5166')), 'failed', { code: '5166' }],
    ['500 5026 video', 'group', res(500, err('5026')), 'failed', { code: '5026' }],
    ['401', 'community', res(401, {}), 'fatal'],
    ['403', 'group', res(403, {}), 'fatal'],
    ['429 with Retry-After', 'group', res(429, {}, '3'), 'throttled', { retryAfterMs: 3000 }],
    ['500 unknown code, group: a gateway may have lost the create', 'group', res(500, err('9999')), 'in_doubt'],
    ['500 unknown code, community: resend is safe', 'community', res(500, err('9999')), 'retry'],
    ['502 html, group: may have been created', 'group', res(502, undefined), 'in_doubt'],
    ['502 html, community: resend is safe', 'community', res(502, undefined), 'retry'],
    ['503 group: declined, nothing created', 'group', res(503, undefined), 'retry'],
    ['503', 'community', res(503, undefined), 'retry'],
    ['504 group: may have been created', 'group', res(504, undefined), 'in_doubt'],
    ['504 community: resend is safe', 'community', res(504, undefined), 'retry'],
    ['200 garbage, group', 'group', res(200, undefined), 'in_doubt'],
    ['200 without community_id', 'community', res(200, { code: 200, data: {} }), 'retry'],
    ['200 group without chat_id', 'group', res(200, { code: 200, data: {} }), 'in_doubt'],
    ['connection refused, group', 'group', net('ECONNREFUSED', false), 'retry'],
    ['reset after send, group', 'group', net('ECONNRESET', true), 'in_doubt'],
    ['timeout after send, community', 'community', net('ETIMEDOUT', true), 'retry'],
    ['redirect', 'community', res(307, undefined), 'failed'],
    ['5216 on a group is not "exists"', 'group', res(500, err('5216')), 'failed'],
  ];
  it.each(cases)('%s', (_name, kind, raw, type, extra) => {
    const outcome = classify(kind, raw);
    expect(outcome.type).toBe(type);
    if (extra) expect(outcome).toMatchObject(extra);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
