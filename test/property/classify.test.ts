// The response classifier, fed random status/body pairs and random transport failures: it never
// throws, always answers one of the documented outcomes, and says `created` only with the ids the
// body really holds. Fixed seeds and bounded runs: the same cases every time, in well under a second.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { classify, type Outcome, type RawResult } from '../../src/api/outcome.js';
import type { ItemKind } from '../../src/api/schema.js';

const OUTCOMES: readonly Outcome['type'][] = ['created', 'exists', 'failed', 'retry', 'throttled', 'in_doubt', 'fatal'];
/** FC_RUNS and FC_SEED explore further (e.g. FC_RUNS=200000 FC_SEED=7); the suite uses the fixed ones. */
const RUNS = Number(process.env.FC_RUNS ?? 2000);
const seed = (fixed: number) => (process.env.FC_SEED ? Number(process.env.FC_SEED) + fixed : fixed);
const ran: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(ran).reduce((a, b) => a + b, 0);
  console.log(`fast-check classify: ${JSON.stringify(ran)} = ${total} runs`);
});

const uuid = fc.uuid();
/** Codes a server could send: the documented ones, junk, and keys of Object.prototype. */
const code = fc.oneof(
  fc.constantFrom('5216', '5220', '5166', '5026', '9999', '200', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''),
  fc.integer({ min: -1, max: 100_000 }),
  fc.string({ maxLength: 8 }),
);
/** Something in the place of an id: usually right, sometimes empty, a number (an id, kept as text), null or absent. */
const idish = fc.oneof(uuid, fc.constantFrom('', null, 0, true), fc.integer(), fc.string({ maxLength: 5 }), fc.constant(undefined));
/** Bodies shaped like the API's (success and error), mutated, plus arbitrary JSON and no body at all. */
const body = fc.oneof(
  fc.record({ code: fc.constant(200), message: fc.string(), data: fc.record({ community_id: idish, share_url: fc.option(fc.webUrl(), { nil: undefined }) }, { requiredKeys: [] }) }),
  fc.record({ code: fc.constant(200), data: fc.record({ chat_id: idish, group: fc.option(fc.record({ group_id: idish }, { requiredKeys: [] }), { nil: undefined }) }, { requiredKeys: [] }) }),
  fc.record({ code, message: fc.option(fc.oneof(fc.string(), fc.constantFrom(' ', 'x'.repeat(100_000))), { nil: undefined }), data: fc.constant({}) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(undefined),
);
const status = fc.oneof(fc.constantFrom(200, 201, 204, 301, 302, 307, 308, 400, 401, 403, 404, 408, 412, 413, 422, 429, 500, 502, 503, 504), fc.integer({ min: 0, max: 999 }));
const retryAfter = fc.option(fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), fc.string({ maxLength: 12 })), { nil: undefined });
const response: fc.Arbitrary<RawResult> = fc.record({ type: fc.constant('response' as const), status, body, retryAfter }, { requiredKeys: ['type', 'status', 'body'] });
const network: fc.Arbitrary<RawResult> = fc.record({
  type: fc.constant('network' as const),
  code: fc.oneof(fc.constantFrom('ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ERR_BODY_TOO_LARGE', 'EPIPE', 'ENOTFOUND', 'EUNKNOWN'), fc.string({ maxLength: 10 })),
  message: fc.string({ maxLength: 40 }),
  sent: fc.boolean(),
});
const kind = fc.constantFrom<ItemKind>('community', 'group');

/** The property every outcome must have, whatever came in. */
function checkOutcome(k: ItemKind, raw: RawResult, outcome: Outcome): void {
  expect(OUTCOMES).toContain(outcome.type);
  if (outcome.type !== 'created') {
    // Something to say, and bounded: messages go to the ledger and the logs.
    const { message } = outcome as { message: string };
    expect(message.trim().length).toBeGreaterThan(0);
    expect(message.length).toBeLessThan(1000);
  }
  if (outcome.type === 'created') {
    // Only a 2xx with the ids in the documented place, non-empty text or a number, and exactly those ids (as text).
    expect(raw.type).toBe('response');
    const r = raw as Extract<RawResult, { type: 'response' }>;
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(300);
    const data = (r.body as { data: Record<string, unknown> }).data;
    if (k === 'community') {
      expect(typeof outcome.ids.community_id).toBe('string');
      expect(outcome.ids.community_id!.length).toBeGreaterThan(0);
      expect(outcome.ids.community_id).toBe(String(data.community_id));
    } else {
      expect(typeof outcome.ids.chat_id).toBe('string');
      expect(outcome.ids.chat_id!.length).toBeGreaterThan(0);
      expect(outcome.ids.chat_id).toBe(String(data.chat_id));
    }
  }
  // A group is never "exists" (the API has no such answer for groups), and only a community's is.
  if (outcome.type === 'exists') expect(k).toBe('community');
  if (outcome.type === 'throttled' && outcome.retryAfterMs !== undefined) {
    expect(outcome.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(3_600_000);
  }
  if (raw.type === 'response' && (raw.status === 401 || raw.status === 403)) expect(outcome.type).toBe('fatal');
  if (raw.type === 'response' && raw.status === 429) expect(outcome.type).toBe('throttled');
  // A request that may have reached the server is never silently given up on for a group.
  if (raw.type === 'network' && raw.sent && k === 'group') expect(outcome.type).toBe('in_doubt');
  if (raw.type === 'network' && !raw.sent) expect(outcome.type).toBe('retry');
}

describe('classify, property-based', () => {
  it('random HTTP answers: a documented outcome, created only with the real ids', () => {
    fc.assert(
      fc.property(kind, response, (k, raw) => {
        ran.answers = (ran.answers ?? 0) + 1;
        checkOutcome(k, raw, classify(k, raw));
      }),
      { seed: seed(0x6e55), numRuns: RUNS },
    );
  });

  it('random transport failures: retry when unsent, in doubt (group) or retry (community) when sent', () => {
    fc.assert(
      fc.property(kind, network, (k, raw) => {
        ran.network = (ran.network ?? 0) + 1;
        checkOutcome(k, raw, classify(k, raw));
      }),
      { seed: seed(0x6e56), numRuns: RUNS / 4 },
    );
  });

  it('a 2xx without the ids is never created', () => {
    const noIds = fc.oneof(
      fc.constant(undefined),
      fc.constant({}),
      fc.record({ data: fc.oneof(fc.constant({}), fc.constant(null), fc.record({ community_id: fc.constantFrom('', null, true, [7]) }), fc.record({ chat_id: fc.constantFrom('', null, false, { id: 7 }) })) }),
      fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || !('data' in v)),
    );
    fc.assert(
      fc.property(kind, fc.integer({ min: 200, max: 299 }), noIds, (k, s, b) => {
        ran.noIds = (ran.noIds ?? 0) + 1;
        const outcome = classify(k, { type: 'response', status: s, body: b });
        expect(outcome.type).toBe(k === 'community' ? 'retry' : 'in_doubt');
      }),
      { seed: seed(0x6e57), numRuns: RUNS / 4 },
    );
  });
});
