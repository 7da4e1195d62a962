// Bad server answers, each from the simulator over 127.0.0.1: HTML error pages, empty, truncated,
// wrong-shape and huge 200s, redirects to another host, slow drips. First what the client and
// the classifier make of each answer; then whole runs (plan → executor → ledger) that must end in
// the defined outcome and never record a wrong or missing id as created.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GenuinClient } from '../../src/api/client.js';
import { classify, type Outcome } from '../../src/api/outcome.js';
import type { ItemKind } from '../../src/api/schema.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { readLedger } from '../../src/ledger/replay.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { makePlan } from '../../src/pipeline/make-plan.js';
import { Executor } from '../../src/run/executor.js';
import type { RunSummary } from '../../src/run/summary.js';
import { startSimulator, type FaultKind, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';

const TOKEN = 'bad-answers-token-3f9a';
const COMMUNITY_BODY = JSON.stringify({ handle: 'alpha', name: 'Alpha', type: 1, actions: [] });

let sim: Simulator;
beforeEach(async () => {
  // A drip of one byte per 50 ms makes any answer take seconds: only the timeout ends it.
  sim = await startSimulator({ token: TOKEN, dripIntervalMs: 50, hugeBodyBytes: 8 * 1024 * 1024 });
});
afterEach(async () => {
  await sim.close();
});

function client(timeoutMs = 5_000): GenuinClient {
  return new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs, maxSockets: 2 });
}

/** A group body for the community the simulator already holds. */
async function groupBody(): Promise<string> {
  const c = await client().send('community', JSON.stringify({ handle: 'parent', name: 'Parent', type: 1, actions: [] }));
  const id = c.type === 'response' ? (c.body as { data: { community_id: string } }).data.community_id : '';
  return JSON.stringify({ community_id: id, type: 4, group: { name: 'Talk' } });
}

describe('client + classifier: what each bad answer becomes', () => {
  // [fault, kind, raw result shape, outcome type]: a community resend is safe (its handle is
  // unique, a duplicate becomes 5216), so "no usable answer" is retry; for a group it is in_doubt.
  const table: [FaultKind, ItemKind, Partial<Record<string, unknown>>, Outcome['type']][] = [
    ['502-html', 'community', { type: 'response', status: 502, body: undefined }, 'retry'],
    ['502-html', 'group', { type: 'response', status: 502, body: undefined }, 'in_doubt'],
    ['empty-200', 'community', { type: 'response', status: 200, body: undefined }, 'retry'],
    ['empty-200', 'group', { type: 'response', status: 200, body: undefined }, 'in_doubt'],
    ['truncated-200', 'community', { type: 'response', status: 200, body: undefined }, 'retry'],
    ['truncated-200', 'group', { type: 'response', status: 200, body: undefined }, 'in_doubt'],
    ['garbage-200', 'community', { type: 'response', status: 200, body: undefined }, 'retry'],
    ['garbage-200', 'group', { type: 'response', status: 200, body: undefined }, 'in_doubt'],
    ['wrong-shape-200', 'community', { type: 'response', status: 200, body: { code: 200, message: 'ok', data: {} } }, 'retry'],
    ['wrong-shape-200', 'group', { type: 'response', status: 200, body: { code: 200, message: 'ok', data: {} } }, 'in_doubt'],
    ['huge-200', 'community', { type: 'network', code: 'ERR_BODY_TOO_LARGE', sent: true }, 'retry'],
    ['huge-200', 'group', { type: 'network', code: 'ERR_BODY_TOO_LARGE', sent: true }, 'in_doubt'],
    ['redirect', 'community', { type: 'response', status: 307 }, 'failed'],
    ['redirect', 'group', { type: 'response', status: 307 }, 'failed'],
  ];

  it.each(table)('%s on a %s', async (fault, kind, raw, outcomeType) => {
    const body = kind === 'group' ? await groupBody() : COMMUNITY_BODY;
    sim.injectNext(fault, { endpoint: kind });
    const result = await client().send(kind, body);
    expect(result).toMatchObject(raw);
    const outcome = classify(kind, result);
    expect(outcome.type).toBe(outcomeType);
    // Whatever came back, it is never taken for a creation.
    expect(outcome.type).not.toBe('created');
  });

  it('a 200 without community_id is not a creation, even though the server made one', async () => {
    sim.injectNext('wrong-shape-200', { endpoint: 'community' });
    const outcome = classify('community', await client().send('community', COMMUNITY_BODY));
    expect(outcome).toMatchObject({ type: 'retry', status: 200, message: 'HTTP 200 without the expected community data' });
    expect(sim.state.communityByHandle('alpha')).toBeDefined();
  });

  it('a huge 200 is cut at the cap, not read to the end', async () => {
    sim.configure({ hugeBodyBytes: 64 * 1024 * 1024 });
    sim.injectNext('huge-200', { endpoint: 'community' });
    const capped = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 30_000, maxSockets: 1, maxResponseBytes: 256 * 1024 });
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await capped.send('community', COMMUNITY_BODY);
    expect(result).toMatchObject({ type: 'network', code: 'ERR_BODY_TOO_LARGE', sent: true });
    // Reading 64 MB into a string would show in the heap; a cut answer does not.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });

  it('a slow drip is ended by the request timeout, as a request that may have been acted on', async () => {
    sim.injectNext('slow-drip', { endpoint: 'group' });
    const body = await groupBody();
    // ETIMEDOUT is got's request deadline (600 ms) firing: the drip would take far longer.
    const result = await client(600).send('group', body);
    expect(result).toMatchObject({ type: 'network', code: 'ETIMEDOUT', sent: true });
    expect(classify('group', result).type).toBe('in_doubt');
  });

  it('a redirect to another host is not followed: the token never reaches it', async () => {
    // Listen where the simulator's redirect points (127.0.0.2, same port) and record any visit.
    const visits: (string | undefined)[] = [];
    const trap = http.createServer((req, res) => {
      visits.push(req.headers.authorization);
      res.end('{}');
    });
    const listening = await new Promise<boolean>((resolve) => {
      trap.once('error', () => resolve(false));
      trap.listen(sim.options.port, '127.0.0.2', () => resolve(true));
    });
    try {
      sim.injectNext('redirect', { endpoint: 'community' });
      const result = await client().send('community', COMMUNITY_BODY);
      expect(result).toMatchObject({ type: 'response', status: 307 });
      expect(classify('community', result)).toMatchObject({ type: 'failed', message: 'HTTP 307: unexpected redirect (not followed)' });
      if (listening) expect(visits).toEqual([]);
      expect(sim.state.snapshot().communities).toEqual([]);
    } finally {
      await new Promise((resolve) => trap.close(resolve));
    }
  });
});

const MANIFEST = `version: 1
communities:
  - handle: alpha
    name: Alpha
    type: 1
    actions: []
    groups:
      - group: { name: Talk }
        type: 4
`;

interface Run {
  summary: RunSummary;
  lines: LedgerEvent[];
  /** Outcome events of one item, in order (attempt lines left out). */
  events: (kind: ItemKind) => string[];
}

async function run(timeoutMs = 5_000): Promise<Run> {
  const dir = tempDir('genuin-bad-answers-');
  const manifest = join(dir, 'm.yaml');
  const ledgerPath = join(dir, 'ledger.jsonl');
  writeFileSync(manifest, MANIFEST);
  const { plan } = await makePlan([manifest], { ledger: await readLedger(ledgerPath) });
  const writer = await LedgerWriter.open(ledgerPath);
  const executor = new Executor({
    client: new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs, maxSockets: 2 }),
    ledger: writer,
    runId: 'run-1',
    rate: 1000,
    concurrency: 2,
    retries: 3,
    minBackoffMs: 1,
    maxBackoffMs: 5,
  });
  let summary: RunSummary;
  try {
    summary = await executor.run(plan);
  } finally {
    await writer.close();
  }
  const lines = readFileSync(ledgerPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEvent);
  return { summary, lines, events: (kind) => lines.filter((l) => l.kind === kind && l.event !== 'attempt').map((l) => l.event) };
}

/** The invariant of every run: a `created` line carries ids, and they are the server's own. */
function createdLinesAreTrue(lines: LedgerEvent[]): void {
  const state = sim.state.snapshot();
  for (const line of lines.filter((l) => l.event === 'created')) {
    if (line.kind === 'community') {
      expect(line.community_id).toBeTruthy();
      expect(state.communities.find((c) => c.handle === line.key)?.community_id).toBe(line.community_id);
    } else {
      expect(line.chat_id).toBeTruthy();
      const held = state.groups.find((g) => g.chat_id === line.chat_id);
      expect(held).toBeDefined();
      expect(held!.group_id).toBe(line.group_id);
    }
  }
}

describe('whole runs: the defined outcome, and no wrong or missing id recorded as created', () => {
  const postFaults: FaultKind[] = ['empty-200', 'truncated-200', 'garbage-200', 'wrong-shape-200', 'huge-200', 'slow-drip'];

  it.each(postFaults)('%s on the community: resent, found to exist (5216), its group blocked', async (fault) => {
    sim.injectNext(fault, { endpoint: 'community' });
    const r = await run(fault === 'slow-drip' ? 600 : 5_000);
    // Its answer was lost: in doubt until the resend answers (here: it exists).
    expect(r.events('community')).toEqual(['in_doubt', 'exists']);
    expect(r.events('group')).toEqual([]);
    expect(r.summary.tally).toMatchObject({ created: 0, exists: 1, blocked: 1 });
    const state = sim.state.snapshot();
    expect(state.communities.map((c) => c.handle)).toEqual(['alpha']);
    expect(state.groups).toEqual([]);
    createdLinesAreTrue(r.lines);
  });

  it.each(postFaults)('%s on the group: in doubt, not resent, no id invented', async (fault) => {
    sim.injectNext(fault, { endpoint: 'group' });
    const r = await run(fault === 'slow-drip' ? 600 : 5_000);
    expect(r.events('community')).toEqual(['created']);
    expect(r.events('group')).toEqual(['in_doubt']);
    expect(r.lines.filter((l) => l.kind === 'group' && l.event === 'attempt')).toHaveLength(1);
    expect(r.summary.tally).toMatchObject({ created: 1, in_doubt: 1 });
    // The server did create it: exactly once, and the ledger says "check", not "created".
    const held = sim.state.snapshot().groups;
    expect(held).toHaveLength(1);
    expect(r.lines.find((l) => l.kind === 'group' && l.event === 'created')).toBeUndefined();
    // What a person looks for: the in-doubt line names the chat_id sent, the one the server holds.
    const sent = r.lines.find((l) => l.kind === 'group' && l.event === 'attempt')!.chat_id;
    expect(r.lines.find((l) => l.kind === 'group' && l.event === 'in_doubt')!.chat_id).toBe(sent);
    expect(held[0]!.chat_id).toBe(sent);
    createdLinesAreTrue(r.lines);
  });

  it('an HTML 502 page on the group: in doubt, not resent (a gateway may have lost the create)', async () => {
    sim.injectNext('502-html', { endpoint: 'group' });
    const r = await run();
    expect(r.events('group')).toEqual(['in_doubt']);
    expect(r.lines.filter((l) => l.kind === 'group' && l.event === 'attempt')).toHaveLength(1);
    expect(r.summary.tally).toMatchObject({ created: 1, in_doubt: 1 });
  });

  it.each(['community'] as const)('an HTML 502 page on the %s: retried, then created once', async (kind) => {
    sim.injectNext('502-html', { endpoint: kind });
    const r = await run();
    expect(r.events(kind)).toEqual(['in_doubt', 'created']);
    expect(r.summary.tally).toMatchObject({ created: 2, failed: 0 });
    const state = sim.state.snapshot();
    expect([state.communities.length, state.groups.length]).toEqual([1, 1]);
    expect(state.duplicates).toEqual([]);
    createdLinesAreTrue(r.lines);
  });

  it.each(['community', 'group'] as const)('a redirect on the %s: failed, not followed, nothing created', async (kind) => {
    sim.injectNext('redirect', { endpoint: kind });
    const r = await run();
    expect(r.events(kind)).toEqual(['failed']);
    expect(r.lines.find((l) => l.kind === kind && l.event === 'failed')).toMatchObject({ status: 307 });
    const state = sim.state.snapshot();
    expect(kind === 'community' ? state.communities : state.groups).toEqual([]);
    createdLinesAreTrue(r.lines);
  });

  it('slow drips on every attempt: each bounded by the timeout, the run ends', async () => {
    sim.injectNext('slow-drip', { endpoint: 'community', count: 10 });
    const r = await run(400);
    // The first drip creates it; every resend is then 5216 (a fast answer, no drip).
    expect(r.events('community')).toEqual(['in_doubt', 'exists']);
    createdLinesAreTrue(r.lines);
  });
});
