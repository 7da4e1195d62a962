// Bulk `ledger resolve` on a PostgreSQL ledger (a throwaway cluster): the loop from report
// --failed to a clean apply, and all or nothing: a refused file adds no row.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { PG_PASSWORD, pgSkipReason, startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js';

const TOKEN = 'pg-bulk-token';
let cluster: PgCluster;
beforeAll(async () => {
  if (!pgSkipReason) cluster = await startPgCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

let sim: Simulator;
let dir: string;
let url: string;
beforeEach(async () => {
  if (pgSkipReason) return;
  sim = await startSimulator({ token: TOKEN });
  dir = tempDir();
  url = await cluster.createDatabase();
});
afterEach(async () => {
  await sim?.close();
});

const cli = async (args: string[]) => {
  const r = await runCli([...args, '--ledger', url], { cwd: dir, env: { GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN } });
  expect(r.stdout + r.stderr).not.toContain(PG_PASSWORD);
  return r;
};
const rows = async () => (await cli(['ledger', 'export'])).stdout.split('\n').filter(Boolean).length;

const MANIFEST = `version: 1
communities:
  - handle: alpha
    name: Alpha
    type: 1
    actions: []
    groups:
      - { key: g1, type: 4, group: { name: G1 } }
      - { key: g2, type: 4, group: { name: G2 } }
      - { key: g3, type: 4, group: { name: G3 } }
`;

describe.skipIf(pgSkipReason !== undefined)('ledger resolve --from on a PostgreSQL ledger', () => {
  it('settles the filled error file in one command; a refused one adds no row; the next apply exits 0', async () => {
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, MANIFEST);
    sim.injectNext('reset-after', { endpoint: 'group', count: 2 });
    expect((await cli(['apply', manifest, '--concurrency', '1'])).code).toBe(1);

    const fix = join(dir, 'fix.csv');
    expect((await cli(['report', '--failed', '--out', fix, manifest])).code).toBe(0);
    const filled: Record<string, string>[] = parse(readFileSync(fix, 'utf8'), { columns: true });
    expect(filled.map((r) => r._ledger_key)).toEqual(['alpha/g1', 'alpha/g2']);

    // One row wrong (an unknown key): nothing is written.
    const wrong = join(dir, 'wrong.csv');
    writeFileSync(wrong, stringify(filled.map((r, i) => ({ ...r, _decision: 'created', _ledger_key: i === 1 ? 'alpha/g9' : r._ledger_key })), { header: true }));
    const before = await rows();
    const refused = await cli(['ledger', 'resolve', '--from', wrong, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: \S+wrong\.csv:3: no item "alpha\/g9" in ledger postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: did you mean "alpha\/g[123]"\?\n/);
    expect(await rows()).toBe(before);

    // Both were created (their answers lost after the create): recorded with the chat_ids sent.
    writeFileSync(fix, stringify(filled.map((r) => ({ ...r, _decision: 'created' })), { header: true }));
    const done = await cli(['ledger', 'resolve', '--from', fix, '--yes']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/wrote 2 lines to postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: 2 created\n/);
    expect(await rows()).toBe(before + 2);

    const requests = sim.state.counts.requests;
    expect((await cli(['apply', manifest])).code).toBe(0);
    expect(sim.state.counts.requests).toBe(requests);
    expect(sim.state.snapshot().groups).toHaveLength(3);
    expect(sim.state.snapshot().duplicates).toEqual([]);
  });
});
