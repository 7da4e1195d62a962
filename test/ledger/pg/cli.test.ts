// The CLI against a PostgreSQL ledger on a throwaway cluster: exactly once through a killed
// session and a server restart mid-run (stop, print, exit 3, resume), one run per ledger, the
// API origin, export/import byte for byte, report/show/resolve from the database; never the password.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ledgerStore } from '../../../src/ledger/open.js';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { runCli, tempDir, type CliResult } from '../../helpers/cli.js';
import { PG_PASSWORD, pgSkipReason, startPgCluster, type PgCluster } from '../../helpers/pg-cluster.js';

const TOKEN = 'pg-cli-token';
const COMMUNITIES = 16;
const GROUPS = 3;

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
let db: string;
beforeEach(async () => {
  if (pgSkipReason) return;
  // Answers take long enough that a strike always finds requests in flight.
  sim = await startSimulator({ token: TOKEN, seed: 7, latencyMs: { min: 100, max: 200 } });
  dir = tempDir();
  url = await cluster.createDatabase();
  db = new URL(url).pathname.slice(1);
});
afterEach(async () => {
  await sim?.close();
});

function manifest(): string {
  const lines = ['version: 1', 'communities:'];
  for (let c = 0; c < COMMUNITIES; c++) {
    lines.push(`  - handle: c${c}`, `    name: C${c}`, '    type: 1', '    actions: []', '    groups:');
    for (let g = 0; g < GROUPS; g++) lines.push(`      - { key: g${g}, group: { name: C${c} G${g} }, type: 4 }`);
  }
  const path = join(dir, 'm.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const env = (extra: Record<string, string> = {}) => ({ GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN, ...extra });

/** Every run's output, checked for the password at the end of each test. */
const outputs: CliResult[] = [];
async function cli(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env: env(), ...options });
  outputs.push(r);
  return r;
}
afterEach(() => {
  for (const r of outputs.splice(0)) expect(r.stdout + r.stderr).not.toContain(PG_PASSWORD);
});

/** Starts an apply and, once the simulator has seen `after` requests, strikes (kills the session, restarts the server). */
async function applyStruck(after: number, strike: () => Promise<unknown>): Promise<CliResult> {
  let struck: Promise<unknown> | undefined;
  const r = await cli(['apply', manifest(), '--ledger', url, '--rate', '200/s', '--concurrency', '8'], {
    onSpawn: () => {
      const poll = setInterval(() => {
        if (sim.state.counts.requests < after) return;
        clearInterval(poll);
        struck = strike();
      }, 1);
    },
  });
  await struck;
  return r;
}

/** The ledger lines a run printed because the ledger could not take them. */
function printedLines(stderr: string): string[] {
  // Log lines (JSON too, on a stderr that is not a terminal) have no "kind".
  return stderr.split('\n').filter((l) => l.startsWith('{"at"') && l.includes('"kind"'));
}

/** After a struck run: append what it printed, run again, and check that every item exists once with its ids in the ledger. */
async function resumeAndCheck(struck: CliResult): Promise<void> {
  expect(struck.code).toBe(3);
  expect(struck.stderr).toMatch(/ledger postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+/);
  const printed = printedLines(struck.stderr);
  if (printed.length > 0) {
    expect(struck.stderr).toContain('these answers are not in it');
    const saved = join(dir, 'printed.txt');
    writeFileSync(saved, printed.join('\n') + '\n');
    const appended = await cli(['ledger', 'append', saved, '--ledger', url]);
    expect(appended.code, appended.stderr).toBe(0);
  }
  const resumed = await cli(['apply', manifest(), '--ledger', url, '--rate', '200/s']);
  expect(resumed.code, resumed.stderr).toBe(0);
  // Nothing twice on the server, and every id it handed out is in the ledger.
  expect(sim.state.communities.size).toBe(COMMUNITIES);
  expect(sim.state.groups.size).toBe(COMMUNITIES * GROUPS);
  for (const n of Object.values(sim.state.requestsByItem.communities)) expect(n).toBe(1);
  const state = await ledgerStore(url).read();
  for (const c of sim.state.communities.values()) expect(state.get('community', c.handle)?.community_id).toBe(c.community_id);
  const chats = new Set([...state.items.values()].filter((s) => s.kind === 'group' && s.status === 'created').map((s) => s.chat_id));
  for (const g of sim.state.groups.values()) expect(chats.has(g.chat_id)).toBe(true);
  // A rerun has nothing left to do.
  const again = await cli(['apply', manifest(), '--ledger', url]);
  expect(again.code).toBe(0);
  expect(sim.state.communities.size).toBe(COMMUNITIES);
}

describe.skipIf(pgSkipReason)('apply with a PostgreSQL ledger', () => {
  it('runs to the end, records its API, and a rerun sends nothing', async () => {
    const first = await cli(['apply', manifest(), '--rate', '200/s'], { env: env({ GENUIN_LEDGER: url }) });
    expect(first.code, first.stderr).toBe(0);
    const requests = sim.state.counts.requests;
    expect(sim.state.groups.size).toBe(COMMUNITIES * GROUPS);
    const again = await cli(['apply', manifest(), '--json'], { env: env({ GENUIN_LEDGER: url }) });
    expect(again.code).toBe(0);
    expect(sim.state.counts.requests).toBe(requests);
    expect(JSON.parse(again.stdout).ledger).toBe(url.replace(`:${PG_PASSWORD}`, ''));
    const state = await ledgerStore(url).read();
    expect(state.api).toBe(sim.url);
    expect(state.items.size).toBe(COMMUNITIES * (GROUPS + 1));
  });

  it('a no-op is recorded settled (in GENUIN_CACHE_DIR) and the next reads nothing; a line added since reads everything again', async () => {
    const cache = join(dir, 'cache');
    const e = env({ GENUIN_LEDGER: url, GENUIN_CACHE_DIR: cache });
    expect((await cli(['apply', manifest(), '--rate', '200/s'], { env: e })).code).toBe(0);
    const noop = await cli(['apply', manifest()], { env: e });
    expect(noop.stdout + noop.stderr).not.toMatch(/nothing changed since run/);
    const settled = await cli(['apply', manifest(), '--json'], { env: e });
    expect(settled.code).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ skipped: COMMUNITIES * (GROUPS + 1), requests: 0, settled_by: { run: expect.any(String) } });
    // Compaction rewrites every row (the same state, new rows): the mark moves, the next run reads it all.
    expect((await cli(['ledger', 'compact', '--ledger', url], { env: e })).code).toBe(0);
    const after = await cli(['apply', manifest()], { env: e });
    expect(after.stdout + after.stderr).not.toMatch(/nothing changed since run/);
  });

  it('its session killed mid-run: stops sending, prints what it could not record, exits 3; the next run completes exactly once', async () => {
    const struck = await applyStruck(20, () => cluster.terminate(db, 'genuin-provision%'));
    expect(struck.stderr).toMatch(/connection to ledger .* (was lost|terminat)|cannot write ledger|another process may be using this ledger/);
    expect(sim.state.groups.size).toBeLessThan(COMMUNITIES * GROUPS);
    // Requests were in flight: their answers could not be recorded, so they were printed.
    expect(printedLines(struck.stderr).length).toBeGreaterThan(0);
    await resumeAndCheck(struck);
  });

  it('the database server restarted mid-run: the same, and the run resumes on the restarted server', async () => {
    const struck = await applyStruck(20, () => cluster.restart());
    expect(sim.state.groups.size).toBeLessThan(COMMUNITIES * GROUPS);
    await resumeAndCheck(struck);
  });

  it('one run per ledger: a second run gets exit 3 and the holder; with --skip-if-locked exit 4 and silence', async () => {
    const held = await ledgerStore(url).lock();
    try {
      const second = await cli(['apply', manifest(), '--ledger', url]);
      expect(second.code).toBe(3);
      expect(second.stderr).toMatch(new RegExp(`^error: ledger postgres://postgres@127\\.0\\.0\\.1:${cluster.port}/${db} is in use by pid ${process.pid} on \\S+ since `));
      const skipped = await cli(['apply', manifest(), '--ledger', url, '--skip-if-locked']);
      expect(skipped.code).toBe(4);
      expect(skipped.stdout + skipped.stderr).toBe('');
      expect(sim.state.counts.requests).toBe(0);
    } finally {
      await held.release();
    }
    const free = await cli(['apply', manifest(), '--ledger', url, '--rate', '200/s']);
    expect(free.code, free.stderr).toBe(0);
  });

  it('a ledger of another API is refused before anything is sent', async () => {
    expect((await cli(['apply', manifest(), '--ledger', url, '--rate', '200/s'])).code).toBe(0);
    const other = await startSimulator({ token: TOKEN });
    try {
      const r = await cli(['apply', manifest(), '--ledger', url], { env: env({ GENUIN_API_URL: other.url }) });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`belongs to API ${sim.url}, but this run is against ${other.url}`);
      expect(other.state.counts.requests).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('export/import: a file ledger into PostgreSQL and back, byte for byte; report, show and resolve read it', async () => {
    const file = join(dir, 'ledger.jsonl');
    expect((await cli(['apply', manifest(), '--ledger', file, '--rate', '200/s'])).code).toBe(0);
    const imported = await cli(['ledger', 'import', file, '--ledger', url]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout + imported.stderr).toMatch(/imported \d+ lines \(64 items\)/);
    const exported = await cli(['ledger', 'export'], { env: env({ GENUIN_LEDGER: url }) });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(await readFile(file, 'utf8'));
    const out = join(dir, 'back.jsonl');
    expect((await cli(['ledger', 'export', '--ledger', url, '--output', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(file, 'utf8'));
    // A second import is refused (exit 2), and so is a merge of another API's ledger (exit 3).
    const again = await cli(['ledger', 'import', file, '--ledger', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');
    const foreign = join(dir, 'foreign.jsonl');
    writeFileSync(foreign, JSON.stringify({ at: '2026-11-01T00:00:00.000Z', event: 'ledger', api: 'https://elsewhere.example', format: 2 }) + '\n');
    const merged = await cli(['ledger', 'import', foreign, '--ledger', url, '--merge']);
    expect(merged.code).toBe(3);
    // Reports from either store are the same.
    const fromFile = await cli(['report', '--ledger', file]);
    const fromPg = await cli(['report', '--ledger', url]);
    expect(fromPg.code).toBe(0);
    expect(fromPg.stdout).toBe(fromFile.stdout);
    const shown = await cli(['ledger', 'show', 'c3', '--ledger', url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout + shown.stderr).toMatch(/created .*community_id=/);
    const abandoned = await cli(['ledger', 'resolve', 'c3/g1', '--kind', 'group', '--abandon', '--reason', 'x', '--ledger', url]);
    expect(abandoned.code).toBe(2); // created with a known id: nothing to abandon, said as for a file
    expect(abandoned.stderr).toContain('it exists with a known id');
    const plan = await cli(['plan', manifest(), '--ledger', url]);
    expect(plan.code, plan.stderr).toBe(0);
    // Compaction works on the database too: one line per item, the same report after it.
    const compact = await cli(['ledger', 'compact', '--ledger', url]);
    expect(compact.code, compact.stderr).toBe(0);
    expect(compact.stdout + compact.stderr).toContain('"linesAfter":64');
    expect((await cli(['report', '--ledger', url])).stdout).toBe(fromFile.stdout);
  });

  it('the password: from the URL, PGPASSWORD or ~/.pgpass; a bad or missing one is one line naming the ledger without it, exit 3', async () => {
    const r = await cli(['report', '--ledger', url.replace(PG_PASSWORD, 'wrong-password')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot connect to ledger postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: password authentication failed/);
    expect(r.stderr).not.toContain('wrong-password');
    // PGPASSWORD is the password of a URL without one.
    const viaEnv = await cli(['plan', manifest(), '--ledger', url.replace(`:${PG_PASSWORD}`, '')], { env: env({ PGPASSWORD: PG_PASSWORD }) });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    // So is a matching ~/.pgpass line (a file only its owner can read, as libpq wants).
    const home = tempDir();
    writeFileSync(join(home, '.pgpass'), `127.0.0.1:${cluster.port}:*:postgres:${PG_PASSWORD}\n`, { mode: 0o600 });
    const viaPgpass = await cli(['plan', manifest(), '--ledger', url.replace(`:${PG_PASSWORD}`, '')], { env: env({ HOME: home }) });
    expect(viaPgpass.code, viaPgpass.stderr).toBe(0);
    const none = await cli(['plan', manifest(), '--ledger', url.replace(`:${PG_PASSWORD}`, '')], { env: env({ HOME: tempDir() }) });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^error: cannot connect to ledger postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: the server asks for a password and none was given: set PGPASSWORD \(in the environment or \.env\), or put it in ~\/\.pgpass or the URL\n$/);
    expect(none.stderr).not.toContain('SASL');
  });

  it('PGPASSWORD in .env is read like the other variables there (the environment wins over it); never shown', async () => {
    const bare = url.replace(`:${PG_PASSWORD}`, '');
    writeFileSync(join(dir, '.env'), `PGPASSWORD=${PG_PASSWORD}\nGENUIN_LEDGER=${bare}\n`, { mode: 0o600 });
    const planned = await cli(['plan', manifest()], { env: env({ HOME: tempDir() }) });
    expect(planned.code, planned.stderr).toBe(0);
    const applied = await cli(['apply', manifest(), '--rate', '200/s', '--quiet'], { env: env({ HOME: tempDir() }) });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^created 64,/);
    // A wrong one in the environment beats .env's, as for every variable.
    const wrong = await cli(['report'], { env: env({ HOME: tempDir(), PGPASSWORD: 'wrong-password' }) });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stderr).not.toContain('wrong-password');
  });
});
