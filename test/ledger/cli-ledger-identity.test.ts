// End to end (the built CLI against the simulator): one ledger is one file and belongs to one
// API, whatever name it is reached by; a run whose lock is taken stops sending at once.
import { link, mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, until, writeFleet } from '../chaos/helpers.js';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function simulator(latencyMs = 0): Promise<Simulator> {
  const sim = await startSimulator({ token: TOKEN, latencyMs });
  sims.push(sim);
  return sim;
}

/** Every item the server holds was asked for once: no second run sent anything. */
function sentOnce(sim: Simulator): void {
  const { requestsByItem, duplicates } = sim.state.snapshot();
  expect(duplicates).toEqual([]);
  for (const counts of [requestsByItem.communities, requestsByItem.groups]) {
    expect(Object.values(counts).filter((n) => n !== 1)).toEqual([]);
  }
}

describe('one ledger, many names', () => {
  it('while a run holds the ledger, runs through a symlink, a `..` spelling or a hard link exit 3 and send nothing', async () => {
    const sim = await simulator(20);
    const dir = tempDir('genuin-ledger-e2e-');
    const fleet = writeFleet(dir, 40, 1);
    const ledger = join(dir, 'ledger.jsonl');
    await symlink(ledger, join(dir, 'alias.jsonl'));
    await mkdir(join(dir, 'sub')); // the kernel resolves `sub/..` only through a directory that exists
    let others: Promise<CliResult[]> | undefined;
    const first = await applyCli(sim, dir, ledger, [fleet.path, '--rate', '10/s'], {
      onSpawn: () => {
        others = until(() => sim.state.counts.requests > 0).then(async () => {
          await link(ledger, join(dir, 'hard.jsonl')); // the ledger exists once requests go out
          return Promise.all(
            [`${dir}/alias.jsonl`, `${dir}/sub/../ledger.jsonl`, `${dir}/hard.jsonl`].map((name) =>
              applyCli(sim, dir, name, [fleet.path, '--rate', '10/s']),
            ),
          );
        });
      },
    });
    const [viaSymlink, viaDots, viaHardLink] = await others!;
    expect(viaSymlink!.stderr).toMatch(new RegExp(`ledger ${dir}/alias.jsonl is in use by pid \\d+ on .* \\(lock file ${ledger}\\.lock\\)`));
    expect(viaSymlink!.code).toBe(3);
    expect(viaDots!.stderr).toMatch(/is in use by pid \d+ on /);
    expect(viaDots!.code).toBe(3);
    expect(viaHardLink!.stderr).toContain(`ledger ${dir}/hard.jsonl has 2 names (hard links)`);
    expect(viaHardLink!.code).toBe(3);
    expect(first.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    sentOnce(sim);
  }, 90_000);
});

describe('a run whose lock is taken', () => {
  it('stops sending within moments of its lock file being removed, exits 3, and keeps every id it received', async () => {
    const sim = await simulator(20);
    const dir = tempDir('genuin-ledger-e2e-');
    const fleet = writeFleet(dir, 30, 1);
    const ledger = join(dir, 'ledger.jsonl');
    let atRemoval = 0;
    const r = await applyCli(sim, dir, ledger, [fleet.path, '--rate', '10/s', '--concurrency', '4'], {
      onSpawn: () => {
        void until(() => sim.state.counts.creates >= 3).then(async () => {
          atRemoval = sim.state.counts.creates;
          await unlink(`${ledger}.lock`);
        });
      },
    });
    expect(r.stderr).toContain(
      `lock file ${ledger}.lock was removed while this run held it: stopped sending; another process may be using this ledger`,
    );
    expect(r.code).toBe(3);
    const sent = sim.state.counts.creates;
    // At 10/s and a check every 500 ms: a handful more, never the rest of the 60 items.
    expect(sent - atRemoval).toBeLessThan(15);
    expect(sent).toBeLessThan(fleet.items);
    // Nothing the server made is lost: every community it holds has its id in the ledger.
    const state = await readLedger(ledger);
    for (const c of sim.state.snapshot().communities) expect(state.communityId(c.handle)).toBe(c.community_id);
  }, 90_000);
});

describe('a ledger belongs to one API', () => {
  const manifest = (dir: string, handles: string[]) => {
    const lines = ['version: 1', 'defaults:', '  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }', 'communities:'];
    for (const h of handles) lines.push(`  - handle: ${h}`, `    name: Community ${h}`);
    const path = join(dir, `m-${handles.join('-')}.yaml`);
    return writeFile(path, lines.join('\n') + '\n').then(() => path);
  };
  const metaLines = async (ledger: string) =>
    (await readFile(ledger, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'ledger');

  it('a new ledger records its API first; the same ledger against another API exits 3 before sending, naming both', async () => {
    const [a, b] = [await simulator(), await simulator()];
    const dir = tempDir('genuin-ledger-e2e-');
    const ledger = join(dir, 'ledger.jsonl');
    const m = await manifest(dir, ['c0', 'c1']);
    expect((await applyCli(a, dir, ledger, [m])).code).toBe(0);
    const first = JSON.parse((await readFile(ledger, 'utf8')).split('\n')[0]!);
    expect(first).toMatchObject({ event: 'ledger', api: a.url.replace(/\/$/, ''), format: 3 });

    const r = await applyCli(b, dir, ledger, [m]);
    expect(r.stderr).toContain(
      `ledger ${ledger} belongs to API ${first.api}, but this run is against ${b.url.replace(/\/$/, '')}; nothing was sent: use one ledger per environment (--ledger or GENUIN_LEDGER)`,
    );
    expect(r.code).toBe(3);
    expect(b.state.counts.requests).toBe(0);
  }, 60_000);

  it('a ledger from before origins adopts the API of its next run, with a notice, once', async () => {
    const sim = await simulator();
    const dir = tempDir('genuin-ledger-e2e-');
    const ledger = join(dir, 'ledger.jsonl');
    const old = { at: '2026-10-01T00:00:00.000Z', run: 'old', kind: 'community', key: 'c0', event: 'created', community_id: 'C0-ID' };
    await writeFile(ledger, JSON.stringify(old) + '\n');
    const m = await manifest(dir, ['c0', 'c1']);
    const r = await applyCli(sim, dir, ledger, [m]);
    expect(r.code).toBe(0);
    const api = sim.url.replace(/\/$/, '');
    expect(r.stderr).toContain(`ledger ${ledger} had no API recorded; it now belongs to ${api}`);
    expect(sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['c1']); // c0 was already done
    expect(await metaLines(ledger)).toEqual([expect.objectContaining({ api })]);
    const again = await applyCli(sim, dir, ledger, [m]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('no API recorded');
  }, 60_000);

  it('the same API with a rotated token is the same ledger; the token is never recorded', async () => {
    const sim = await simulator();
    const dir = tempDir('genuin-ledger-e2e-');
    const ledger = join(dir, 'ledger.jsonl');
    expect((await applyCli(sim, dir, ledger, [await manifest(dir, ['c0'])])).code).toBe(0);
    const rotated = 'rotated-token-5e1f09';
    sim.configure({ token: rotated });
    const r = await applyCli(sim, dir, ledger, [await manifest(dir, ['c0', 'c1'])], { env: { GENUIN_ACCESS_TOKEN: rotated } });
    expect(r.stderr).not.toMatch(/belongs to API|no API recorded/);
    expect(r.code).toBe(0);
    expect(sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['c0', 'c1']);
    expect(await metaLines(ledger)).toHaveLength(1);
    const text = await readFile(ledger, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(rotated);
  }, 60_000);

  it('--simulate runs share a ledger (a new simulator port each time is one API), and a real API refuses it', async () => {
    const dir = tempDir('genuin-ledger-e2e-');
    const ledger = join(dir, 'rehearsal.jsonl');
    const m = await manifest(dir, ['c0']);
    for (let i = 0; i < 2; i++) expect((await runCli(['apply', m, '--simulate', '--ledger', ledger], { cwd: dir })).code).toBe(0);
    expect(await metaLines(ledger)).toEqual([expect.objectContaining({ api: 'simulator' })]);
    const sim = await simulator();
    const r = await applyCli(sim, dir, ledger, [m]);
    expect(r.stderr).toContain('belongs to API simulator, but this run is against http://127.0.0.1:');
    expect(r.code).toBe(3);
    expect(sim.state.counts.requests).toBe(0);
  }, 60_000);
});
